"""The licence (guide §5, §9.1.1) and the PRO Licenses view (§9.1.2): what is licensed
and used, loading a licence, the permanent groups, redistribution and revocation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field

from adapters.bootstrap import QuorumSystem
from api.auth import Reader, System, Writer
from api.schemas.common import documented_body
from api.schemas.license import LicenceLoad, ProSettings
from domain.licensing.views import Person, pro_view
from domain.shared.actor import acting_as
from domain.shared.clock import now
from projections import directory

router = APIRouter(prefix="/license", tags=["license"])


class Counts(BaseModel):
    total: int = Field(description="Licences of this type the licence grants (0 once expired)")
    used: int
    available: int


class LicenceSummary(BaseModel):
    edition: str = Field(description="free, trial, annual or lifetime")
    expires_at: str | None = Field(description="Last valid day (YYYY-MM-DD); null: never")
    expired: bool
    online: Counts = Field(description="Authorised endpoints, one per device (§5.1)")
    pro: Counts = Field(description="Users in group conferences, one per account (§5.2)")
    guest: Counts = Field(description="Guests in public conferences (§5.4)")
    gateway: Counts = Field(description="SIP/H.323/RTSP participants (§5.3)")
    extensions: list[str]


class GroupRef(BaseModel):
    id: str
    display_name: str


class ListedUser(BaseModel):
    user_id: str
    display_name: str
    groups: list[GroupRef]


class TemporaryHolder(BaseModel):
    user_id: str
    display_name: str
    valid_until: str | None = Field(description="null while the user is in a conference")
    in_conference: bool


class RefusedUser(BaseModel):
    user_id: str
    display_name: str
    since: str = Field(description="When no temporary licence was free for the user")


class ProView(BaseModel):
    groups: list[str] = Field(description="Groups given permanent licences, by priority")
    allow_request: bool
    show_info: bool
    total: int
    used: int
    available: int = Field(description="PRO licences free now")
    permanent: list[ListedUser]
    permanent_not_licensed: list[ListedUser] = Field(
        description="Members of the chosen groups left without one at the last distribution"
    )
    distributed_at: str | None
    temporary: list[TemporaryHolder]
    temporary_not_licensed: list[RefusedUser] = Field(
        description="Users refused a temporary licence in the last 24 hours"
    )
    without_licence: int = Field(description="Distinct users on either not-licensed list")


class Redistribution(BaseModel):
    lost: list[str] = Field(description="Users who lost their PRO licence")
    view: ProView


def _view(system: QuorumSystem) -> dict[str, Any]:
    system.fresh("directory")
    source = system.users.source()

    def lookup(user_id: str) -> Person:
        row = directory.get_user(system.sql_engine, user_id, source)
        if row is None:
            return Person(user_id)
        groups = directory.groups_of(system.sql_engine, row.user_id, source)
        return Person(
            row.display_name or row.user_id,
            [{"id": g.group_id, "display_name": g.display_name} for g in groups],
        )

    return pro_view(system.licensing.pool(), now(), lookup)


@router.get("", response_model=LicenceSummary, summary="Licence info: counts per type")
def get_licence(_: Reader, system: System) -> dict[str, Any]:
    """Total, used and available licences per type, the edition, expiry and extensions
    (§9.1.1)."""
    return system.licensing.summary()


@router.put(
    "",
    response_model=LicenceSummary,
    summary="Load a licence",
    openapi_extra=documented_body(LicenceLoad),
)
def load_licence(body: Annotated[Any, Body()], principal: Writer, system: System) -> dict[str, Any]:
    """`{edition, online, pro, guest, gateway, extensions, expires_at}`; fewer PRO
    licences than are in use redistributes them at once (§5.2.1 item 5)."""
    system.fresh("directory")
    with acting_as(principal.actor):
        system.licensing.load(body)
    return system.licensing.summary()


@router.get("/pro", response_model=ProView, summary="PRO licences: holders and settings")
def get_pro(_: Reader, system: System) -> dict[str, Any]:
    """The PRO Licenses view (§9.1.2)."""
    return _view(system)


@router.put(
    "/pro",
    response_model=ProView,
    summary="Change the PRO licence settings",
    openapi_extra=documented_body(ProSettings, partial=True),
)
def change_pro(body: Annotated[Any, Body()], principal: Writer, system: System) -> dict[str, Any]:
    """`{groups?, allow_request?, show_info?}`: the groups whose members get permanent
    licences, by priority (applied at the next distribution), and the two switches."""
    with acting_as(principal.actor):
        system.licensing.change_pro_settings(body)
    return _view(system)


@router.post(
    "/pro/redistribute", response_model=Redistribution, summary="Distribute PRO licences now"
)
def redistribute(principal: Writer, system: System) -> dict[str, Any]:
    """The automatic 24-hour distribution, run now: permanent licences to the chosen
    groups; running meetings go on, only users left without a licence leave them."""
    system.fresh("directory")
    with acting_as(principal.actor):
        lost = system.licensing.redistribute(manual=False)
    return {"lost": lost, "view": _view(system)}


@router.delete(
    "/pro/temporary/{user_id}", status_code=204, summary="Revoke a temporary PRO licence"
)
def revoke(user_id: str, principal: Writer, system: System) -> None:
    """The licence returns to the pool at once; the user leaves running conferences
    (§9.1.2 item 5). A permanent licence cannot be revoked here (409)."""
    with acting_as(principal.actor):
        system.licensing.revoke(user_id.lower())
