"""Call History (guide §16.2): one row per session, point-to-point calls ("Video call")
and conference sessions alike: start, end (empty while running), duration, owner,
mode, CID, how it ended, and the number of distinct participants (SES-03).

A session's detail (§16.2.2) has two more tables, written in the same transaction:
- `call_participants`: one row per connection (a user who joins twice has two rows).
  `date` is when the connection arrived, `joined_at` when it entered the conference:
  the same moment, except for a participant who waited in the waiting room (admitted
  later, or never: then `joined_at` stays empty). `left_at`, `duration` (seconds in
  the conference) and the disconnect cause stay empty while connected. A point-to-
  point call has the caller's connection from the call's creation and the callee's
  from the answer; both leave when the call ends.
- `call_invites`: the calls into a session (SES-06): when, by whom (`server` for the
  calls the server makes at the start; shown as the server's name), to whom, and
  whether the recipient joined the session after that invitation. Self-joins have no
  row.

`recorded` says a session has a server-side recording (one started or finished and
not deleted): an administrator's deletion by filter (RPT-04) skips those sessions and
those still running (SES-10, WE-13); it names the sessions it deletes, and their
participant and invite rows go with them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from domain.conferencing.conference import Conference
from domain.operations.report_deletion import ReportDeletion
from domain.recordings.recording import Recording
from domain.sessions.session import JOINED, SERVER, LiveSession
from domain.signaling.call import Call
from projections.duck import DuckDBProjection, Table
from projections.engine import on
from projections.report_deletions import in_sessions
from projections.report_paging import Step
from projections.report_spec import (
    Condition,
    CsvLayout,
    Filter,
    FilterValues,
    Report,
    carried,
    dates,
    equals,
    flag,
)

SORTABLE = ("date", "end_time", "duration", "owner", "mode", "cid", "session_id", "participants")
PARTICIPANT_SORTABLE = (
    "date",
    "joined_at",
    "left_at",
    "duration",
    "user_id",
    "display_name",
    "kind",
    "endpoint_id",
    "disconnect_cause",
)
INVITE_SORTABLE = ("date", "inviter", "recipient", "accepted")
VIDEO_CALL = "Video call"
DISCONNECT_CAUSES = {
    "hangup": "Hung up",
    "removed": "Removed",
    "connection lost": "Connection lost",
    "conference ended": "Conference ended",
    "licence": "Licence",
    "cancelled": "Cancelled",
    "rejected": "Rejected",
    "missed": "Missed",
}
"""How a connection ended, in the words of the Participant List (§16.2.2)."""

PARTICIPANTS_DDL = """
    CREATE TABLE IF NOT EXISTS call_participants (
        seq BIGINT NOT NULL,
        date TIMESTAMPTZ NOT NULL,
        session_id VARCHAR NOT NULL,
        connection_id VARCHAR PRIMARY KEY,
        user_id VARCHAR NOT NULL,
        display_name VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        endpoint_id VARCHAR,
        joined_at TIMESTAMPTZ,
        left_at TIMESTAMPTZ,
        disconnect_cause VARCHAR
    );
    CREATE OR REPLACE VIEW call_participants_view AS
        SELECT *, date_diff('second', joined_at, left_at) AS duration
        FROM call_participants;
"""
INVITES_DDL = """
    CREATE TABLE IF NOT EXISTS call_invites (
        seq BIGINT NOT NULL,
        date TIMESTAMPTZ NOT NULL,
        session_id VARCHAR NOT NULL,
        inviter VARCHAR NOT NULL,
        recipient VARCHAR NOT NULL
    );
    CREATE OR REPLACE VIEW call_invites_view AS
        SELECT i.*, EXISTS (
            SELECT 1 FROM call_participants p
            WHERE p.session_id = i.session_id
                AND p.user_id = i.recipient
                AND p.joined_at >= i.date
        ) AS accepted
        FROM call_invites i;
