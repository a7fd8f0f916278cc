"""Conference templates (guide §14.5; FEATURES TPL-01..03, WE-21): a conference's
parameters kept for reuse. The template's owner is whoever created the template (an
admin, or a user from the scheduler or personal area), not the conference's owner."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eventsourcing.domain import event

from domain.shared.audited import AuditedAggregate
from domain.shared.changes import changes_between

Change = dict[str, Any]


@dataclass
class ConferenceTemplate(AuditedAggregate):
    parameters: dict[str, Any]
    """A conference's parameters (`parameters.PARAMETERS`), without a CID."""
    created_by: str
    """The template's Owner on its card (TPL-01): the creating actor's name."""
    deleted: bool = field(default=False, init=False)

    class Created(AuditedAggregate.Created, AuditedAggregate.Event):
        parameters: dict[str, Any]
        created_by: str

    class Edited(AuditedAggregate.Event):
        changes: list[Change]

    class Deleted(AuditedAggregate.Event):
        pass

    @property
    def topic(self) -> str:
        return str(self.parameters["topic"])

    def details(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            **self.parameters,
            "template_owner": self.created_by,
            "created_at": int(self.created_on.timestamp()),
            "edited_at": int(self.modified_on.timestamp()),
        }

    def edit(self, parameters: dict[str, Any]) -> list[Change]:
        changes = changes_between(self.parameters, parameters)
        if changes:
            self._edited(changes=changes)
        return changes

    @event(Edited)
    def _edited(self, changes: list[Change]) -> None:
        self.parameters = {**self.parameters, **{c["parameter"]: c["new"] for c in changes}}

    @event(Deleted)
    def delete(self) -> None:
        self.deleted = True
