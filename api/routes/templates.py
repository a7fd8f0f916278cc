"""Conference templates (guide §14.5)."""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import APIRouter

from api.auth import Principal, reading, writing
from api.dependencies.conferencing import ConferencesView, Templates
from api.schemas.conferences import (
    Conference,
    FromTemplate,
    Template,
    TemplateChange,
    TemplateCreate,
    TemplateList,
)
from domain.conferencing.parameters import ConferenceFields
from domain.conferencing.templates_service import TemplateFields
from domain.shared.actor import acting_as
from projections.conferences import TemplateRow

router = APIRouter(prefix="/templates/conferences", tags=["templates"])


def _shown(row: TemplateRow) -> dict[str, Any]:
    return {"id": row.template_id, **row.parameters, "created_at": int(row.created_at.timestamp())}


@router.get("", response_model=TemplateList)
def list_templates(
    _: Annotated[Principal, reading("templates.conferences:read")], shown: ConferencesView
) -> dict[str, Any]:
    templates = [_shown(r) for r in shown.templates()]
    return {"cnt": len(templates), "templates": templates}


@router.post("", status_code=201, response_model=Template)
def create_template(
    principal: Annotated[Principal, writing("templates.conferences:write")],
    body: TemplateCreate,
    templates: Templates,
    shown: ConferencesView,
) -> dict[str, Any]:
    with acting_as(principal.actor):
        template = templates.create(cast(ConferenceFields, body.given()))
    return _shown(shown.template(str(template.id)))


@router.get("/{template_id}", response_model=Template)
def get_template(
    template_id: str,
    _: Annotated[Principal, reading("templates.conferences:read")],
    shown: ConferencesView,
) -> dict[str, Any]:
    return _shown(shown.template(template_id))


@router.patch(
    "/{template_id}",
    response_model=Template,
)
def edit_template(
    template_id: str,
    principal: Annotated[Principal, writing("templates.conferences:write")],
    body: TemplateChange,
    templates: Templates,
    shown: ConferencesView,
) -> dict[str, Any]:
    with acting_as(principal.actor):
        templates.edit(template_id, cast(TemplateFields, body.given()))
    return _shown(shown.template(template_id))


@router.delete("/{template_id}", status_code=204)
def delete_template(
    template_id: str,
    principal: Annotated[Principal, writing("templates.conferences:write")],
    templates: Templates,
) -> None:
    with acting_as(principal.actor):
        templates.delete(template_id)


@router.post(
    "/{template_id}/conferences",
    status_code=201,
    response_model=Conference,
)
def conference_from_template(
    template_id: str,
    principal: Annotated[Principal, writing("templates.conferences:read", "conferences:write")],
    body: FromTemplate,
    templates: Templates,
    shown: ConferencesView,
) -> dict[str, Any]:
    """A new conference from the template; the body may override any parameter."""
    with acting_as(principal.actor):
        conference = templates.create_conference(template_id, cast(ConferenceFields, body.given()))
    return shown.shown(shown.get(conference.cid))
