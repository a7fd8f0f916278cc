"""Use cases on conference templates (guide §14.5): create (also from an existing
conference), read, edit, delete, and create a conference from one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast
from uuid import UUID

from domain.conferencing.conference import Change, Conference
from domain.conferencing.conferences_service import ConferencesService
from domain.conferencing.invitations import REGISTRANT_PREFIX
from domain.conferencing.parameters import ConferenceFields, check_parameters
from domain.conferencing.registration import without_close_time
from domain.conferencing.schedule import ONCE, VIRTUAL_ROOM, WEEKLY
from domain.conferencing.template import ConferenceTemplate
from domain.shared.actor import current_actor
from domain.shared.application import QuorumStore, find, with_retries
from domain.shared.errors import Conflict, FieldProblem, InvalidInput, NotFound, invalid

SHOWN_ONLY = ("template_owner", "created_at", "edited_at")


class TemplateFields(ConferenceFields, total=False):
    """An edit body: a conference's fields, and what `details` shows (accepted only
    unchanged, so that a GET body can be sent back)."""

    template_owner: str | None
    edited_at: int | None


class TemplatesService:
    def __init__(self, store: QuorumStore, conferences: ConferencesService) -> None:
        self.store = store
        self.conferences = conferences

    def get(self, template_id: str | UUID) -> ConferenceTemplate:
        try:
            key = template_id if isinstance(template_id, UUID) else UUID(str(template_id))
        except ValueError:
            raise NotFound(f"no template {template_id!r}") from None
        template = find(self.store, key, ConferenceTemplate)
        if template is None or template.deleted:
            raise NotFound(f"no template {template_id!r}")
        return template

    def create(self, body: ConferenceFields) -> ConferenceTemplate:
        """A conference body without `id` (a template has no CID, §14.5)."""
        if "id" in body:
            raise invalid(
                "id",
                "a template has no conference ID; it is chosen for each "
                "conference made from the template (§14.5)",
            )
        parameters = check_parameters(body, generate=self.conferences.pin_generator, fixed=False)
        self.conferences.check_owner(parameters["owner"])
        template = ConferenceTemplate(parameters=parameters, created_by=current_actor().name)
        self.store.save(template)
        return template

    def create_from_conference(self, cid: str) -> ConferenceTemplate:
        """ "Save as template" while editing a conference (§14.4.1 item 9): its
        parameters, without its CID and its webinar registrants."""
        conference = self.conferences.get(cid)
        parameters = {
            **conference.parameters,
            "invitations": [
                i for i in conference.invitations if not i["id"].startswith(REGISTRANT_PREFIX)
            ],
        }
        template = ConferenceTemplate(parameters=parameters, created_by=current_actor().name)
        self.store.save(template)
        return template

    def edit(
        self, template_id: str, body: TemplateFields, expected_version: int | None = None
    ) -> tuple[ConferenceTemplate, list[Change]]:
        def attempt() -> tuple[ConferenceTemplate, list[Change]]:
            template = self.get(template_id)
            if expected_version is not None and template.version != expected_version:
                raise Conflict(
                    f"template {template_id} is at version {template.version}, not "
                    f"{expected_version}: someone changed it meanwhile",
                    [FieldProblem("version", "conflict", "stale version")],
                )
            fields = _without_shown(template, body)
            parameters = check_parameters(
                fields,
                current=template.parameters,
                generate=self.conferences.pin_generator,
                fixed=False,
            )
            if parameters["owner"] != template.parameters["owner"]:
                self.conferences.check_owner(parameters["owner"])
            changes = template.edit(parameters)
            if changes:
                self.store.save(template)
            return template, changes

        return with_retries(attempt, retry=expected_version is None)

    def delete(self, template_id: str) -> None:
        def attempt() -> None:
            template = self.get(template_id)
            template.delete()
            self.store.save(template)

        with_retries(attempt)

    def create_conference(
        self, template_id: str, overrides: ConferenceFields | None = None
    ) -> Conference:
        """A conference from the template (§14.5, WE-21): a virtual room unless
        `overrides` give a schedule; name, mode, owner, participants and the other
        settings kept; registration kept without its close time (and off unless
        scheduled); the CID is new (or `overrides["id"]`). `overrides` is a create body
        whose fields replace the template's."""
        extra: ConferenceFields = overrides or {}
        template = self.get(template_id)
        parameters: dict[str, Any] = {**template.parameters, "schedule": VIRTUAL_ROOM}
        schedule = extra.get("schedule")
        scheduled = schedule is not None and schedule.get("type") in (ONCE, WEEKLY)
        if parameters["registration"] is not None:
            parameters["registration"] = without_close_time(parameters["registration"], scheduled)
        parameters["invitations"] = [
            i for i in parameters["invitations"] if not i["id"].startswith(REGISTRANT_PREFIX)
        ]
        # The template's checked parameters, as a body the create checks again.
        return self.conferences.create(cast(ConferenceFields, {**parameters, **extra}))


def _without_shown(template: ConferenceTemplate, body: TemplateFields) -> ConferenceFields:
    """The body without what `details` shows but an edit does not set (accepted only
    unchanged, so that a GET body can be sent back)."""
    shown = template.details()
    given: Mapping[str, Any] = body
    problems = [
        FieldProblem(name, "invalid", "read-only")
        for name in ("id", *SHOWN_ONLY)
        if name in given and given[name] != shown[name]
    ]
    if problems:
        raise InvalidInput.of(problems)
    fields = body.copy()
    fields.pop("id", None)
    fields.pop("template_owner", None)
    fields.pop("created_at", None)
    fields.pop("edited_at", None)
    return fields
