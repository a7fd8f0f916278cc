"""The raw stream as auditors see it: every message with its sequence, time and subject."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventsourcing.persistence import Transcoder

from adapters.jetstream import subjects
from adapters.jetstream.client import JetStreamClient, StoredMessage
from adapters.jetstream.loop import run_sync
from adapters.jetstream.subjects import EventHeader

PAGE = 1000
REDACTED = {"password_hash", "digest"}
"""Hashes stay in the stream but are not printed for auditors."""


@dataclass(frozen=True)
class StreamRange:
    from_seq: int = 1
    from_time: datetime | None = None
    to_seq: int | None = None
    to_time: datetime | None = None


def read_stream(
    client: JetStreamClient, stream: str, selection: StreamRange
) -> Iterator[StoredMessage]:
    """Messages in `selection`, in order, until the end of what is stored now."""
    start_time = selection.from_time.isoformat() if selection.from_time else None
    position = selection.from_seq
    while True:
        page, pending = run_sync(
            client.direct_get_batch(stream, position, PAGE, start_time=start_time)
        )
        start_time = None
        for message in page:
            if selection.to_seq is not None and message.seq > selection.to_seq:
                return
            if selection.to_time is not None and time_of(message) > selection.to_time:
                return
            yield message
        if not page or pending == 0:
            return
        position = page[-1].seq + 1


def time_of(message: StoredMessage) -> datetime:
    stamp = message.time.rstrip("Z")
    whole, _, fraction = stamp.partition(".")
    return datetime.fromisoformat(f"{whole}.{(fraction + '000000')[:6]}+00:00")


def as_json_line(message: StoredMessage, transcoder: Transcoder) -> str:
    """One line per event: sequence, time, subject, event type, actor, payload."""
    try:
        payload: Any = transcoder.decode(message.payload)
    except Exception:  # encrypted or foreign payloads are shown raw
        payload = message.payload.decode("utf-8", errors="replace")
    header = EventHeader.decode(message.headers[subjects.H_EVENT])
    actor = payload.pop("actor", None) if isinstance(payload, dict) else None
    if isinstance(payload, dict):
        for key in REDACTED & payload.keys():
            payload[key] = "[redacted]"
    return json.dumps(
        {
            "sequence": message.seq,
            "time": message.time,
            "subject": message.subject,
            "event_type": header.topic,
            "originator_id": str(header.originator_id),
            "originator_version": header.originator_version,
            "actor": actor,
            "payload": payload,
        },
        default=str,
        ensure_ascii=False,
    )
