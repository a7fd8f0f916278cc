"""Aliases (guide §13.4)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.auth import Reader, Writer
from api.dependencies.identity import Aliases, DirectoryQuery
from api.schemas.aliases import AliasCreate
from api.schemas.conferences import Alias, AliasList
from domain.shared.actor import acting_as
from domain.shared.errors import NotFound
from projections import directory

router = APIRouter(prefix="/aliases", tags=["aliases"])


@router.get("", response_model=AliasList)
def list_aliases(_: Reader, view: DirectoryQuery) -> dict[str, Any]:
    rows = directory.list_aliases(view.fresh())
    return {
        "cnt": len(rows),
        "aliases": [{"alias": r.alias, "call_string": r.call_string} for r in rows],
    }


@router.post("", status_code=201, response_model=Alias)
def create_alias(body: AliasCreate, principal: Writer, aliases: Aliases) -> dict[str, Any]:
    with acting_as(principal.actor):
        alias = aliases.create(body.alias, body.call_string)
    return {"alias": alias.alias, "call_string": alias.call_string}


@router.get("/{alias}", response_model=Alias)
def resolve_alias(alias: str, _: Reader, view: DirectoryQuery) -> dict[str, Any]:
    """Resolving an alias gives its target (§13.4.1)."""
    found = directory.find_alias(view.fresh(), alias)
    if found is None:
        raise NotFound(f"no alias {alias!r}")
    return {"alias": found.alias, "call_string": found.call_string}


@router.delete("/{alias}", status_code=204)
def delete_alias(alias: str, principal: Writer, aliases: Aliases) -> None:
    with acting_as(principal.actor):
        aliases.delete(alias)
