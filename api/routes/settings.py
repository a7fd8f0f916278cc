"""Server settings sections (guide §8.4, §9.1.3, §12.2): read, edit, regenerate keys."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from adapters.user_directory import BIND_PASSWORD
from api.auth import Reader, Writer
from api.dependencies import ExpectedVersion
from api.dependencies.identity import UserStorage
from api.dependencies.settings import Secrets, SectionChange, Settings
from api.schemas.errors import only
from api.schemas.settings import (
    SECTION_DOCS,
    SECTION_REPLY,
    ApiSecret,
    ConnectionKey,
    DirectoryGroups,
    SyncResult,
    UserStorageSwitch,
)
from domain.settings.model import ServerSettings
from domain.settings.rules import SECTIONS
from domain.shared.actor import acting_as
from domain.shared.errors import NotFound

router = APIRouter(prefix="/settings", tags=["settings"])

KEY_ROUTES = {"user-auth-key": "user_auth_key", "guest-auth-key": "guest_auth_key"}


def _section_view(settings: ServerSettings, section: str) -> dict[str, Any]:
    view = dict(settings.section(section))
    if section == "ldap":
        view["bind_password_set"] = settings.keys.get(BIND_PASSWORD) is not None
    if section == "main":
        view["user_auth_key_id"] = settings.keys.get("user_auth_key")
        view["guest_auth_key_id"] = settings.keys.get("guest_auth_key")
    if section == "security":
        view["api_secret_key_id"] = settings.keys.get("api_secret")
    return view


def _check_section(section: str) -> None:
    if section not in SECTIONS:
        raise NotFound(f"no settings section {section!r}; sections: {', '.join(SECTIONS)}")


@router.get("/{section}", response_model=None, openapi_extra=SECTION_REPLY)
def get_section(section: str, response: Response, _: Reader, service: Settings) -> dict[str, Any]:
    _check_section(section)
    settings = service.get()
    response.headers["ETag"] = f'"{settings.version}"'
    return _section_view(settings, section)


@router.patch("/{section}", response_model=None, openapi_extra=SECTION_DOCS)
def edit_section(
    section: str,
    response: Response,
    principal: Writer,
    body: SectionChange,
    service: Settings,
    storage: UserStorage,
    secrets: Secrets,  # keeps the LDAP bind password among the server's secrets
    expected_version: ExpectedVersion,
) -> dict[str, Any]:
    with acting_as(principal.actor):
        if isinstance(body, UserStorageSwitch):
            # Registry <-> LDAP (§13.7, §13.8): switching to LDAP synchronises,
            # switching back can import the directory's accounts.
            return storage.switch(body.mode, body.import_users)
        patch = body.given()
        password = patch.pop("bind_password", None) if section == "ldap" else None
        if password is not None:
            secrets.set(BIND_PASSWORD, password)
        settings, _changes = service.edit(section, patch, expected_version)
    response.headers["ETag"] = f'"{settings.version}"'
    return _section_view(settings, section)


@router.post("/security/api-secret", response_model=ApiSecret)
def regenerate_api_secret(principal: Writer, secrets: Secrets) -> dict[str, Any]:
    """A new API secret key; the old one stops working at once (§12.2)."""
    with acting_as(principal.actor):
        secret, change = secrets.regenerate("api_secret")
    return {"api_secret": secret, "api_secret_key_id": change["new"]}


@router.post("/main/{key}", response_model=ConnectionKey)
def regenerate_connection_key(key: str, principal: Writer, secrets: Secrets) -> dict[str, Any]:
    """New user- or guest-connection authorization key (§9.1.3 items 5 and 6)."""
    name = KEY_ROUTES.get(key)
    if name is None:
        raise NotFound(f"no key {key!r}; keys: {', '.join(KEY_ROUTES)}")
    with acting_as(principal.actor):
        _, change = secrets.regenerate(name)
    return {f"{name}_id": change["new"]}


@router.post("/ldap/sync", response_model=SyncResult, responses=only(502))
def sync_directory(principal: Writer, storage: UserStorage) -> dict[str, Any]:
    """Synchronise users and group memberships from the directory now (§13.8)."""
    with acting_as(principal.actor):
        return storage.sync().as_dict()


@router.get("/ldap/groups", response_model=DirectoryGroups, responses=only(502))
def browse_directory_groups(
    _: Reader, storage: UserStorage, search: str | None = None
) -> dict[str, Any]:
    """The directory's groups, to pick those to import (§13.3.2)."""
    groups = storage.directory_groups(search)
    return {"cnt": len(groups), "groups": groups}
