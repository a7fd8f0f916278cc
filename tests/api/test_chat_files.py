"""Files in chat (guide §13.3.1 rights 7-8, §16.2.2 file list, §9.5): uploads into the
JetStream object store, personal and group file messages, downloads by right, the
session's file list, an admin's delete."""

from __future__ import annotations

import io
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from domain.messaging.files import ChatFile
from domain.messaging.message import UNAVAILABLE, ChatMessage, message_view
from domain.sessions.sessions_service import Requester
from domain.shared.actor import SYSTEM, acting_as
from domain.shared.errors import DomainError, Forbidden, NotFound
from tests.support import RunningApi

PDF = b"%PDF-1.4 quarterly numbers\n" * 100
JANE_EP, BOB_EP, CARL_EP = "A" * 32, "B" * 32, "C" * 32


def _users(api: RunningApi) -> str:
    """jane, bob and carl may do everything; eve may not download files, mallory may
    not send them. Returns the admin's token."""
    admin = api.admin_token()
    with api.client(admin) as c:
        groups = {}
        for name, rights in (
            ("Team", {}),
            ("Readers", {"file_download": False}),
            ("Quiet", {"file_send": False}),
        ):
            reply = c.post("/groups", json={"display_name": name, "rights": rights})
            assert reply.status_code == 201, reply.text
            groups[name] = reply.json()["id"]
        for user, group in (
            ("jane", "Team"),
            ("bob", "Team"),
            ("carl", "Team"),
            ("eve", "Readers"),
            ("mallory", "Quiet"),
        ):
            body = {"id": user, "password": "Secret123", "groups": [groups[group]]}
            assert c.post("/users", json=body).status_code == 201
    return admin


def _upload(c: httpx.Client, content: bytes = PDF, name: str = "Q3 report.pdf") -> httpx.Response:
    return c.post("/files", files={"file": (name, content, "application/pdf")})


def _refused(reply: httpx.Response, status: int, location: str) -> dict[str, Any]:
    assert reply.status_code == status, reply.text
    error: dict[str, Any] = reply.json()["error"]
    assert [e.get("location") for e in error["errors"]] == [location], error
    return error


def _domain_refusal(call: Any, kind: type[DomainError], field: str) -> None:
    with pytest.raises(kind) as refused:
        call()
    assert [p.field for p in refused.value.problems] == [field]


def test_uploads_need_the_send_right_and_a_real_file(api: RunningApi) -> None:
    admin = _users(api)
    api.add_admin("watcher", "security")
    mallory, jane, watcher = api.user_token("mallory"), api.user_token("jane"), api.login("watcher")
    before = api.head()  # sign-ins are events: all of them before
    with api.client(mallory) as c:
        error = _refused(_upload(c), 403, "file_send")
        assert error["errors"][0]["reason"] == "forbidden"
        _refused(c.post("/files", data={}), 403, "file_send")  # refused before the body
    with api.client(jane) as c:
        _refused(c.post("/files", data={"other": "x"}), 400, "file")
        _refused(c.post("/files", json={"file": "x"}), 400, "file")
        _refused(_upload(c, b""), 400, "file")
        api.system.files.max_bytes = 1024
        try:
            error = _refused(_upload(c), 413, "file")
            assert "MB" in error["message"]
        finally:
            api.system.files.max_bytes = 100 * 1024 * 1024
    with api.client(admin) as c:
        assert _upload(c).status_code == 403  # files are sent by users
    with api.client(watcher) as c:
        assert _upload(c).status_code == 403
    with api.client() as c:
        assert _upload(c).status_code == 401
    assert api.head() == before  # nothing recorded, nothing kept

    with api.client(jane) as c:
        uploaded = _upload(c, name="../../etc/Q3 report.pdf")
    assert uploaded.status_code == 201, uploaded.text
    body = uploaded.json()
    assert (body["name"], body["size"]) == ("Q3 report.pdf", len(PDF))
    chat_file = api.system.files.get(body["file_id"])
    assert (chat_file.sender, chat_file.content_type) == ("jane", "application/pdf")
    kept = io.BytesIO()
    assert api.system.file_store.get(body["file_id"], kept)
    assert kept.getvalue() == PDF