"""
PARTICIPANTS = Table(
    "call_participants",
    PARTICIPANTS_DDL,
    (
        "seq",
        "date",
        "session_id",
        "connection_id",
        "user_id",
        "display_name",
        "kind",
        "endpoint_id",
        "joined_at",
    ),
    key_column="connection_id",
)
INVITES = Table("call_invites", INVITES_DDL, ("seq", "date", "session_id", "inviter", "recipient"))


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
    more_tables = (PARTICIPANTS, INVITES)
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
            end_cause VARCHAR,
            recorded BOOLEAN DEFAULT false
        );
        -- Tables made before recordings had no such column.
        ALTER TABLE call_history ADD COLUMN IF NOT EXISTS recorded BOOLEAN DEFAULT false;
    """

    # -- point-to-point calls ---------------------------------------------------------

    @on(Call.Created)
    def call_started(self, seq: int, event: Any) -> None:
        self.remember(str(event.originator_id), event.session_id)
        self.remember(f"start:{event.session_id}", event.timestamp.isoformat())
        self.remember(f"callee:{event.session_id}", event.callee)
        self.remember(f"answered:{event.session_id}", "no")
        party = (event.session_id, "caller", event.caller, event.caller_endpoint)
        self._connection(seq, event.timestamp, *party, joined=True)
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
        self.remember(f"answered:{session}", "yes")
        self.updates.extend([("answered", True, session), ("participants", 2, session)])
        callee = self.recall(f"callee:{session}") or ""
        self._connection(seq, event.at, session, "callee", callee, event.endpoint_id, joined=True)

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
        parties = ("caller", "callee") if self._answered(session) else ("caller",)
        for party in parties:
            self._disconnect(
                f"{session}:{party}", event.at, cause if outcome != "missed" else outcome
            )

    def _answered(self, session: str) -> bool:
        """Answered in this batch, or in an earlier one."""
        known = self.recall(f"answered:{session}")
        if known is not None:
            return known == "yes"
        # A call recorded before calls remembered their answer: read the table.
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

    # -- recordings (SES-10: a recorded session is never deleted from the report) -------

    @on(Recording.Started, Recording.Finished, Recording.Deleted)
    def recording(self, seq: int, event: Any) -> None:
        session = event.session_id
        recordings: list[str] = json.loads(self.recall(f"recordings:{session}") or "[]")
        recording = str(event.originator_id)
        if isinstance(event, Recording.Deleted):
            recordings = [r for r in recordings if r != recording]
        elif recording not in recordings:
            recordings.append(recording)
        self.remember(f"recordings:{session}", json.dumps(recordings))
        self.updates.append(("recorded", bool(recordings), session))

    # -- an administrator's deletion (RPT-04, SES-10) -----------------------------------

    @on(ReportDeletion.SessionsDeleted)
    def sessions_deleted(self, seq: int, event: Any) -> None:
        for table in (self.table, PARTICIPANTS.name, INVITES.name):
            self.deletions_of(table).append(in_sessions(event.session_ids, event.through))

    # -- live sessions: who joined, how they left, who was called in ------------------

    @on(LiveSession.Created)
    def live_session_opened(self, seq: int, event: Any) -> None:
        self.remember(str(event.originator_id), event.session_id)

    @on(LiveSession.Joined)
    def participant_joined(self, seq: int, event: Any) -> None:
        session, p = self._session(event), event.participant
        joined = p["state"] == JOINED
        arrived = datetime.fromisoformat(p["joined_at"]) if p.get("joined_at") else event.timestamp
        self._connection(
            seq,
            arrived,
            session,
            p["participant_id"],
            p["user_id"],
            p["endpoint_id"],
            joined=joined,
            display_name=p["display_name"],
            kind=p["kind"],
        )
        if joined:
            self._count(session, p["user_id"])
        else:
            self.remember(f"waiting:{session}:{p['participant_id']}", p["user_id"])

    @on(LiveSession.Admitted)
    def participant_admitted(self, seq: int, event: Any) -> None:
        session = self._session(event)
        connection = f"{session}:{event.participant_id}"
        self.updates_of(PARTICIPANTS.name).append(("joined_at", event.timestamp, connection))
        user_id = self.recall(f"waiting:{connection}")
        if user_id is not None:
            self._count(session, user_id)

    @on(LiveSession.Left)
    def participant_left(self, seq: int, event: Any) -> None:
        self._disconnect(f"{self._session(event)}:{event.participant_id}", event.at, event.cause)

    @on(LiveSession.Invited)
    def participant_invited(self, seq: int, event: Any) -> None:
        invite = (seq, event.at, self._session(event), event.by, event.recipient)
        self.rows_of(INVITES.name).append(invite)

    def _connection(
        self,
        seq: int,
        at: datetime,
        session: str,
        participant_id: str,
        user_id: str,
        endpoint_id: str | None,
        *,
        joined: bool,
        display_name: str | None = None,
        kind: str = "user",
    ) -> None:
        self.rows_of(PARTICIPANTS.name).append(
            (
                seq,
                at,
                session,
                f"{session}:{participant_id}",
                user_id,
                display_name or user_id,
                kind,
                endpoint_id,
                at if joined else None,
            )
        )

    def _disconnect(self, connection: str, at: datetime, cause: str) -> None:
        human = DISCONNECT_CAUSES.get(cause, cause)
        self.updates_of(PARTICIPANTS.name).extend(
            [("left_at", at, connection), ("disconnect_cause", human, connection)]
        )

    def _count(self, session: str, user_id: str) -> None:
        """Distinct participants: users who joined the session at least once."""
        members: list[str] = json.loads(self.recall(f"members:{session}") or "[]")
        if user_id not in members:
            members.append(user_id)
            self.remember(f"members:{session}", json.dumps(members))
            self.updates.append(("participants", len(members), session))

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


