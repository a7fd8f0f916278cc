"""Sign-in attempts with an ID that has no account: recorded for the Events report,
never counted towards any lockout (§13.10.2)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.shared.audited import AuditedAggregate


@dataclass
class UnknownLogin(AuditedAggregate):
    entered_login: str

    class Created(AuditedAggregate.Created, AuditedAggregate.Event):
        entered_login: str

    class Tried(AuditedAggregate.Event):
        method: str

    @staticmethod
    def create_id(entered_login: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/quorum/unknown-logins/{entered_login.lower()}")

    @event(Tried)
    def tried(self, method: str) -> None:
        pass