def test_a_personal_file_message_and_who_may_download_it(api: RunningApi) -> None:
    admin = _users(api)
    api.add_admin("watcher", "security")
    messaging = api.system.messaging
    with api.client(api.user_token("jane")) as c:
        file_id = _upload(c).json()["file_id"]
    with api.client(api.user_token("bob")) as c:
        bobs = _upload(c, b"bob's").json()["file_id"]

    before = api.head()
    _domain_refusal(lambda: messaging.send("jane", "bob", "", str(uuid4())), NotFound, "file_id")
    _domain_refusal(lambda: messaging.send("jane", "bob", "", "not-an-id"), NotFound, "file_id")
    _domain_refusal(lambda: messaging.send("jane", "bob", "hi", bobs), NotFound, "file_id")
    _domain_refusal(lambda: messaging.send("jane", "bob", "", None), DomainError, "text")
    _domain_refusal(lambda: messaging.send("mallory", "bob", "", file_id), NotFound, "file_id")
    assert api.head() == before

    with acting_as(SYSTEM):
        to_bob = messaging.send("jane", "bob", "", file_id)  # a file needs no text
        to_eve = messaging.send("jane", "eve", "numbers attached", file_id)
    assert to_bob.file == {"file_id": file_id, "name": "Q3 report.pdf", "size": len(PDF)}
    assert message_view(to_bob, api.system.files.may_download("bob"))["file"] == {
        "file_id": file_id,
        "name": "Q3 report.pdf",
        "size": len(PDF),
        "url": f"/api/v4/files/{file_id}",
    }
    assert not api.system.files.may_download("eve")
    eve_sees = message_view(to_eve, api.system.files.may_download("eve"))
    assert eve_sees["file"] == {
        "name": "Q3 report.pdf",
        "size": len(PDF),
        "available": False,
        "notice": UNAVAILABLE,
    }
    assert eve_sees["text"] == "numbers attached" and "session_id" not in eve_sees
    assert [m.id for m in messaging.waiting_for("bob")] == [to_bob.id]

    with api.client(api.user_token("bob")) as c:
        got = c.get(f"/files/{file_id}")
        assert got.status_code == 200 and got.content == PDF
        assert got.headers["content-type"] == "application/pdf"
        assert got.headers["content-disposition"].startswith("attachment;")
        assert "Q3%20report.pdf" in got.headers["content-disposition"]
    with api.client(api.user_token("eve")) as c:
        error = _refused(c.get(f"/files/{file_id}"), 403, "file_download")
        assert error["message"] == UNAVAILABLE
    with api.client(api.user_token("carl")) as c:  # in no chat that carried it
        assert c.get(f"/files/{file_id}").status_code == 404
        assert c.delete(f"/files/{file_id}").status_code == 403
    for token in (admin, api.login("watcher")):
        with api.client(token) as c:
            assert c.get(f"/files/{file_id}").content == PDF

    with api.client(admin) as c:
        rows = c.get("/logs/chat", params={"sender": "jane", "sort_order": 0}).json()["list"]
        assert [(r["recipient"], r["file_name"], r["file_size"]) for r in rows] == [
            ("bob", "Q3 report.pdf", len(PDF)),
            ("eve", "Q3 report.pdf", len(PDF)),
        ]
        exported = c.get("/logs/chat/export", params={"recipient": "bob"}).text
        assert "Q3 report.pdf" in exported and "file_name" in exported

    watcher = api.login("watcher")
    before = api.head()
    with api.client(watcher) as c:
        assert c.delete(f"/files/{file_id}").status_code == 403
    with api.client(admin) as c:
        assert c.delete(f"/files/{uuid4()}").status_code == 404
        assert c.delete("/files/not-an-id").status_code == 404
        assert api.head() == before
        assert c.delete(f"/files/{file_id}").status_code == 204
        assert c.get(f"/files/{file_id}").status_code == 410
        assert c.delete(f"/files/{file_id}").status_code == 204  # again: nothing new
    events = list(api.system.store.events.get(UUID(file_id)))
    deleted = [e for e in events if isinstance(e, ChatFile.Deleted)]
    assert len(deleted) == 1 and deleted[0].who.name == "root"
    assert not api.system.file_store.get(file_id, io.BytesIO())  # the bytes are gone
    with api.client(api.user_token("bob")) as c:
        assert c.get(f"/files/{file_id}").status_code == 410
    before = api.head()
    _domain_refusal(lambda: messaging.send("jane", "bob", "", file_id), NotFound, "file_id")
    assert api.head() == before


