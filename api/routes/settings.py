"""Server settings sections (guide §8.4, §9.1.3, §12.2): read, edit, regenerate keys."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Response

from adapters.bootstrap import QuorumSystem
from adapters.user_directory import BIND_PASSWORD
from api.auth import Reader, System, Writer
from api.schemas.errors import only
from api.schemas.settings import (
    SECTION_DOCS,
    SECTION_REPLY,
    ApiSecret,
    ConnectionKey,
    DirectoryGroups,
    SyncResult,
)
from domain.settings.model import ServerSettings
from domain.settings.rules import SECTIONS
from domain.shared.actor import acting_as
from domain.shared.errors import NotFound, invalid

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


def _expected_version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    try:
        return int(if_match.strip().strip('"').removeprefix("W/").strip('"'))
    except ValueError:
        raise invalid("If-Match", "must be the ETag of a previous GET") from None


@router.get("/{section}", response_model=None, openapi_extra=SECTION_REPLY)
def get_section(section: str, response: Response, _: Reader, system: System) -> dict[str, Any]:
    _check_section(section)
    settings = system.settings.get()
    response.headers["ETag"] = f'"{settings.version}"'
    return _section_view(settings, section)


@router.patch("/{section}", response_model=None, openapi_extra=SECTION_DOCS)
def edit_section(
    section: str,
    patch: dict[str, Any],
    response: Response,
    principal: Writer,
    system: System,
    if_match: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    _check_section(section)
    with acting_as(principal.actor):
        if section == "user-storage":
            return _switch_storage(system, patch)
        if section == "ldap" and "bind_password" in patch:
            patch = dict(patch)
            password = patch.pop("bind_password")
            if not isinstance(password, str) or not password:
                raise invalid("bind_password", "must be a non-empty string")
            system.secrets.set(BIND_PASSWORD, password)
        settings, _changes = system.settings.edit(section, patch, _expected_version(if_match))
    response.headers["ETag"] = f'"{settings.version}"'
    return _section_view(settings, section)


@router.post("/security/api-secret", response_model=ApiSecret)
def regenerate_api_secret(principal: Writer, system: System) -> dict[str, Any]:
    """A new API secret key; the old one stops working at once (§12.2)."""
    with acting_as(principal.actor):
        secret, change = system.secrets.regenerate("api_secret")
    return {"api_secret": secret, "api_secret_key_id": change["new"]}


@router.post("/main/{key}", response_model=ConnectionKey)
def regenerate_connection_key(key: str, principal: Writer, system: System) -> dict[str, Any]:
    """New user- or guest-connection authorization key (§9.1.3 items 5 and 6)."""
    name = KEY_ROUTES.get(key)
    if name is None:
        raise NotFound(f"no key {key!r}; keys: {', '.join(KEY_ROUTES)}")
    with acting_as(principal.actor):
        _, change = system.secrets.regenerate(name)
    return {f"{name}_id": change["new"]}


def _switch_storage(system: QuorumSystem, body: dict[str, Any]) -> dict[str, Any]:
    """Registry <-> LDAP (§13.7, §13.8): `{"mode": ..., "import_users": bool}`; switching
    to LDAP synchronises, switching back can import the directory's accounts."""
    unknown = set(body) - {"mode", "import_users"}
    if unknown:
        raise invalid(sorted(unknown)[0], "unknown field; give mode and import_users")
    import_users = body.get("import_users", False)
    if not isinstance(import_users, bool):
        raise invalid("import_users", "must be true or false")
    if "mode" not in body:
        raise invalid("mode", "is required", reason="required")
    return system.storage.switch(body["mode"], import_users)


@router.post("/ldap/sync", response_model=SyncResult, responses=only(502))
def sync_directory(principal: Writer, system: System) -> dict[str, Any]:
    """Synchronise users and group memberships from the directory now (§13.8)."""
    with acting_as(principal.actor):
        return system.storage.sync().as_dict()


@router.get("/ldap/groups", response_model=DirectoryGroups, responses=only(502))
def browse_directory_groups(_: Reader, system: System, search: str | None = None) -> dict[str, Any]:
    """The directory's groups, to pick those to import (§13.3.2)."""
    groups = system.storage.directory_groups(search)
    return {"cnt": len(groups), "groups": groups}
