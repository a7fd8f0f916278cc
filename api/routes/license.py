"""The licence (guide §5, §9.1.1) and the PRO Licenses view (§9.1.2): what is licensed
and used, loading a licence, the permanent groups, redistribution and revocation."""

from __future__ import annotations

from typing import Any, cast

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.auth import Reader, Writer
from api.dependencies.identity import DirectoryQuery, DirectoryView
from api.dependencies.licensing import Licensing
from api.schemas.license import LicenceLoad, ProSettings
from domain.licensing.licensing_service import LicensingService, ProSettingsChange
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


def _view(licensing: LicensingService, view: DirectoryView) -> dict[str, Any]:
    engine = view.fresh()
    source = view.source()

    def lookup(user_id: str) -> Person:
        row = directory.get_user(engine, user_id, source)
        if row is None:
            return Person(user_id)
        groups = directory.groups_of(engine, row.user_id, source)
        return Person(
            row.display_name or row.user_id,
            [{"id": g.group_id, "display_name": g.display_name} for g in groups],
        )

    return pro_view(licensing.pool(), now(), lookup)


@router.get("", response_model=LicenceSummary, summary="Licence info: counts per type")
def get_licence(_: Reader, licensing: Licensing) -> dict[str, Any]:
    """Total, used and available licences per type, the edition, expiry and extensions
    (§9.1.1)."""
    return licensing.summary()


@router.put("", response_model=LicenceSummary, summary="Load a licence")
def load_licence(
    body: LicenceLoad, principal: Writer, licensing: Licensing, view: DirectoryQuery
) -> dict[str, Any]:
    """`{edition, online, pro, guest, gateway, extensions, expires_at}`; fewer PRO
    licences than are in use redistributes them at once (§5.2.1 item 5)."""
    view.fresh()
    with acting_as(principal.actor):
        licensing.load(body.given())
    return licensing.summary()


@router.get("/pro", response_model=ProView, summary="PRO licences: holders and settings")
def get_pro(_: Reader, licensing: Licensing, view: DirectoryQuery) -> dict[str, Any]:
    """The PRO Licenses view (§9.1.2)."""
    return _view(licensing, view)


@router.put("/pro", response_model=ProView, summary="Change the PRO licence settings")
def change_pro(
    body: ProSettings, principal: Writer, licensing: Licensing, view: DirectoryQuery
) -> dict[str, Any]:
    """`{groups?, allow_request?, show_info?}`: the groups whose members get permanent
    licences, by priority (applied at the next distribution), and the two switches."""
    settings = cast(ProSettingsChange, body.given())
    with acting_as(principal.actor):
        licensing.change_pro_settings(settings)
    return _view(licensing, view)


@router.post(
    "/pro/redistribute", response_model=Redistribution, summary="Distribute PRO licences now"
)
def redistribute(principal: Writer, licensing: Licensing, view: DirectoryQuery) -> dict[str, Any]:
    """The automatic 24-hour distribution, run now: permanent licences to the chosen
    groups; running meetings go on, only users left without a licence leave them."""
    view.fresh()
    with acting_as(principal.actor):
        lost = licensing.redistribute(manual=False)
    return {"lost": lost, "view": _view(licensing, view)}


@router.delete(
    "/pro/temporary/{user_id}", status_code=204, summary="Revoke a temporary PRO licence"
)
def revoke(user_id: str, principal: Writer, licensing: Licensing) -> None:
    """The licence returns to the pool at once; the user leaves running conferences
    (§9.1.2 item 5). A permanent licence cannot be revoked here (409)."""
    with acting_as(principal.actor):
        licensing.revoke(user_id.lower())
