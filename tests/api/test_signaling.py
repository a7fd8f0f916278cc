"""The signaling gateway (API.md, docs/signaling.md): auth first, endpoints as events,
presence pushed to contacts, heartbeats, and clear errors for broken frames."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from adapters.bootstrap import QuorumSystem
from adapters.nats_server import free_port
from api.app import create_app
from api.ws.protocol import EVENTS, METHODS
from domain.signaling.endpoint import Endpoint
from tests.support import RunningApi, eventually

DOC = Path(__file__).resolve().parents[2] / "docs" / "signaling.md"


def _socket(api: RunningApi) -> ClientConnection:
    return connect(api.base_url.replace("http", "ws") + "/api/v4/ws", open_timeout=10)


def _call(ws: ClientConnection, request_id: int, method: str, **params: Any) -> dict[str, Any]:
    ws.send(json.dumps({"id": request_id, "method": method, "params": params}))
    while True:
        frame: dict[str, Any] = json.loads(ws.recv(timeout=10))
        if frame.get("id") == request_id:
            return frame


def _users(api: RunningApi) -> None:
    admin = api.admin_token()
    with api.client(admin) as c:
        team = c.post("/groups", json={"display_name": "Team"}).json()["id"]
        c.patch(f"/groups/{team}/addressbook", json={"mode": "groups", "groups": [team]})
        for user in ("jane", "bob"):
            body = {"id": user, "password": "Secret123", "groups": [team]}
            assert c.post("/users", json=body).status_code == 201
    api.system.fresh("directory")


def test_the_document_and_the_gateway_agree() -> None:
    text = DOC.read_text()
    documented_methods = set(re.findall(r"^### `([a-z.]+)`$", text.split("## Events")[0], re.M))
    documented_events = set(re.findall(r"^### `([a-z.]+)`$", text.split("## Events")[1], re.M))
    assert documented_methods == set(METHODS)
    assert documented_events == set(EVENTS)
    for example in re.findall(r'"method": "([a-z.]+)"', text):
        assert example in (*METHODS, "...")  # the frame format's placeholder


def test_auth_endpoint_events_and_status_pushed_to_contacts(api: RunningApi) -> None:
    _users(api)
    with _socket(api) as jane:
        reply = _call(
            jane,
            1,
            "auth",
            login="jane",
            password="Secret123",
            app_name="Quorum Desktop",
            app_version="1.0.0",
            os="Linux",
        )
        result = reply["result"]
        assert re.fullmatch(r"[0-9A-F]{32}", result["endpoint_id"])
        assert result["token"]
        updated = _call(jane, 2, "endpoint.update", local_ips=["10.0.0.7"], devices=["C920"])
        assert updated["result"]["devices"] == ["C920"]
        with _socket(api) as bob:
            bob_token = api.user_token("bob")
            assert "result" in _call(bob, 1, "auth", token=bob_token, app_name="Web")
            push = json.loads(jane.recv(timeout=10))
            assert push == {"event": "status", "data": {"user_id": "bob", "previous": 0, "new": 1}}
            assert _call(jane, 3, "status.get", users=["bob"])["result"]["statuses"]["bob"] == 1
            assert _call(bob, 2, "logout")["result"] == {"logged_out": True}
        push = json.loads(jane.recv(timeout=10))
        assert push["data"] == {"user_id": "bob", "previous": 1, "new": 0}
    eventually(lambda: not api.system.endpoints.get(result["endpoint_id"]).connected)
    endpoint = api.system.endpoints.get(result["endpoint_id"])
    assert endpoint.info["app_name"] == "Quorum Desktop"
    assert endpoint.disconnect_cause == "closed"
    kinds = [type(e).__name__ for e in api.system.store.events.get(endpoint.id)]
    assert kinds == ["Created", "InfoUpdated", "Disconnected"]
    with api.client(api.admin_token("auditor")) as c:
        statuses = c.get("/logs/events", params={"event": "status", "object_name": "bob"}).json()
        assert statuses["cnt"] == 2


@pytest.mark.parametrize(
    ("frame", "location"),
    [
        ("not json", "frame"),
        ('["a list"]', "frame"),
        ('{"id": 1}', "method"),
        ('{"id": 1, "method": "teleport"}', "method"),
        ('{"id": 1, "method": "auth", "params": {"login": "jane"}}', "password"),
        ('{"id": 1, "method": "status.get", "params": {}}', "method"),
        ("x" * 70_000, "frame"),
    ],
)
def test_broken_frames_get_error_frames_and_the_socket_stays(
    api: RunningApi, frame: str, location: str
) -> None:
    with _socket(api) as ws:
        if location == "method" and "status.get" in frame:
            ws.send(frame)
            error = json.loads(ws.recv(timeout=10))["error"]
            assert error["code"] == 401  # not authenticated yet
        else:
            ws.send(frame)
            error = json.loads(ws.recv(timeout=10))["error"]
            assert error["errors"][0]["location"] == location
        assert _call(ws, 9, "ping")["result"] == {"pong": True}


def test_a_second_auth_is_refused_and_repeated_breakage_closes(api: RunningApi) -> None:
    _users(api)
    with _socket(api) as ws:
        assert "result" in _call(ws, 1, "auth", login="jane", password="Secret123")
        again = _call(ws, 2, "auth", login="jane", password="Secret123")
        assert again["error"]["errors"][0]["message"] == "already authenticated"
        for _ in range(10):
            ws.send("garbage")
        with pytest.raises(ConnectionClosed):
            for _ in range(20):
                ws.recv(timeout=10)


def test_a_silent_socket_is_closed_and_its_departure_recorded(api: RunningApi) -> None:
    _users(api)
    api.system.config.ws_heartbeat_seconds = 2.0  # long enough to send auth when slow
    with _socket(api) as ws:
        endpoint_id = _call(ws, 1, "auth", login="jane", password="Secret123")["result"][
            "endpoint_id"
        ]
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=10)
    eventually(lambda: api.system.endpoints.status("jane") == 0)
    endpoint = api.system.endpoints.get(endpoint_id)
    assert isinstance(endpoint, Endpoint)
    assert endpoint.disconnect_cause == "timeout"


def test_a_contact_on_another_gateway_sees_the_change(api: RunningApi, tmp_path: Path) -> None:
    """Two gateway processes on one NATS: jane on A hears bob arrive on B (issue 5.1)."""
    from tests.support import running_api

    _users(api)
    nats_url = api.system.store.env["QUORUM_NATS_URL"]
    with running_api(nats_url, tmp_path / "second") as other:
        other.system.fresh("directory")
        with _socket(api) as jane:
            assert "result" in _call(jane, 1, "auth", login="jane", password="Secret123")
            bob = connect(other.base_url.replace("http", "ws") + "/api/v4/ws", open_timeout=10)
            with bob:
                assert "result" in _call(bob, 1, "auth", login="bob", password="Secret123")
                push = json.loads(jane.recv(timeout=10))
                assert push["data"] == {"user_id": "bob", "previous": 0, "new": 1}


def test_an_admin_disconnect_closes_the_users_sockets(api: RunningApi) -> None:
    _users(api)
    with _socket(api) as ws:
        endpoint_id = _call(ws, 1, "auth", login="jane", password="Secret123")["result"][
            "endpoint_id"
        ]
        with api.client(api.admin_token("root2")) as c:
            assert c.post("/users/jane/disconnect").status_code == 200
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=10)
    eventually(lambda: not api.system.endpoints.get(endpoint_id).connected)
    assert api.system.endpoints.get(endpoint_id).disconnect_cause == "admin"


def test_the_endpoints_report_and_its_quick_search(api: RunningApi) -> None:
    """§16.6, WE-29: 'webclient guest'-style search: every word, any field, any case."""
    _users(api)
    with _socket(api) as desktop, _socket(api) as browser:
        first = _call(
            desktop,
            1,
            "auth",
            login="jane",
            password="Secret123",
            app_name="Quorum Desktop",
            os="Linux",
        )["result"]["endpoint_id"]
        _call(
            browser,
            1,
            "auth",
            login="bob",
            password="Secret123",
            app_name="WebClient",
            os="Windows",
        )
        _call(desktop, 2, "endpoint.update", devices=["Logitech C920"])
        with api.client(api.login("root")) as c:
            both = c.get("/logs/endpoints").json()
            assert both["cnt"] == 2
            hit = c.get("/logs/endpoints", params={"search": "webclient WINDOWS"}).json()
            assert [r["user_id"] for r in hit["list"]] == ["bob"]
            assert c.get("/logs/endpoints", params={"search": "webclient linux"}).json()["cnt"] == 0
            detail = c.get(f"/logs/endpoints/{first}").json()
            assert detail["devices"] == ["Logitech C920"]
            assert detail["disconnected_at"] is None
            assert c.get("/logs/endpoints/FFFF").status_code == 404
    eventually(lambda: not api.system.endpoints.get(first).connected)
    with api.client(api.login("root")) as c:
        gone = c.get(f"/logs/endpoints/{first}").json()
        assert gone["cause"] == "closed" and gone["disconnected_at"] is not None
        assert c.get("/logs/endpoints", params={"connected": "true"}).json()["cnt"] == 0


def _next_push(ws: ClientConnection, event: str) -> dict[str, Any]:
    while True:
        frame: dict[str, Any] = json.loads(ws.recv(timeout=10))
        if frame.get("event") == event:
            return frame["data"]


def test_a_call_rings_is_answered_makes_both_busy_and_ends(api: RunningApi) -> None:
    """§3.1: invite, ring, accept, hang up; busy (2) during the call."""
    _users(api)
    with _socket(api) as jane, _socket(api) as bob:
        _call(jane, 1, "auth", login="jane", password="Secret123")
        _call(bob, 1, "auth", login="bob", password="Secret123")
        invited = _call(jane, 2, "call.invite", to="bob")["result"]
        assert invited["state"] == "ringing"
        incoming = _next_push(bob, "call.incoming")
        assert incoming["from"] == "jane" and incoming["call_id"] == invited["call_id"]
        stranger = _call(jane, 3, "call.accept", call_id=invited["call_id"])
        assert stranger["error"]["code"] == 403  # only the callee answers
        assert _call(bob, 2, "call.accept", call_id=invited["call_id"])["result"]["state"] == (
            "active"
        )
        assert _next_push(jane, "call.accepted")["call_id"] == invited["call_id"]
        assert _call(jane, 4, "status.get", users=["bob"])["result"]["statuses"]["bob"] == 2
        _call(jane, 5, "call.hangup", call_id=invited["call_id"])
        assert _next_push(bob, "call.ended")["by"] == "jane"
        assert _call(bob, 3, "status.get", users=["jane"])["result"]["statuses"]["jane"] == 1


def test_calls_refused_missed_and_the_p2p_right(api: RunningApi) -> None:
    _users(api)
    api.system.config.call_ring_seconds = 0.3
    with _socket(api) as jane:
        _call(jane, 1, "auth", login="jane", password="Secret123")
        assert _call(jane, 2, "call.invite", to="jane")["error"]["errors"][0]["location"] == "to"
        assert _call(jane, 3, "call.invite", to="nobody")["error"]["code"] == 404
        offline = _call(jane, 4, "call.invite", to="bob")["result"]
        assert offline["state"] == "ended"  # bob is offline: a missed call at once
        with _socket(api) as bob:
            _call(bob, 1, "auth", login="bob", password="Secret123")
            unanswered = _call(jane, 5, "call.invite", to="bob")["result"]
            assert _next_push(jane, "call.missed")["call_id"] == unanswered["call_id"]
            api.system.config.call_ring_seconds = 30  # time enough to reject, even when slow
            rejected = _call(jane, 6, "call.invite", to="bob")["result"]
            _call(bob, 2, "call.reject", call_id=rejected["call_id"])
            assert _next_push(jane, "call.rejected")["call_id"] == rejected["call_id"]
    with api.client(api.login("root")) as c:
        c.patch("/groups/@no_group", json={"rights": {"p2p_calls": False}})
        group_id = c.get("/users/jane").json()["groups"][0]["id"]
        c.patch(f"/groups/{group_id}", json={"rights": {"p2p_calls": False}})
    with _socket(api) as jane:
        _call(jane, 1, "auth", login="jane", password="Secret123")
        refused = _call(jane, 2, "call.invite", to="bob")
        assert refused["error"]["code"] == 403


def test_a_ringing_call_is_missed_after_the_gateway_it_came_through_stops(
    api: RunningApi,
) -> None:
    """The ring timer is the process's, not the gateway's (§13.2.2): the gateway jane
    called through stops while the call rings, the system does not, and bob still
    hears the call missed."""
    _users(api)
    api.system.config.call_ring_seconds = 6  # time enough for the gateway to stop
    with _socket(api) as bob:
        _call(bob, 1, "auth", login="bob", password="Secret123")
        with _another_gateway(api.system) as url, connect(url, open_timeout=10) as jane:
            _call(jane, 1, "auth", login="jane", password="Secret123")
            call_id = _call(jane, 2, "call.invite", to="bob")["result"]["call_id"]
            assert _next_push(bob, "call.incoming")["call_id"] == call_id
        assert api.system.calls.get(call_id).state == "ringing"  # its gateway is gone
        assert _next_push(bob, "call.missed") == {"call_id": call_id, "reason": "timeout"}
    call = api.system.calls.get(call_id)
    assert (call.state, call.outcome) == ("ended", "missed")


@contextmanager
def _another_gateway(system: QuorumSystem) -> Iterator[str]:
    """A second app (and so a second gateway) of the same system, stopped on exit:
    its signaling URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(system), host="127.0.0.1", port=port, log_level="warning", access_log=False
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    eventually(lambda: server.started)
    try:
        yield f"ws://127.0.0.1:{port}/api/v4/ws"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def test_calls_and_conference_sessions_fill_the_call_history(api: RunningApi) -> None:
    """§16.2 and §13.2.2: one row per session; the user's own view types them."""
    _users(api)
    with _socket(api) as jane, _socket(api) as bob:
        _call(jane, 1, "auth", login="jane", password="Secret123")
        _call(bob, 1, "auth", login="bob", password="Secret123")
        answered = _call(jane, 2, "call.invite", to="bob")["result"]
        _call(bob, 2, "call.accept", call_id=answered["call_id"])
        _call(bob, 3, "call.hangup", call_id=answered["call_id"])
        rejected = _call(bob, 4, "call.invite", to="jane")["result"]
        _call(jane, 3, "call.reject", call_id=rejected["call_id"])
    with api.client(api.login("root")) as c:
        c.post("/conferences", json={"id": "weekly", "topic": "Weekly", "owner": "jane"})
        c.post("/conferences/weekly/run")
        sessions = c.get("/logs/calls", params={"sort_order": 0}).json()["list"]
        call, refused, meeting = sessions
        assert (call["mode"], call["participants"], call["end_cause"]) == (
            "Video call",
            2,
            "hangup",
        )
        assert call["duration"] is not None and call["end_time"] is not None
        assert refused["end_cause"] == "rejected"
        assert (meeting["mode"], meeting["cid"], meeting["end_time"]) == (
            "S|L Auto",
            "weekly",
            None,
        )
        one = c.get(f"/logs/calls/{answered['session_id']}").json()
        assert one["owner"] == "jane"
        assert c.get("/logs/calls/export").text.count("\n") == 4
    with api.client(api.user_token("jane")) as c:
        mine = c.get("/users/jane/calls").json()["list"]
        assert sorted(r["type"] for r in mine) == ["conference", "incoming", "outgoing"]
        assert c.get("/users/bob/calls").status_code == 403


