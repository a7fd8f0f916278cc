"""Call History (guide §16.2): one row per session, point-to-point calls ("Video call")
and conference sessions alike: start, end (empty while running), duration, owner,
mode, CID, how it ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.conferencing.conference import Conference
from domain.signaling.call import Call
from projections.duck import DuckDBProjection
from projections.engine import on
from projections.report_query import ReportQuery, run_report

SORTABLE = ("date", "end_time", "duration", "owner", "mode", "cid", "session_id")
VIDEO_CALL = "Video call"


@dataclass(frozen=True)
class CallFilters:
    date_from: datetime | None = None
    date_to: datetime | None = None
    owner: str | None = None
    cid: str | None = None
    participant: str | None = None
    session_id: str | None = None


class CallHistoryReport(DuckDBProjection):
    name = "call_history"
    table = "call_history"
    key_column = "session_id"
    columns = (
        "seq",
        "date",
        "session_id",
        "kind",
        "owner",
        "callee",
        "mode",
        "cid",
        "topic",
        "participants",
    )
    table_ddl = """
        CREATE TABLE IF NOT EXISTS call_history (
            seq BIGINT NOT NULL,
            date TIMESTAMPTZ NOT NULL,
            session_id VARCHAR PRIMARY KEY,
            kind VARCHAR NOT NULL,
            owner VARCHAR NOT NULL,
            callee VARCHAR,
            mode VARCHAR NOT NULL,
            cid VARCHAR,
            topic VARCHAR,
            participants INTEGER NOT NULL,
            answered BOOLEAN DEFAULT false,
            outcome VARCHAR,
            end_time TIMESTAMPTZ,
            duration INTEGER,
            end_cause VARCHAR
        )
    """

    # -- point-to-point calls ---------------------------------------------------------

    @on(Call.Created)
    def call_started(self, seq: int, event: Any) -> None:
        self.remember(str(event.originator_id), event.session_id)
        self.remember(f"start:{event.session_id}", event.timestamp.isoformat())
        self.rows.append(
            (
                seq,
                event.timestamp,
                event.session_id,
                "call",
                event.caller,
                event.callee,
                VIDEO_CALL,
                None,
                None,
                1,
            )
        )

    @on(Call.Accepted)
    def call_answered(self, seq: int, event: Any) -> None:
        session = self._session(event)
        self.updates.extend([("answered", True, session), ("participants", 2, session)])

    @on(Call.Rejected, Call.Missed, Call.Ended)
    def call_ended(self, seq: int, event: Any) -> None:
        session = self._session(event)
        if isinstance(event, Call.Ended):
            outcome, cause = ("completed" if self._answered(session) else "cancelled"), event.cause
        elif isinstance(event, Call.Missed):
            outcome, cause = "missed", event.reason
        else:
            outcome, cause = "rejected", "rejected"
        self._end(session, event.at, cause, outcome)

    def _answered(self, session: str) -> bool:
        """Answered in this batch, or in an earlier one."""
        if any(column == "answered" and key == session for column, _, key in self.updates):
            return True
        found = (
            self.database.cursor()
            .execute("SELECT answered FROM call_history WHERE session_id = ?", [session])
            .fetchone()
        )
        return bool(found and found[0])

    # -- conference sessions ------------------------------------------------------------

    @on(Conference.Created)
    def conference_created(self, seq: int, event: Any) -> None:
        self._conference(event, event.cid, event.parameters)

    @on(Conference.Edited)
    def conference_edited(self, seq: int, event: Any) -> None:
        for change in event.changes:
            if change["parameter"] in ("topic", "mode", "owner"):
                self.remember(f"{change['parameter']}:{event.originator_id}", str(change["new"]))

    @on(Conference.CidChanged)
    def conference_renamed(self, seq: int, event: Any) -> None:
        self.remember(f"cid:{event.originator_id}", event.new)

    @on(Conference.SessionStarted)
    def session_started(self, seq: int, event: Any) -> None:
        key = event.originator_id
        self.remember(f"start:{event.session_id}", event.at.isoformat())
        self.rows.append(
            (
                seq,
                event.at,
                event.session_id,
                "conference",
                self.recall(f"owner:{key}") or "",
                None,
                self.recall(f"mode:{key}") or "",
                self.recall(f"cid:{key}"),
                self.recall(f"topic:{key}"),
                0,
            )
        )

    @on(Conference.SessionEnded)
    def session_ended(self, seq: int, event: Any) -> None:
        self._end(event.session_id, event.at, event.cause, "completed")

    def _conference(self, event: Any, cid: str, parameters: dict[str, Any]) -> None:
        key = event.originator_id
        self.remember(f"cid:{key}", cid)
        for name in ("topic", "mode", "owner"):
            self.remember(f"{name}:{key}", str(parameters.get(name, "")))

    def _session(self, event: Any) -> str:
        return self.recall(str(event.originator_id)) or ""

    def _end(self, session: str, at: datetime, cause: str, outcome: str) -> None:
        started = self.recall(f"start:{session}")
        duration = int((at - datetime.fromisoformat(started)).total_seconds()) if started else 0
        self.updates.extend(
            [
                ("end_time", at, session),
                ("duration", duration, session),
                ("end_cause", cause, session),
                ("outcome", outcome, session),
            ]
        )


def query(database: Any, filters: CallFilters, **paging: Any) -> tuple[int, list[dict[str, Any]]]:
    def where(q: ReportQuery) -> None:
        q.date_range("date", filters.date_from, filters.date_to)
        q.equals("owner", filters.owner)
        q.equals("cid", filters.cid)
        q.equals("session_id", filters.session_id)
        if filters.participant:
            q.conditions.append("(owner = ? OR callee = ?)")
            q.params.extend([filters.participant, filters.participant])

    return run_report(
        database,
        "call_history",
        (
            "date",
            "session_id",
            "kind",
            "owner",
            "callee",
            "mode",
            "cid",
            "topic",
            "participants",
            "outcome",
            "end_time",
            "duration",
            "end_cause",
        ),
        SORTABLE,
        where,
        json_columns=(),
        **paging,
    )