def test_a_group_file_message_is_in_the_sessions_file_list(api: RunningApi) -> None:
    admin = _users(api)
    with api.client(admin) as c:
        body = {"id": "weekly", "topic": "Weekly", "owner": "jane", "allow_uninvited": True}
        reply = c.post("/conferences", json=body)
        assert reply.status_code == 201, reply.text
    session_id = api.system.conferences.run("weekly")
    sessions = api.system.sessions
    sessions.join("weekly", user_id="jane", kind="user", endpoint_id=JANE_EP)
    sessions.join("weekly", user_id="bob", kind="user", endpoint_id=BOB_EP)
    with api.client(api.user_token("jane")) as c:
        file_id = _upload(c, name="Slides.pptx").json()["file_id"]

    session, recipients = sessions.chat_audience("weekly", Requester("jane", JANE_EP))
    assert recipients == ["bob"]
    before = api.head()
    _domain_refusal(
        lambda: api.system.messaging.send_to_session(
            "jane", session.session_id, session.cid, recipients, "", str(uuid4())
        ),
        NotFound,
        "file_id",
    )
    _domain_refusal(
        lambda: api.system.messaging.send_to_session(
            "jane", session.session_id, session.cid, recipients, "  "
        ),
        DomainError,
        "text",
    )
    assert api.head() == before
    with acting_as(SYSTEM):
        message = api.system.messaging.send_to_session(
            "jane", session.session_id, session.cid, recipients, "the slides", file_id
        )
        api.system.messaging.send_to_session(
            "jane", session.session_id, session.cid, recipients, "text only"
        )
    assert (message.recipient, message.session_id, message.cid) == (
        "\\c\\weekly",
        session_id,
        "weekly",
    )
    view = message_view(message, may_download=True)
    assert (view["session_id"], view["cid"], view["file"]["file_id"]) == (
        session_id,
        "weekly",
        file_id,
    )
    assert api.system.messaging.waiting_for("bob") == []  # group chat: pushed, not queued

    with api.client(api.user_token("carl")) as c:
        assert c.get(f"/files/{file_id}").status_code == 404  # not in the session (yet)
        sessions.join("weekly", user_id="carl", kind="user", endpoint_id=CARL_EP)
        assert c.get(f"/files/{file_id}").content == PDF  # a later participant sees it
    with api.client(api.user_token("bob")) as c:
        assert c.get(f"/files/{file_id}").content == PDF

    with api.client(admin) as c:
        listed = c.get(f"/logs/calls/{session_id}/files").json()
        assert listed["cnt"] == 1
        row = listed["list"][0]
        assert (row["sender"], row["name"], row["size"], row["file_id"]) == (
            "jane",
            "Slides.pptx",
            len(PDF),
            file_id,
        )
        assert row["size_mb"] == round(len(PDF) / 1024 / 1024, 2)
        assert row["deleted_at"] is None
        exported = c.get(f"/logs/calls/{session_id}/files/export")
        assert exported.status_code == 200
        lines = exported.text.strip().splitlines()
        assert lines[0].split(",")[:4] == ["date", "sender", "name", "size_mb"]
        assert "Slides.pptx" in lines[1]
        assert c.get(f"/logs/calls/{session_id}/files", params={"sort_field": "x"}).status_code == (
            400
        )
        assert c.get("/logs/calls/0000000000000000/files").status_code == 404
        chat = c.get("/logs/chat", params={"session_id": session_id, "sort_order": 0}).json()
        assert [(r["recipient"], r["file_name"]) for r in chat["list"]] == [
            ("\\c\\weekly", "Slides.pptx"),
            ("\\c\\weekly", None),
        ]

        assert c.delete(f"/files/{file_id}").status_code == 204
        row = c.get(f"/logs/calls/{session_id}/files").json()["list"][0]
        assert row["deleted_at"] is not None
    with api.client(api.user_token("bob")) as c:
        assert c.get(f"/files/{file_id}").status_code == 410


def test_messages_recorded_before_files_still_load() -> None:
    """Old `ChatMessage.Created` events have no `file`: they load with None."""
    message = ChatMessage(sender="jane", recipient="bob", text="hi", session_id=None)
    created = message.collect_events()[0]
    state = {k: v for k, v in created.__dict__.items() if k != "file"}
    old = object.__new__(ChatMessage.Created)
    object.__setattr__(old, "__dict__", state)
    loaded = old.mutate(None)
    assert isinstance(loaded, ChatMessage) and loaded.file is None
    assert message_view(loaded, may_download=False).keys() == {
        "message_id",
        "from",
        "text",
        "sent_at",
    }


def test_a_right_change_is_read_at_each_send(api: RunningApi) -> None:
    """Right 7 is checked when the file is sent too, not only when it is uploaded."""
    admin = _users(api)
    with api.client(api.user_token("jane")) as c:
        file_id = _upload(c).json()["file_id"]
    with api.client(admin) as c:
        team = api.system.users.get("jane").group_ids[0]
        assert c.patch(f"/groups/{team}", json={"rights": {"file_send": False}}).status_code == 200
    before = api.head()
    _domain_refusal(
        lambda: api.system.messaging.send("jane", "bob", "", file_id), Forbidden, "file_send"
    )
    assert api.head() == before
