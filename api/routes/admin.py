"""Administrator sessions and preferences (guide §18.4, §18.6)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict

from api.auth import (
    OwnAccount,
    Principal,
    System,
    check_admin_address,
    client_ip,
    user_agent_of,
)
from api.dependencies.admins import Admins
from api.schemas.settings import Preferences, PreferencesChange
from domain.shared.actor import Actor, acting_as
from domain.shared.errors import Forbidden

router = APIRouter(prefix="/admin", tags=["admin"])


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")
    login: str
    password: str


class Session(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    expires_at: datetime
    role: str


@router.post("/session", response_model=Session)
def log_in(credentials: Credentials, request: Request, system: System) -> Session:
    ip = client_ip(request)
    check_admin_address(system.settings.get(), ip)
    agent = user_agent_of(request)
    with acting_as(Actor(kind="admin", name=credentials.login, ip=ip, user_agent=agent)):
        session = system.admins.log_in(credentials.login, credentials.password)
    token = system.tokens.issue(
        session.account.name, "admin", session.session_id, session.expires_at
    )
    expires_in = int((session.expires_at - datetime.now(session.expires_at.tzinfo)).total_seconds())
    return Session(
        access_token=token,
        expires_in=expires_in,
        expires_at=session.expires_at,
        role=session.account.role,
    )


@router.delete("/session", status_code=204)
def log_out(principal: OwnAccount, admins: Admins) -> None:
    if principal.session_id is not None:
        with acting_as(principal.actor):
            admins.log_out(principal.name, principal.session_id)


@router.get("/preferences", response_model=Preferences)
def get_preferences(principal: OwnAccount) -> dict[str, Any]:
    return principal.preferences


def preferences_owner(principal: OwnAccount) -> Principal:
    """An administrator signed in to their own account; refused before the body is read."""
    if principal.via != "session":
        raise Forbidden("preferences belong to an administrator account; log in as one")
    return principal


@router.patch("/preferences", response_model=Preferences)
def change_preferences(
    principal: Annotated[Principal, Depends(preferences_owner)],
    body: PreferencesChange,
    admins: Admins,
) -> dict[str, Any]:
    with acting_as(principal.actor):
        account = admins.change_preferences(principal.name, body.given())
    return account.preferences
