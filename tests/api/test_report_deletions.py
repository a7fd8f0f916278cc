"""Deleting report rows by filter (guide §16, §16.1.1, §16.2.1; RPT-04, SES-10, CHAT-06,
WE-13): the rows matching the criteria go (not the page on screen), each deletion is an
event and an Events row with its exact count, Call History skips running and recorded
sessions and takes their chat along, security admins may not, bad filters change
nothing, and a rebuilt report deletes the same rows."""

from __future__ import annotations

import io
from typing import Any

import httpx

from domain.operations.report_deletion import (
    CALL_HISTORY,
    MAX_SESSIONS,
    SESSIONS_PER_EVENT,
    ReportDeletion,
)
from domain.sessions.sessions_service import Requester
from domain.shared.actor import SYSTEM, acting_as
from domain.shared.errors import InvalidInput
from tests.support import RunningApi

JANE_EP, BOB_EP = "A" * 32, "B" * 32
REPORTS = {
    "events": "/logs/events",
    "call_history": "/logs/calls",
    "chat": "/logs/chat",
    "config_changes": "/logs/config-changes",
}


def _people(api: RunningApi) -> str:
    token = api.admin_token()
    with api.client(token) as c:
        for user in ("jane", "bob", "ann"):
            body = {"id": user, "password": "Secret123"}
            assert c.post("/users", json=body).status_code == 201
    api.system.fresh("directory")
    return token


def _rows(api: RunningApi, token: str, path: str, **params: Any) -> list[dict[str, Any]]:
    for name, report in REPORTS.items():
        if report == path:
            assert api.system.fresh(name)
    with api.client(token) as c:
        reply = c.get(path, params={"page_size": 1000, **params})
    assert reply.status_code == 200, reply.text
    rows: list[dict[str, Any]] = reply.json()["list"]
    return rows


def _deletion_rows(api: RunningApi, token: str, event: str) -> list[dict[str, Any]]:
    return _rows(api, token, "/logs/events", event=event)


def _deleted(reply: httpx.Response) -> dict[str, Any]:
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def _session(
    api: RunningApi, token: str, cid: str, messages: int, *, recorded: bool, ended: bool
) -> tuple[str, str | None]:
    """A conference session of Jane and Bob with `messages` group-chat messages (the
    first with a file), a finished recording if `recorded`, stopped if `ended`; its ID
    and its recording's."""
    with api.client(token) as c:
        body = {"id": cid, "topic": cid.title(), "owner": "jane", "allow_uninvited": True}
        assert c.post("/conferences", json=body).status_code == 201
    session_id = api.system.conferences.run(cid)
    recording_id = None
    sessions = api.system.sessions
    sessions.join(cid, user_id="jane", kind="user", endpoint_id=JANE_EP)
    sessions.join(cid, user_id="bob", kind="user", endpoint_id=BOB_EP)
    with api.client(api.user_token("jane")) as c:
        upload = c.post("/files", files={"file": ("notes.pdf", b"%PDF-1.4 x", "application/pdf")})
        assert upload.status_code == 201, upload.text
    _, recipients = sessions.chat_audience(cid, Requester("jane", JANE_EP))
    with acting_as(SYSTEM):
        for i in range(messages):
            file_id = upload.json()["file_id"] if i == 0 else None
            api.system.messaging.send_to_session(
                "jane", session_id, cid, recipients, f"{cid} note {i}", file_id
            )
        if recorded:
            recordings = api.system.recordings
            recording = recordings.record_started(session_id, cid, cid.title(), "jane")
            recording_id = recording.recording_id
            recordings.record_finished(recording_id, 60, "webm", io.BytesIO(b"video"))
    if ended:
        api.system.conferences.stop(cid)
    return session_id, recording_id


