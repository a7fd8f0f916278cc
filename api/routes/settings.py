"""Server settings sections (guide §8.4, §9.1.3, §12.2): read, edit, regenerate keys."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Response

from api.auth import Reader, System, Writer
from domain.settings.model import ServerSettings
from domain.settings.rules import SECTIONS
from domain.shared.actor import acting_as
from domain.shared.errors import NotFound, invalid

router = APIRouter(prefix="/settings", tags=["settings"])

KEY_ROUTES = {"user-auth-key": "user_auth_key", "guest-auth-key": "guest_auth_key"}


def _section_view(settings: ServerSettings, section: str) -> dict[str, Any]:
    view = dict(settings.section(section))
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


@router.get("/{section}")
def get_section(section: str, response: Response, _: Reader, system: System) -> dict[str, Any]:
    _check_section(section)
    settings = system.settings.get()
    response.headers["ETag"] = f'"{settings.version}"'
    return _section_view(settings, section)


@router.patch("/{section}")
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
        settings, _changes = system.settings.edit(section, patch, _expected_version(if_match))
    response.headers["ETag"] = f'"{settings.version}"'
    return _section_view(settings, section)


@router.post("/security/api-secret")
def regenerate_api_secret(principal: Writer, system: System) -> dict[str, Any]:
    """A new API secret key; the old one stops working at once (§12.2)."""
    with acting_as(principal.actor):
        secret, change = system.regenerate_secret("api_secret")
    return {"api_secret": secret, "api_secret_key_id": change["new"]}


@router.post("/main/{key}")
def regenerate_connection_key(key: str, principal: Writer, system: System) -> dict[str, Any]:
    """New user- or guest-connection authorization key (§9.1.3 items 5 and 6)."""
    name = KEY_ROUTES.get(key)
    if name is None:
        raise NotFound(f"no key {key!r}; keys: {', '.join(KEY_ROUTES)}")
    with acting_as(principal.actor):
        _, change = system.regenerate_secret(name)
    return {f"{name}_id": change["new"]}
