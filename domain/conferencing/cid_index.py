"""The CID index: one small aggregate per CID (lower case), whose ID derives from it,
pointing at the conference that holds it. Creating a second entry for a taken CID
fails in the event store itself (IntegrityError), across processes; a released entry
can be claimed again. Like eventsourcing's content-management `Slug`."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.shared.audited import AuditedAggregate


@dataclass
class ConferenceId(AuditedAggregate):
    cid: str
    """The CID as its holder spells it."""
    conference_id: UUID | None
    """The conference holding the CID; None once released."""

    class Created(AuditedAggregate.Created, AuditedAggregate.Event):
        cid: str
        conference_id: UUID | None

    class Claimed(AuditedAggregate.Event):
        cid: str
        conference_id: UUID

    class Released(AuditedAggregate.Event):
        pass

    @staticmethod
    def create_id(cid: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/quorum/conferences/{cid.lower()}")

    @property
    def taken(self) -> bool:
        return self.conference_id is not None

    @event(Claimed)
    def claim(self, cid: str, conference_id: UUID) -> None:
        self.cid, self.conference_id = cid, conference_id

    @event(Released)
    def release(self) -> None:
        self.conference_id = None