def test_call_history_deletion_skips_running_and_recorded_sessions(api: RunningApi) -> None:
    """WE-13: S1 ended without recording and has 3 messages, S2 runs, S3 was recorded;
    deleting everything removes S1 only, with its chat, participants, invites and files."""
    admin = _people(api)
    s1, _ = _session(api, admin, "first", 3, recorded=False, ended=True)
    s2, _ = _session(api, admin, "second", 1, recorded=False, ended=False)
    s3, recorded = _session(api, admin, "third", 2, recorded=True, ended=True)
    with acting_as(SYSTEM):
        api.system.messaging.send("jane", "bob", "a personal message stays")
    calls = {r["session_id"]: r for r in _rows(api, admin, "/logs/calls")}
    assert set(calls) == {s1, s2, s3}
    assert [calls[s]["recorded"] for s in (s1, s2, s3)] == [False, False, True]
    assert len(_rows(api, admin, "/logs/chat")) == 7
    assert api.system.fresh("chat_files")

    with api.client(admin) as c:
        # the page on screen does not matter, only the criteria (RPT-04)
        params: dict[str, Any] = {"owner": "jane", "page": 3, "page_size": 1, "sort_field": "cid"}
        body = _deleted(c.delete("/logs/calls", params=params))
    assert body == {"deleted": 1, "chat_messages_deleted": 3}

    assert {r["session_id"] for r in _rows(api, admin, "/logs/calls")} == {s2, s3}
    chat = _rows(api, admin, "/logs/chat")
    assert sorted(r["session_id"] or "-" for r in chat) == sorted([s2, s3, s3, "-"])
    with api.client(admin) as c:
        assert c.get(f"/logs/calls/{s1}").status_code == 404
        assert c.get(f"/logs/calls/{s1}/participants").status_code == 404
        kept = c.get(f"/logs/calls/{s3}/participants").json()
        assert kept["cnt"] == 2
    database = api.system.reports
    assert database is not None
    for table in ("call_participants", "call_invites", "chat_files"):
        left = database.cursor().execute(f"SELECT count(*) FROM {table} WHERE session_id = ?", [s1])
        assert left.fetchone() == (0,), table
    files = database.cursor().execute("SELECT count(*) FROM chat_files").fetchone()
    assert files == (2,)  # the files of S2 and S3

    conferences = _deletion_rows(api, admin, "delete_conferences")
    cascade = _deletion_rows(api, admin, "delete_chat_messages_cascade")
    assert [r["details"]["count"] for r in conferences] == [1]
    assert [r["details"]["count"] for r in cascade] == [3]
    assert conferences[0]["details"]["owner"] == "jane"
    assert "page" not in conferences[0]["details"]
    assert {(r["source"], r["severity"]) for r in conferences + cascade} == {("admin", "High")}

    # nothing left to delete: a deletion of nothing is still recorded, with 0
    with api.client(admin) as c:
        again = _deleted(c.delete("/logs/calls", params={"all": "true"}))
    assert again == {"deleted": 0, "chat_messages_deleted": 0}
    # once its recording is deleted, S3 may go
    with acting_as(SYSTEM):
        api.system.recordings.delete(recorded)
    assert api.system.fresh("call_history")
    with api.client(admin) as c:
        assert c.get(f"/logs/calls/{s3}").json()["recorded"] is False
        last = _deleted(c.delete("/logs/calls", params={"cid": "third"}))
    assert last == {"deleted": 1, "chat_messages_deleted": 2}
    counts = [r["details"]["count"] for r in _deletion_rows(api, admin, "delete_conferences")]
    assert sorted(counts) == [0, 1, 1]

    # the deletion is on the stream: rebuilt reports delete the same rows
    for name in ("call_history", "chat", "chat_files"):
        api.system.runners[name].rebuild()
    assert {r["session_id"] for r in _rows(api, admin, "/logs/calls")} == {s2}
    assert len(_rows(api, admin, "/logs/chat")) == 2
    assert api.system.fresh("chat_files")
    assert database.cursor().execute("SELECT count(*) FROM chat_files").fetchone() == (1,)


def test_events_deletion_by_filter_keeps_its_own_row(api: RunningApi) -> None:
    admin = _people(api)
    for user in ("jane", "bob"):
        api.user_token(user)
    with api.client() as c:
        bad = {"grant_type": "password", "client_id": "quorum-client", "password": "wrong"}
        c.post("/oauth2/token", data={**bad, "username": "ann"})
    logins = _rows(api, admin, "/logs/events", event="login", source="user")
    assert len(logins) == 3
    everything = len(_rows(api, admin, "/logs/events"))

    with api.client(admin) as c:
        params: dict[str, Any] = {
            "event": ["login", "logout"],
            "source": "user",
            "page": 2,
            "page_size": 1,
        }
        body = _deleted(c.delete("/logs/events", params=params))
    assert body == {"deleted": 3}
    assert _rows(api, admin, "/logs/events", event="login", source="user") == []
    rows = _rows(api, admin, "/logs/events")
    assert len(rows) == everything - 3 + 1
    own = _deletion_rows(api, admin, "delete_events")
    assert len(own) == 1
    assert own[0]["details"]["count"] == 3
    assert own[0]["details"]["event"] == ["login", "logout"]
    assert (own[0]["source"], own[0]["severity"], own[0]["object_name"]) == (
        "admin",
        "High",
        "events",
    )

    # deleting every delete_events row: the new deletion's own row stays
    with api.client(admin) as c:
        body = _deleted(c.delete("/logs/events", params={"event": "delete_events"}))
    assert body == {"deleted": 1}
    assert [r["details"]["count"] for r in _deletion_rows(api, admin, "delete_events")] == [1]

    api.system.runners["events"].rebuild()
    assert len(_rows(api, admin, "/logs/events")) == len(rows)
    assert _rows(api, admin, "/logs/events", event="login", source="user") == []


