"""Aliases (guide §13.4)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.auth import Reader, System, Writer
from api.schemas.common import documented_body
from api.schemas.conferences import Alias, AliasCreate, AliasList
from domain.shared.actor import acting_as
from domain.shared.errors import NotFound
from projections import directory

router = APIRouter(prefix="/aliases", tags=["aliases"])


@router.get("", response_model=AliasList)
def list_aliases(_: Reader, system: System) -> dict[str, Any]:
    system.fresh("directory")
    rows = directory.list_aliases(system.sql_engine)
    return {
        "cnt": len(rows),
        "aliases": [{"alias": r.alias, "call_string": r.call_string} for r in rows],
    }


@router.post("", status_code=201, response_model=Alias, openapi_extra=documented_body(AliasCreate))
def create_alias(body: dict[str, Any], principal: Writer, system: System) -> dict[str, Any]:
    with acting_as(principal.actor):
        alias = system.aliases.create(body)
    return {"alias": alias.alias, "call_string": alias.call_string}


@router.get("/{alias}", response_model=Alias)
def resolve_alias(alias: str, _: Reader, system: System) -> dict[str, Any]:
    """Resolving an alias gives its target (§13.4.1)."""
    system.fresh("directory")
    found = directory.find_alias(system.sql_engine, alias)
    if found is None:
        raise NotFound(f"no alias {alias!r}")
    return {"alias": found.alias, "call_string": found.call_string}


@router.delete("/{alias}", status_code=204)
def delete_alias(alias: str, principal: Writer, system: System) -> None:
    with acting_as(principal.actor):
        system.aliases.delete(alias)
