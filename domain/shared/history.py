"""Any aggregate as it was at an instant (`quorum audit at`, issue 7 item 6): its
events up to that time, replayed."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from domain.shared.application import QuorumStore
from domain.shared.audited import AuditedAggregate

HIDDEN = {"password_hash", "digest", "api_secret_digest"}
"""Kept in the stream, never shown."""


def state_at(store: QuorumStore, aggregate_id: UUID, at: datetime) -> Any | None:
    """The aggregate with every event recorded at or before `at`; None if it did not
    exist yet (or never did)."""
    version = None
    for event in store.events.get(aggregate_id):
        assert isinstance(event, AuditedAggregate.Event), event
        if event.timestamp > at:
            break
        version = event.originator_version
    if version is None:
        return None
    return store.repository.get(aggregate_id, version=version)


def as_record(aggregate: Any) -> dict[str, Any]:
    """The aggregate's fields as plain data, secrets hidden."""
    record: dict[str, Any] = {
        "id": str(aggregate.id),
        "version": aggregate.version,
        "created_on": aggregate.created_on.isoformat(),
        "modified_on": aggregate.modified_on.isoformat(),
    }
    for name, value in vars(aggregate).items():
        if name.startswith("_"):
            continue
        record[name] = "[hidden]" if name in HIDDEN else value
    return record
