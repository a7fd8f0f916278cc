"""Conference templates (guide §14.5)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from adapters.bootstrap import QuorumSystem
from api.auth import Principal, System, reading, writing
from api.routes.conferences import _shown
from api.schemas.common import documented_body
from api.schemas.conferences import (
    Conference,
    FromTemplate,
    Template,
    TemplateChange,
    TemplateCreate,
    TemplateList,
)
from domain.shared.actor import acting_as
from domain.shared.errors import NotFound
from projections import conferences as view

router = APIRouter(prefix="/templates/conferences", tags=["templates"])


def _template(system: QuorumSystem, template_id: str) -> dict[str, Any]:
    system.fresh("conferences")
    row = view.get_template(system.sql_engine, template_id)
    if row is None:
        raise NotFound(f"no template {template_id!r}")
    return {"id": row.template_id, **row.parameters, "created_at": int(row.created_at.timestamp())}


@router.get("", response_model=TemplateList)
def list_templates(
    _: Annotated[Principal, reading("templates.conferences:read")], system: System
) -> dict[str, Any]:
    system.fresh("conferences")
    rows = view.list_templates(system.sql_engine)
    templates = [
        {"id": r.template_id, **r.parameters, "created_at": int(r.created_at.timestamp())}
        for r in rows
    ]
    return {"cnt": len(templates), "templates": templates}


@router.post(
    "", status_code=201, response_model=Template, openapi_extra=documented_body(TemplateCreate)
)
def create_template(
    body: dict[str, Any],
    principal: Annotated[Principal, writing("templates.conferences:write")],
    system: System,
) -> dict[str, Any]:
    with acting_as(principal.actor):
        template = system.templates.create(body)
    return _template(system, str(template.id))


@router.get("/{template_id}", response_model=Template)
def get_template(
    template_id: str, _: Annotated[Principal, reading("templates.conferences:read")], system: System
) -> dict[str, Any]:
    return _template(system, template_id)


@router.patch(
    "/{template_id}",
    response_model=Template,
    openapi_extra=documented_body(TemplateChange, partial=True),
)
def edit_template(
    template_id: str,
    body: dict[str, Any],
    principal: Annotated[Principal, writing("templates.conferences:write")],
    system: System,
) -> dict[str, Any]:
    with acting_as(principal.actor):
        system.templates.edit(template_id, body)
    return _template(system, template_id)


@router.delete("/{template_id}", status_code=204)
def delete_template(
    template_id: str,
    principal: Annotated[Principal, writing("templates.conferences:write")],
    system: System,
) -> None:
    with acting_as(principal.actor):
        system.templates.delete(template_id)


@router.post(
    "/{template_id}/conferences",
    status_code=201,
    response_model=Conference,
    openapi_extra=documented_body(FromTemplate, partial=True),
)
def conference_from_template(
    template_id: str,
    body: dict[str, Any],
    principal: Annotated[Principal, writing("templates.conferences:read", "conferences:write")],
    system: System,
) -> dict[str, Any]:
    """A new conference from the template; the body may override any parameter."""
    with acting_as(principal.actor):
        conference = system.templates.create_conference(template_id, body)
    return _shown(system, conference.cid)
