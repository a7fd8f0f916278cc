"""Ad-hoc SQL over the raw stream for auditors (`quorum audit sql`, issue 7 item 6):
a range of QUORUM_EVENTS loaded into an in-memory DuckDB table `events`, one row per
event, then the auditor's query. Hashes are redacted as in `quorum events replay`.

Columns: sequence, time (UTC timestamp), aggregate_type, aggregate_id, version,
event_type (e.g. `User.LoggedIn`), actor (name), actor_kind, ip, app_name, user_agent,
endpoint_id, payload (JSON: the event's own fields)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb
from eventsourcing.persistence import Transcoder

from adapters.jetstream import subjects
from adapters.jetstream.audit import REDACTED, time_of
from adapters.jetstream.client import StoredMessage
from adapters.jetstream.subjects import EventHeader

COLUMNS = {
    "sequence": "BIGINT",
    "time": "TIMESTAMPTZ",
    "aggregate_type": "VARCHAR",
    "aggregate_id": "VARCHAR",
    "version": "BIGINT",
    "event_type": "VARCHAR",
    "actor": "VARCHAR",
    "actor_kind": "VARCHAR",
    "ip": "VARCHAR",
    "app_name": "VARCHAR",
    "user_agent": "VARCHAR",
    "endpoint_id": "VARCHAR",
    "payload": "JSON",
}


class AuditQueryError(Exception):
    """DuckDB refused the auditor's query; the message says why."""


def event_row(message: StoredMessage, transcoder: Transcoder) -> dict[str, Any]:
    header = EventHeader.decode(message.headers[subjects.H_EVENT])
    try:
        payload: Any = transcoder.decode(message.payload)
    except Exception:  # encrypted or foreign payloads are kept as text
        payload = {"raw": message.payload.decode("utf-8", errors="replace")}
    actor = payload.pop("actor", None) if isinstance(payload, dict) else None
    if isinstance(payload, dict):
        for key in REDACTED & payload.keys():
            payload[key] = "[redacted]"
    actor = actor if isinstance(actor, dict) else {}
    qualname = header.topic.rpartition(":")[2]
    return {
        "sequence": message.seq,
        "time": time_of(message).isoformat(),
        "aggregate_type": subjects.aggregate_type(header.topic),
        "aggregate_id": str(header.originator_id),
        "version": header.originator_version,
        "event_type": qualname,
        "actor": actor.get("name"),
        "actor_kind": actor.get("kind"),
        "ip": actor.get("ip"),
        "app_name": actor.get("app_name"),
        "user_agent": actor.get("user_agent"),
        "endpoint_id": actor.get("endpoint_id"),
        "payload": payload,
    }


def load_events(
    connection: duckdb.DuckDBPyConnection,
    messages: Iterable[StoredMessage],
    transcoder: Transcoder,
) -> int:
    """Create the table `events` from `messages` (through a JSON-lines file: one
    bulk read instead of a million inserts); returns the row count."""
    with tempfile.TemporaryDirectory(prefix="quorum-audit-") as tmp:
        path = Path(tmp) / "events.jsonl"
        count = 0
        with path.open("w", encoding="utf-8") as out:
            for message in messages:
                row = event_row(message, transcoder)
                out.write(json.dumps(row, default=str, ensure_ascii=False))
                out.write("\n")
                count += 1
        columns = ", ".join(f"{name} {kind}" for name, kind in COLUMNS.items())
        connection.execute(f"CREATE TABLE events ({columns})")
        if count:
            spec = "{" + ", ".join(f"'{n}': '{k}'" for n, k in COLUMNS.items()) + "}"
            connection.execute(
                f"INSERT INTO events SELECT * FROM read_json(?, format='newline_delimited', "
                f"columns={spec})",
                [str(path)],
            )
    return count


def run_query(
    connection: duckdb.DuckDBPyConnection, query: str
) -> tuple[list[str], list[tuple[Any, ...]]]:
    try:
        result = connection.execute(query)
        names = [d[0] for d in result.description or []]
        return names, result.fetchall()
    except duckdb.Error as e:
        raise AuditQueryError(str(e)) from None
