"""`quorum audit verify` and `quorum audit purge`: the tamper-evident chain of the
events stream as auditors use it (issue 7, items 2 and 7; the chain itself is defined
in `adapters.jetstream.chain`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from adapters.jetstream.chain import ChainReport, verify_chain
from adapters.jetstream.client import JetStreamClient, StoredMessage
from adapters.jetstream.loop import run_sync
from adapters.jetstream.subjects import (
    EVENTS_PREFIX,
    EVENTS_STREAM,
    H_CHAIN,
    H_EVENT,
    SNAPSHOTS_PREFIX,
    SNAPSHOTS_STREAM,
    EventHeader,
    aggregate_type,
    originator_filter,
)
from domain.operations.events_purge import EventsPurge, record_purge
from domain.shared.application import QuorumStore
from domain.shared.errors import invalid

PAGE = 1000
PURGE_TYPE = aggregate_type(get_topic(EventsPurge.Created))
PURGES = f"{EVENTS_PREFIX}.{PURGE_TYPE}.>"


def verify(
    client: JetStreamClient, store: QuorumStore, start: int = 1, end: int | None = None
) -> ChainReport:
    """Walk the events stream from `start` to `end`, bridging recorded purges."""
    purged = recorded_purges(client, store)
    return run_sync(verify_chain(client, EVENTS_STREAM, f"{EVENTS_PREFIX}.>", start, end, purged))


def recorded_purges(client: JetStreamClient, store: QuorumStore) -> dict[int, str]:
    """Sequence -> chain hash of every message a recorded purge removed."""
    purged: dict[int, str] = {}
    for message in _messages_on(client, PURGES):
        if H_EVENT not in message.headers:
            continue  # not written by us: `verify` flags it where it stands
        record = store.mapper.to_domain_event(_stored_event(message))
        if isinstance(record, EventsPurge.Created):
            purged.update(zip(record.sequences, record.chain_hashes, strict=False))
    return purged


@dataclass(frozen=True)
class Purged:
    record_id: UUID
    sequences: list[int]


def purge(client: JetStreamClient, store: QuorumStore, aggregate_id: str, reason: str) -> Purged:
    """Erase the events of one aggregate: record the erase first (a record of an erase
    that then failed is harmless; an erase without a record would look like tampering),
    then purge exactly the recorded messages, and the aggregate's snapshots."""
    aggregate_id = _normal_id(aggregate_id)
    subject = originator_filter(EVENTS_PREFIX, aggregate_id)
    found = list(_messages_on(client, subject))
    if any(m.subject.startswith(PURGES[:-1]) for m in found):
        raise invalid("subject", "a purge record is never purged")
    record = record_purge(
        aggregate_id, reason, [(m.seq, m.headers.get(H_CHAIN, "")) for m in found]
    )
    store.save(record)
    run_sync(client.purge_subject(EVENTS_STREAM, subject, before_seq=record.sequences[-1] + 1))
    # A snapshot holds the aggregate's state too: it goes with its events.
    snapshots = originator_filter(SNAPSHOTS_PREFIX, aggregate_id)
    run_sync(client.purge_subject(SNAPSHOTS_STREAM, snapshots))
    return Purged(record.id, record.sequences)


def _normal_id(value: str) -> str:
    value = value.strip()
    try:
        return str(UUID(value))
    except ValueError:
        return value


def _messages_on(client: JetStreamClient, subject: str) -> Iterator[StoredMessage]:
    position = 1
    while True:
        page, pending = run_sync(client.direct_get_batch(EVENTS_STREAM, position, PAGE, subject))
        yield from page
        if not page or pending == 0:
            return
        position = page[-1].seq + 1


def _stored_event(message: StoredMessage) -> StoredEvent:
    header = EventHeader.decode(message.headers[H_EVENT])
    return StoredEvent(
        originator_id=header.originator_id,
        originator_version=header.originator_version,
        topic=header.topic,
        state=message.payload,
    )
