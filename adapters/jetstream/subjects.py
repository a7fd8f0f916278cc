"""How events and snapshots are named on JetStream.

Subject per aggregate: ``quorum.ev.<AggregateType>.<originator_id>``. Readers only
know the originator ID, so they match ``quorum.ev.*.<originator_id>``; the
concurrency check uses the same wildcard, so an aggregate is one sequence whatever
type token its events carry.
"""

from __future__ import annotations

import re
from uuid import UUID

EVENTS_STREAM = "QUORUM_EVENTS"
EVENTS_PREFIX = "quorum.ev"
SNAPSHOTS_STREAM = "QUORUM_SNAPSHOTS"
SNAPSHOTS_PREFIX = "quorum.snap"

# Message headers that carry the StoredEvent fields next to the payload (the state).
H_ORIGINATOR_ID = "Quorum-Originator-Id"
H_ID_KIND = "Quorum-Id-Kind"
H_VERSION = "Quorum-Originator-Version"
H_TOPIC = "Quorum-Topic"

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


def id_kind(originator_id: UUID | str) -> str:
    return "uuid" if isinstance(originator_id, UUID) else "str"


def parse_id(value: str, kind: str) -> UUID | str:
    return UUID(value) if kind == "uuid" else value
