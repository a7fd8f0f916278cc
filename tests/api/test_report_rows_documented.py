"""Report replies are documented as sent (issue 8 item 5): every key of every row of
every report route is a property of the row schema in /openapi.json, and every
documented property is sent (typed models also validate each reply as it leaves)."""

from __future__ import annotations

import io
import secrets
from datetime import UTC, datetime
from typing import Any

import httpx

from domain.sessions.sessions_service import Requester
from domain.shared.actor import SYSTEM, acting_as
from tests.support import RunningApi

PREFIX = "/api/v4"
PROJECTIONS = ("events", "config_changes", "endpoints", "call_history", "chat", "chat_files")


def _activity(api: RunningApi, token: str) -> str:
    """One of each row: users, an endpoint, a conference session with an invite, a
    group message with a file, a recording; returns the session ID."""
    with api.client(token) as c:
        for user in ("jane", "bob", "carl"):
            body = {"id": user, "password": "Secret123", "first_name": user.title()}
            assert c.post("/users", json=body).status_code == 201
        api.system.fresh("directory")
        api.system.endpoints.connect("bob", "127.0.0.1", "gw", {"app_name": "WebClient"})
        weekly = {"id": "weekly", "topic": "Weekly", "owner": "jane", "allow_uninvited": True}
        assert c.post("/conferences", json=weekly).status_code == 201
        session_id: str = c.post("/conferences/weekly/run").json()["session_id"]
    sessions = api.system.sessions
    jane = secrets.token_hex(16)
    sessions.join("weekly", user_id="jane", kind="user", endpoint_id=jane)
    sessions.join("weekly", user_id="bob", kind="user", endpoint_id=secrets.token_hex(16))
    sessions.invite("weekly", ["carl"], Requester(user_id="jane", endpoint_id=jane))
    with api.client(api.user_token("jane")) as c:
        sent = c.post("/files", files={"file": ("a.txt", b"notes", "text/plain")})
        assert sent.status_code == 201, sent.text
    session, recipients = sessions.chat_audience("weekly", Requester("jane", jane))
    with acting_as(SYSTEM):
        api.system.messaging.send_to_session(
            "jane", session_id, session.cid, recipients, "the notes", sent.json()["file_id"]
        )
        started = api.system.recordings.record_started(
            session_id, "weekly", "Weekly", "jane", datetime.now(UTC)
        )
        api.system.recordings.record_finished(
            started.recording_id, 60, "webm", io.BytesIO(b"r" * 1000)
        )
    for name in (*PROJECTIONS, "recordings"):
        api.system.fresh(name)
    return session_id


def _row_schema(spec: dict[str, Any], path: str) -> tuple[dict[str, Any], bool]:
    """The documented row of a GET route, and whether the reply is a page of them."""
    reply = spec["paths"][PREFIX + path]["get"]["responses"]["200"]
    schemas = spec["components"]["schemas"]

    def resolve(schema: dict[str, Any]) -> dict[str, Any]:
        found: dict[str, Any] = schemas[schema["$ref"].rsplit("/", 1)[1]]
        return found

    top = resolve(reply["content"]["application/json"]["schema"])
    if set(top["properties"]) == {"cnt", "list"}:
        return resolve(top["properties"]["list"]["items"]), True
    return top, False


def test_every_report_row_is_documented_as_sent(api: RunningApi) -> None:
    token = api.admin_token()
    session_id = _activity(api, token)
    with api.client(token) as c:
        endpoint_id = c.get("/logs/endpoints").json()["list"][0]["endpoint_id"]
        spec = httpx.get(f"{api.base_url}/openapi.json").json()
        routes = {
            "/logs/events": "/logs/events",
            "/logs/config-changes": "/logs/config-changes",
            "/logs/endpoints": "/logs/endpoints",
            "/logs/endpoints/{endpoint_id}": f"/logs/endpoints/{endpoint_id}",
            "/logs/calls": "/logs/calls",
            "/logs/calls/{session_id}": f"/logs/calls/{session_id}",
            "/logs/calls/{session_id}/participants": f"/logs/calls/{session_id}/participants",
            "/logs/calls/{session_id}/invites": f"/logs/calls/{session_id}/invites",
            "/logs/calls/{session_id}/files": f"/logs/calls/{session_id}/files",
            "/logs/chat": "/logs/chat",
            "/logs/recordings": "/logs/recordings",
            "/users/{user_id}/recordings": "/users/jane/recordings",
            "/users/{user_id}/calls": "/users/jane/calls",
            "/conferences/{cid}/sessions": "/conferences/weekly/sessions",
            "/conferences/{cid}/messages": "/conferences/weekly/messages",
            "/conferences/{cid}/recordings": "/conferences/weekly/recordings",
        }
        for documented, path in routes.items():
            reply = c.get(path)
            assert reply.status_code == 200, (path, reply.text)
            row_schema, paged = _row_schema(spec, documented)
            rows = reply.json()["list"] if paged else [reply.json()]
            assert rows, path
            properties = set(row_schema["properties"])
            assert set(row_schema["required"]) == properties, documented
            for row in rows:
                assert set(row) == properties, (path, set(row) ^ properties)
