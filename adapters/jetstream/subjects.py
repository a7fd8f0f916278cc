"""How events and snapshots are named on JetStream.

Subject per aggregate: ``quorum.ev.<AggregateType>.<originator_id>``. Readers only
know the originator ID, so they match ``quorum.ev.*.<originator_id>``; the
concurrency check uses the same wildcard, so an aggregate is one sequence whatever
type token its events carry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from uuid import UUID

EVENTS_STREAM = "QUORUM_EVENTS"
EVENTS_PREFIX = "quorum.ev"
SNAPSHOTS_STREAM = "QUORUM_SNAPSHOTS"
SNAPSHOTS_PREFIX = "quorum.snap"

# One header carries the StoredEvent fields beside the payload (the state):
# "<version> <uuid|str> <topic> <originator_id>". One header, not four, because
# nats-py spends most of a read parsing headers (docs/perf.md).
H_EVENT = "Quorum-Event"
# On a snapshot: the events-stream sequence of the event it was taken at.
H_EVENT_SEQ = "Quorum-Event-Seq"
# On every event: the hex hash that chains it to the previous message of the events
# stream (defined in `adapters.jetstream.chain`).
H_CHAIN = "Quorum-Chain"

_UNSAFE = re.compile(r"[^A-Za-z0-9_\-]")


def _escape(token: str) -> str:
    """Make any string a single safe subject token (no dots, spaces or wildcards)."""
    return _UNSAFE.sub(lambda m: f"~{ord(m.group()):x}~", token) or "~"


def aggregate_type(topic: str) -> str:
    """'domain.settings.model:ServerSettings.Edited' -> 'ServerSettings'."""
    qualname = topic.rpartition(":")[2]
    return _escape(qualname.split(".", 1)[0])


def id_token(originator_id: UUID | str) -> str:
    return _escape(str(originator_id))


def event_subject(prefix: str, topic: str, originator_id: UUID | str) -> str:
    return f"{prefix}.{aggregate_type(topic)}.{id_token(originator_id)}"


def originator_filter(prefix: str, originator_id: UUID | str) -> str:
    return f"{prefix}.*.{id_token(originator_id)}"


@dataclass(frozen=True)
class EventHeader:
    originator_id: UUID | str
    originator_version: int
    topic: str

    def encode(self) -> str:
        kind = "uuid" if isinstance(self.originator_id, UUID) else "str"
        return f"{self.originator_version} {kind} {self.topic} {self.originator_id}"

    @staticmethod
    def decode(value: str) -> EventHeader:
        version, kind, topic, originator_id = value.split(" ", 3)
        return EventHeader(
            originator_id=UUID(originator_id) if kind == "uuid" else originator_id,
            originator_version=int(version),
            topic=topic,
        )
