"""A legal erase of one aggregate's events from the raw stream (issue 7, item 2:
`quorum audit purge`). The stream is otherwise never edited; the erase is itself a
fact, recording which sequences went and their chain hashes (never their content), so
the tamper-evident chain can bridge exactly those gaps and still flag any other."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.shared.audited import AuditedAggregate
from domain.shared.errors import invalid

MAX_REASON = 1000


@dataclass
class EventsPurge(AuditedAggregate):
    aggregate_id: str
    reason: str
    sequences: list[int]
    chain_hashes: list[str]
    """The `Quorum-Chain` hash of each purged message, in the order of `sequences`."""

    class Created(AuditedAggregate.Created, AuditedAggregate.Event):
        aggregate_id: str
        reason: str
        sequences: list[int]
        chain_hashes: list[str]


def record_purge(aggregate_id: str, reason: str, found: Sequence[tuple[int, str]]) -> EventsPurge:
    """The record of purging `found` (sequence, chain hash) of `aggregate_id`."""
    reason = reason.strip()
    if not reason:
        raise invalid("reason", "say why the events are erased")
    if len(reason) > MAX_REASON:
        raise invalid("reason", f"at most {MAX_REASON} characters")
    if not found:
        raise invalid("subject", f"no events of {aggregate_id} in the stream")
    ordered = sorted(found)
    return EventsPurge(
        aggregate_id=aggregate_id,
        reason=reason,
        sequences=[seq for seq, _ in ordered],
        chain_hashes=[chain_hash for _, chain_hash in ordered],
    )