def test_chat_and_configuration_changes_deletions(api: RunningApi) -> None:
    admin = _people(api)
    with acting_as(SYSTEM):
        api.system.messaging.send("jane", "bob", "one")
        api.system.messaging.send("jane", "ann", "two")
        api.system.messaging.send("bob", "jane", "three")
    with api.client(admin) as c:
        assert c.post("/groups", json={"display_name": "Team"}).status_code == 201
        body = _deleted(c.delete("/logs/chat", params={"sender": "jane"}))
        assert body == {"deleted": 2}
        assert [r["message"] for r in _rows(api, admin, "/logs/chat")] == ["three"]

        users = _rows(api, admin, "/logs/config-changes", object_type="user")
        assert len(users) == 3
        total = len(_rows(api, admin, "/logs/config-changes"))
        body = _deleted(c.delete("/logs/config-changes", params={"object_type": "user"}))
        assert body == {"deleted": 3}
    assert _rows(api, admin, "/logs/config-changes", object_type="user") == []
    assert len(_rows(api, admin, "/logs/config-changes")) == total - 3
    chat_rows = _deletion_rows(api, admin, "delete_chat_messages")
    log_rows = _deletion_rows(api, admin, "delete_logs")
    assert [(r["details"]["count"], r["details"]["sender"]) for r in chat_rows] == [(2, "jane")]
    assert [(r["details"]["count"], r["details"]["object_type"]) for r in log_rows] == [(3, "user")]

    # without criteria, deleting everything must be asked for
    with api.client(admin) as c:
        body = _deleted(c.delete("/logs/chat", params={"all": "true"}))
    assert body == {"deleted": 1}
    assert _rows(api, admin, "/logs/chat") == []
    everything = _deletion_rows(api, admin, "delete_chat_messages")
    assert sorted(r["details"]["count"] for r in everything) == [1, 2]

    for name in ("chat", "config_changes"):
        api.system.runners[name].rebuild()
    assert _rows(api, admin, "/logs/chat") == []
    assert len(_rows(api, admin, "/logs/config-changes")) == total - 3


def _refused(reply: httpx.Response, status: int, location: str | None = None) -> None:
    assert reply.status_code == status, reply.text
    if location is not None:
        errors = reply.json()["error"]["errors"]
        assert [e.get("location") for e in errors] == [location], errors


def test_refusals_append_nothing(api: RunningApi) -> None:
    admin = _people(api)
    api.add_admin("auditor", "security")
    auditor = api.login("auditor")
    before = api.head()
    with api.client(auditor) as c:
        for path in (*REPORTS.values(), "/logs/endpoints"):
            _refused(c.delete(path, params={"all": "true"}), 403)
            assert c.get(path).status_code == 200  # reading stays allowed
    with api.client(admin) as c:
        for path in REPORTS.values():
            _refused(c.delete(path), 400, "all")  # no criterion at all
            _refused(c.delete(path, params={"date_from": "soon"}), 400, "date_from")
            _refused(c.delete(path, params={"date_to": "31/12/2026"}), 400, "date_to")
        _refused(c.delete("/logs/events", params={"source": "robot"}), 400, "source")
        _refused(c.delete("/logs/events", params={"severity": "Huge"}), 400, "severity")
        _refused(c.delete("/logs/calls", params={"all": "maybe"}), 400, "all")
    assert api.head() == before


def test_a_deletion_of_many_sessions_is_stored_in_chunks(api: RunningApi) -> None:
    """Session IDs go in facts of at most SESSIONS_PER_EVENT, saved in one atomic batch
    that the reports apply; more than MAX_SESSIONS is refused before anything is stored."""
    many = [f"{n:016x}" for n in range(2 * SESSIONS_PER_EVENT + 1)]
    with acting_as(SYSTEM):
        deletion = ReportDeletion(report=CALL_HISTORY, criteria={"all": True}, count=len(many))
        deletion.delete_sessions(many)
        pending = deletion.collect_events()
        chunks = [e.session_ids for e in pending if isinstance(e, ReportDeletion.SessionsDeleted)]
        assert [len(c) for c in chunks] == [SESSIONS_PER_EVENT, SESSIONS_PER_EVENT, 1]
        assert [i for c in chunks for i in c] == many

        before = api.head()
        deletion = ReportDeletion(report=CALL_HISTORY, criteria={"all": True}, count=len(many))
        deletion.delete_sessions(many)
        api.system.store.save(deletion)
    assert api.head() == before + 4
    for name in ("call_history", "chat", "chat_files", "events"):
        assert api.system.fresh(name), name

    too_many = ReportDeletion(report=CALL_HISTORY, criteria={}, count=0)
    try:
        too_many.delete_sessions(["x"] * (MAX_SESSIONS + 1))
    except InvalidInput as e:
        assert e.problems[0].field == "criteria"
    else:
        raise AssertionError("more than MAX_SESSIONS sessions were accepted")