def _party(who: Any) -> Iterator[Condition]:
    """The owner, the callee, or anyone who joined the session."""
    if who:
        yield (
            "(owner = ? OR callee = ? OR session_id IN "
            "(SELECT session_id FROM call_participants WHERE user_id = ?))",
            [who] * 3,
        )


def _blank(value: Any) -> Any:
    return "" if value is None else value


CALLS_REPORT = Report(
    name="calls",
    projection="call_history",
    table="call_history",
    columns=(
        *CallHistoryReport.columns[1:],
        "outcome",
        "end_time",
        "duration",
        "end_cause",
        "recorded",
    ),
    sortable=SORTABLE,
    filters=(
        *dates(),
        equals("owner"),
        equals("cid"),
        Filter("participant", "text", _party, "The owner, the callee or anyone who joined"),
        equals("session_id", by_route=True),
        Filter("visible_to", "text", _party, by_route=True),
        # A user's own rows (as `participant`), whatever else is asked (guide §15.1).
    ),
    csv=CsvLayout(
        "calls.csv",
        (
            "date",
            "session_id",
            "owner",
            "mode",
            "cid",
            "topic",
            "participants",
            "end_time",
            "duration",
            "end_cause",
        ),
        lambda r: (
            r["date"],
            r["session_id"],
            r["owner"],
            r["mode"],
            r["cid"] or "",
            r["topic"] or "",
            r["participants"],
            r["end_time"] or "",
            _blank(r["duration"]),
            r["end_cause"] or "",
        ),
    ),
)
"""Its deletion names the sessions it removes (`deletable_sessions`)."""
query = CALLS_REPORT.rows


def deletable_sessions(database: Any, filters: FilterValues, through: int) -> list[str]:
    """The sessions a deletion by these filters removes (RPT-04): those matching, up
    to `through`, except the ones still running or recorded (SES-10)."""
    condition, params = CALLS_REPORT.deleted(filters, through)
    found = (
        database.cursor()
        .execute(
            f"SELECT session_id FROM call_history WHERE {condition} "
            "AND end_time IS NOT NULL AND NOT coalesce(recorded, false) ORDER BY seq",
            params,
        )
        .fetchall()
    )
    return [row[0] for row in found]


PARTICIPANTS_REPORT = Report(
    name="participants",
    projection="call_history",
    call="participants",
    table="call_participants_view",
    columns=(
        "date",
        "session_id",
        "user_id",
        "display_name",
        "kind",
        "joined_at",
        "left_at",
        "duration",
        "disconnect_cause",
        "endpoint_id",
    ),
    sortable=PARTICIPANT_SORTABLE,
    filters=(
        equals("session_id", by_route=True),
        *dates(),
        equals("user_id", lowercase=True),
        equals("endpoint_id"),
        equals("disconnect_cause"),
        flag("connected", "left_at IS NULL", "left_at IS NOT NULL", description="Still connected"),
    ),
    csv=CsvLayout(
        "participants.csv",
        (
            "date",
            "user_id",
            "display_name",
            "joined_at",
            "left_at",
            "duration",
            "disconnect_cause",
            "endpoint_id",
        ),
        lambda r: (
            r["date"],
            r["user_id"],
            r["display_name"],
            r["joined_at"] or "",
            r["left_at"] or "",
            _blank(r["duration"]),
            r["disconnect_cause"] or "",
            r["endpoint_id"] or "",
        ),
    ),
)
"""A session's Participant List: one row per connection."""
participants = PARTICIPANTS_REPORT.rows


def _server_as_marker(values: dict[str, Any]) -> dict[str, Any]:
    """The inviter of the server's own calls is stored as `SERVER`, shown by its name."""
    if values.get("inviter") is not None and values["inviter"] == _server_name(values):
        return {**values, "inviter": SERVER}
    return values


def _server_name(values: FilterValues) -> str:
    return values.get("server_name") or SERVER


def _server_named(values: FilterValues) -> Step:
    name = _server_name(values)

    def server_named(row: dict[str, Any]) -> None:
        if row["inviter"] == SERVER:
            row["inviter"] = name

    return server_named


INVITES_REPORT = Report(
    name="invites",
    projection="call_history",
    call="invites",
    table="call_invites_view",
    columns=("date", "session_id", "inviter", "recipient", "accepted"),
    sortable=INVITE_SORTABLE,
    filters=(
        equals("session_id", by_route=True),
        carried("server_name"),
        *dates(),
        equals("inviter", description="The server's name for the calls made at the start"),
        equals("recipient"),
        equals("accepted", flag=True, description="The recipient joined after the call"),
    ),
    adjust=_server_as_marker,
    each=_server_named,
    csv=CsvLayout(
        "invites.csv",
        ("date", "inviter", "recipient", "accepted"),
        lambda r: (r["date"], r["inviter"], r["recipient"], "true" if r["accepted"] else "false"),
    ),
)
"""A session's Invite List; the server's own calls show its name as the inviter."""
invites = INVITES_REPORT.rows