def test_chat_reaches_online_users_at_once_and_offline_ones_later(api: RunningApi) -> None:
    """§16.3: personal messages; every message in the Chat Messages report."""
    _users(api)
    with _socket(api) as jane:
        _call(jane, 1, "auth", login="jane", password="Secret123")
        assert (
            _call(jane, 2, "chat.send", to="bob", text="")["error"]["errors"][0]["location"]
            == "text"
        )
        assert _call(jane, 3, "chat.send", to="ghost", text="hi")["error"]["code"] == 404
        waiting = _call(jane, 4, "chat.send", to="bob", text="while you were out")["result"]
        with _socket(api) as bob:
            assert "result" in _call(bob, 1, "auth", login="bob", password="Secret123")
            late = _next_push(bob, "chat.message")
            assert (late["message_id"], late["text"]) == (
                waiting["message_id"],
                "while you were out",
            )
            _call(jane, 5, "chat.send", to="bob", text="hello now")
            now_ = _next_push(bob, "chat.message")
            assert (now_["from"], now_["text"]) == ("jane", "hello now")
        with _socket(api) as bob_again:  # delivered messages are not sent twice
            _call(bob_again, 1, "auth", login="bob", password="Secret123")
            with pytest.raises(TimeoutError):
                bob_again.recv(timeout=1)
    with api.client(api.login("root")) as c:
        rows = c.get("/logs/chat", params={"sender": "jane", "sort_order": 0}).json()
        assert [r["message"] for r in rows["list"]] == ["while you were out", "hello now"]
        assert all(r["delivered_at"] for r in rows["list"])
        exported = c.get("/logs/chat/export", params={"recipient": "bob"})
        assert exported.text.count("\n") == 3


def test_a_lost_connection_ends_its_call_once(api: RunningApi) -> None:
    """Issue 5 faults: the party whose socket goes away ends the call with "connection
    lost", and the other party is told."""
    _users(api)
    with _socket(api) as jane:
        _call(jane, 1, "auth", login="jane", password="Secret123")
        with _socket(api) as bob:
            _call(bob, 1, "auth", login="bob", password="Secret123")
            call = _call(jane, 2, "call.invite", to="bob")["result"]
            _call(bob, 2, "call.accept", call_id=call["call_id"])
        assert _next_push(jane, "call.ended")["by"] == "bob"
        eventually(lambda: api.system.calls.get(call["call_id"]).state == "ended")
        ended = api.system.calls.get(call["call_id"])
        assert ended.outcome == "completed"
        kinds = [type(e).__name__ for e in api.system.store.events.get(ended.id)]
        assert kinds.count("Ended") == 1
        assert _call(jane, 3, "status.get", users=["jane"])["result"]["statuses"]["jane"] == 1
    with api.client(api.login("root")) as c:
        row = c.get(f"/logs/calls/{call['session_id']}").json()
        assert row["end_cause"] == "connection lost"
