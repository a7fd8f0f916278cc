"""A conference's sessions, group-chat messages and recordings (API.md
`conferences/{id}/sessions`, `…/messages`, `…/recordings`; permissions
`conferences.sessions:read`, `conferences.messages:read`, `conferences.records`):
read from the reports, paged and sorted like them, for administrators and for the
users who own the conference or are invited to it."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from domain.recordings import Recording
from domain.sessions.sessions_service import Requester
from domain.shared.actor import SYSTEM, acting_as
from tests.api.test_oauth_applications import create_app
from tests.api.test_user_scope import app_tokens, changes_since, people
from tests.support import RunningApi


def _list(c: httpx.Client, path: str, **params: Any) -> dict[str, Any]:
    reply = c.get(path, params=params)
    assert reply.status_code == 200, reply.text
    found: dict[str, Any] = reply.json()
    return found


def _location(reply: httpx.Response) -> str:
    location: str = reply.json()["error"]["errors"][0]["location"]
    return location


def _record(api: RunningApi, session_id: str, cid: str, owner: str, minutes: int) -> Recording:
    """What a media node does: the start, then the file and the finish."""
    start = datetime.now(UTC) + timedelta(minutes=minutes)
    with acting_as(SYSTEM):
        started = api.system.recordings.record_started(session_id, cid, cid.title(), owner, start)
        return api.system.recordings.record_finished(
            started.recording_id, 60, "webm", io.BytesIO(b"v" * 1000)
        )


def _chat(api: RunningApi, cid: str, sender: str, text: str) -> None:
    session, recipients = api.system.sessions.chat_audience(cid, Requester(sender, f"e-{sender}"))
    with acting_as(SYSTEM):
        api.system.messaging.send_to_session(
            sender, session.session_id, session.cid, recipients, text
        )


def test_sessions_of_a_conference_for_admins_and_its_users(api: RunningApi) -> None:
    admin = people(api)
    ann, server = app_tokens(api, admin)
    conferences = api.system.conferences
    first = conferences.run("bob-asks-ann")  # ann invited, never joins
    conferences.stop("bob-asks-ann")
    second = conferences.run("bob-asks-ann")
    other = conferences.run("bob-only")
    api.system.fresh("call_history")
    with api.client(admin) as c:
        found = _list(c, "/conferences/bob-asks-ann/sessions", sort_order=0)
        assert found["cnt"] == 2
        assert [r["session_id"] for r in found["list"]] == [first, second]
        assert found["list"][1]["end_time"] is None  # still running
        paged = _list(c, "/conferences/bob-asks-ann/sessions", page=2, page_size=1)
        assert (paged["cnt"], [r["session_id"] for r in paged["list"]]) == (2, [first])
        assert _list(c, "/conferences/bob-only/sessions")["list"][0]["session_id"] == other
        bad = c.get("/conferences/bob-only/sessions", params={"sort_field": "topic"})
        assert bad.status_code == 400 and _location(bad) == "sort_field"
        bad = c.get("/conferences/bob-only/sessions", params={"date_from": "soon"})
        assert bad.status_code == 400 and _location(bad) == "date_from"
        assert c.get("/conferences/nowhere/sessions").status_code == 404
    with api.client(ann) as c:  # invited: sees the conference's sessions
        assert _list(c, "/conferences/bob-asks-ann/sessions")["cnt"] == 2
        assert c.get("/conferences/bob-only/sessions").status_code == 404
    with api.client(server) as c:
        assert _list(c, "/conferences/bob-only/sessions")["cnt"] == 1


def test_a_cid_taken_again_does_not_inherit_the_old_sessions(api: RunningApi) -> None:
    admin = people(api)
    api.system.conferences.run("bob-only")
    api.system.conferences.stop("bob-only")
    with api.client(admin) as c:
        assert c.delete("/conferences/bob-only").status_code == 204
        body = {"id": "bob-only", "topic": "Again", "owner": "bob"}
        assert c.post("/conferences", json=body).status_code == 201
        api.system.fresh("call_history")
        assert _list(c, "/logs/calls", cid="bob-only")["cnt"] == 1
        assert _list(c, "/conferences/bob-only/sessions")["cnt"] == 0


def test_messages_of_a_conference_group_chat(api: RunningApi) -> None:
    admin = people(api)
    ann, _ = app_tokens(api, admin)
    sessions = api.system.sessions
    for cid, users in (("ann-own", ("ann", "bob")), ("bob-only", ("bob",))):
        api.system.conferences.run(cid)
        for user in users:
            sessions.join(cid, user_id=user, kind="user", endpoint_id=f"e-{user}")
    _chat(api, "ann-own", "ann", "hello bob")
    _chat(api, "ann-own", "bob", "hi ann")
    _chat(api, "bob-only", "bob", "talking to myself")
    with api.client(ann) as c:
        found = _list(c, "/conferences/ann-own/messages", sort_field="date", sort_order=0)
        assert found["cnt"] == 2
        assert [(r["sender"], r["message"]) for r in found["list"]] == [
            ("ann", "hello bob"),
            ("bob", "hi ann"),
        ]
        assert found["list"][0]["recipient"] == "\\c\\ann-own"
        by_bob = _list(c, "/conferences/ann-own/messages", sender="bob")
        assert [r["message"] for r in by_bob["list"]] == ["hi ann"]
        assert c.get("/conferences/bob-only/messages").status_code == 404
    with api.client(admin) as c:
        assert _list(c, "/conferences/bob-only/messages")["cnt"] == 1


def test_recordings_of_a_conference_listed_and_deleted_by_its_owner(api: RunningApi) -> None:
    admin = people(api)
    ann, _ = app_tokens(api, admin)
    bob, _ = app_tokens(api, admin, user="bob")
    own = api.system.conferences.run("ann-own")
    mine = _record(api, own, "ann-own", "ann", 1)
    later = _record(api, own, "ANN-OWN", "ann", 2)  # a CID in any case is the same
    theirs = _record(api, api.system.conferences.run("bob-only"), "bob-only", "bob", 3)
    _record(api, "p2p", "", "ann", 4)  # a call's: no conference
    api.system.fresh("recordings")
    with api.client(admin) as c:
        found = _list(c, "/conferences/ann-own/recordings", sort_field="date", sort_order=0)
        assert [r["recording_id"] for r in found["list"]] == [mine.recording_id, later.recording_id]
        assert found["list"][0]["size"] == 1000 and found["list"][0]["duration"] == 60
        assert _list(c, "/conferences/bob-only/recordings")["cnt"] == 1
    with api.client(bob) as c:  # invited to ann's: sees, may not delete
        assert _list(c, "/conferences/ann-own/recordings")["cnt"] == 2
        path = f"/conferences/ann-own/recordings/{mine.recording_id}"
        assert c.delete(path).status_code == 403
    security = api.admin_token("auditor", role="security")
    with api.client(security) as c:
        assert _list(c, "/conferences/ann-own/recordings")["cnt"] == 2
        assert c.delete(f"/conferences/ann-own/recordings/{mine.recording_id}").status_code == 403
    before = api.head()
    with api.client(ann) as c:
        assert c.get("/conferences/bob-only/recordings").status_code == 404
        elsewhere = c.delete(f"/conferences/ann-own/recordings/{theirs.recording_id}")
        assert elsewhere.status_code == 404
        hidden = c.delete(f"/conferences/bob-only/recordings/{theirs.recording_id}")
        assert hidden.status_code == 404
        assert c.delete("/conferences/ann-own/recordings/not-a-uuid").status_code == 404
        assert changes_since(api, before) == []
        assert c.delete(f"/conferences/ann-own/recordings/{mine.recording_id}").status_code == 204
        assert changes_since(api, before) == ["Recording.Deleted"]
        left = _list(c, "/conferences/ann-own/recordings")
        assert [r["recording_id"] for r in left["list"]] == [later.recording_id]


def test_an_application_needs_each_sub_resources_permission(api: RunningApi) -> None:
    admin = people(api)
    body = {
        "name": "Sessions only",
        "redirect_uri": "https://localhost/",
        "permissions": ["conferences.sessions:read"],
    }
    app = create_app(api, admin, body)
    creds = {"grant_type": "client_credentials", "client_id": app["id"]}
    with api.client() as c:
        token = c.post("/oauth2/token", data={**creds, "client_secret": app["secret"]})
    with api.client(token.json()["access_token"]) as c:
        assert c.get("/conferences/ann-own/sessions").status_code == 200
        assert c.get("/conferences/ann-own/messages").status_code == 403
        assert c.get("/conferences/ann-own/recordings").status_code == 403
    with api.client() as c:
        assert c.get("/conferences/ann-own/sessions").status_code == 401
    schema = httpx.get(f"{api.base_url}/openapi.json").json()["paths"]
    operation = schema["/api/v4/conferences/{cid}/recordings/{recording_id}"]["delete"]
    assert {"OAuth2": ["conferences.records:write"]} in operation["security"]
