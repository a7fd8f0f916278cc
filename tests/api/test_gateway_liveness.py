"""A gateway process killed outright (SIGKILL) runs no code: the surviving gateways
notice its heartbeats stopped and record its sockets' departures ("connection lost"),
once, even when two of them notice at the same moment."""

from __future__ import annotations

import asyncio
import json
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from adapters.bootstrap import QuorumSystem
from api.ws.gateway import Gateway
from domain.shared.actor import Actor, acting_as
from tests.support import RunningApi, ServeProcess, eventually, running_api

HEARTBEAT = 1.0
PATIENCE = 60.0
"""Generous: detection takes about four heartbeats, plus a slow machine."""


def _socket(base_url: str) -> ClientConnection:
    url = base_url.replace("http", "ws").removesuffix("/api/v4") + "/api/v4/ws"
    return connect(url, open_timeout=10)


def _call(ws: ClientConnection, request_id: int, method: str, **params: Any) -> dict[str, Any]:
    ws.send(json.dumps({"id": request_id, "method": method, "params": params}))
    while True:
        frame: dict[str, Any] = json.loads(ws.recv(timeout=30))
        if frame.get("id") == request_id:
            return frame


def _pushes(ws: ClientConnection, event: str, within: float) -> list[dict[str, Any]]:
    """Every `event` push arriving within `within` seconds."""
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + within
    while (left := deadline - time.monotonic()) > 0:
        try:
            frame = json.loads(ws.recv(timeout=left))
        except TimeoutError:
            break
        if frame.get("event") == event:
            found.append(frame["data"])
    return found


def _next_push(ws: ClientConnection, event: str) -> dict[str, Any]:
    deadline = time.monotonic() + PATIENCE
    while True:
        frame: dict[str, Any] = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
        if frame.get("event") == event:
            data: dict[str, Any] = frame["data"]
            return data


def _users(api: RunningApi) -> None:
    admin = api.admin_token()
    with api.client(admin) as c:
        team = c.post("/groups", json={"display_name": "Team"}).json()["id"]
        c.patch(f"/groups/{team}/addressbook", json={"mode": "groups", "groups": [team]})
        for user in ("jane", "bob"):
            body = {"id": user, "password": "Secret123", "groups": [team]}
            assert c.post("/users", json=body).status_code == 201


def _kinds(system: QuorumSystem, aggregate_id: Any) -> list[str]:
    return [type(e).__name__ for e in system.store.events.get(aggregate_id)]


@pytest.fixture
def doomed(api: RunningApi, tmp_path: Path) -> Iterator[ServeProcess]:
    """`quorum serve` on the test's NATS, to be killed; stopped anyway at the end."""
    api.system.config.gw_heartbeat_seconds = HEARTBEAT
    _users(api)
    env = {
        "QUORUM_NATS_URL": api.system.store.env["QUORUM_NATS_URL"],
        "QUORUM_GW_HEARTBEAT_SECONDS": str(HEARTBEAT),
    }
    serve = ServeProcess(tmp_path / "doomed", env=env)
    try:
        yield serve.start()
    finally:
        serve.stop()


def _call_across(jane: ClientConnection, bob: ClientConnection) -> tuple[str, str]:
    """jane (on the doomed gateway) calls bob, who answers: (jane's endpoint, the call)."""
    endpoint = _call(jane, 1, "auth", login="jane", password="Secret123")["result"]["endpoint_id"]
    assert "result" in _call(bob, 1, "auth", login="bob", password="Secret123")
    call_id = _call(jane, 2, "call.invite", to="bob")["result"]["call_id"]
    assert _call(bob, 2, "call.accept", call_id=call_id)["result"]["state"] == "active"
    return endpoint, call_id


def _assert_recorded_once(system: QuorumSystem, endpoint_id: str, call_id: str) -> None:
    call = system.calls.get(call_id)
    assert (call.state, call.outcome) == ("ended", "completed")
    assert _kinds(system, call.id).count("Ended") == 1
    endpoint = system.endpoints.get(endpoint_id)
    assert (endpoint.connected, endpoint.disconnect_cause) == (False, "connection lost")
    assert _kinds(system, endpoint.id).count("Disconnected") == 1


def test_a_killed_gateways_call_ends_and_its_endpoint_departs(
    api: RunningApi, doomed: ServeProcess
) -> None:
    with _socket(api.base_url) as bob, _socket(doomed.base_url) as jane:
        endpoint_id, call_id = _call_across(jane, bob)
        doomed.signal(signal.SIGKILL)
        ended = _next_push(bob, "call.ended")
        assert ended == {"call_id": call_id, "by": "jane", "cause": "connection lost"}
        eventually(lambda: api.system.endpoints.status("jane") == 0, PATIENCE)
        eventually(lambda: not api.system.endpoints.get(endpoint_id).connected, PATIENCE)
        _assert_recorded_once(api.system, endpoint_id, call_id)
        assert api.system.endpoints.status("bob") == 1  # no longer busy
    with api.client(api.login("root")) as c:
        row = c.get(f"/logs/endpoints/{endpoint_id}").json()
        assert row["cause"] == "connection lost" and row["disconnected_at"] is not None


def test_two_surviving_gateways_record_the_end_once(
    api: RunningApi, doomed: ServeProcess, tmp_path: Path
) -> None:
    with running_api(api.system.store.env["QUORUM_NATS_URL"], tmp_path / "second") as other:
        other.system.config.gw_heartbeat_seconds = HEARTBEAT
        with _socket(api.base_url) as bob, _socket(doomed.base_url) as jane:
            endpoint_id, call_id = _call_across(jane, bob)
            doomed.signal(signal.SIGKILL)
            assert _next_push(bob, "call.ended")["cause"] == "connection lost"
            eventually(lambda: not api.system.endpoints.get(endpoint_id).connected, PATIENCE)
            # Both survivors sweep every heartbeat: give the later one a few turns.
            assert other.system.fresh("endpoints", timeout=PATIENCE)
            assert _pushes(bob, "call.ended", within=4 * HEARTBEAT) == []
        _assert_recorded_once(api.system, endpoint_id, call_id)
        _assert_recorded_once(other.system, endpoint_id, call_id)


@contextmanager
def _extra_gateway(system: QuorumSystem) -> Iterator[Gateway]:
    """A started gateway without an HTTP server, its API loop on a thread of its own."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    gateway = Gateway(system)
    gateway.start(loop)
    try:
        yield gateway
    finally:
        gateway.stop()
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def test_two_gateways_departing_one_endpoint_at_once_record_it_once(
    api: RunningApi, tmp_path: Path
) -> None:
    """The race itself: two processes' gateways depart the same endpoint at one moment."""
    _users(api)
    with (
        running_api(api.system.store.env["QUORUM_NATS_URL"], tmp_path / "second") as other,
        _extra_gateway(api.system) as first,
        _extra_gateway(other.system) as second,
        _socket(api.base_url) as bob,
    ):
        assert "result" in _call(bob, 1, "auth", login="bob", password="Secret123")
        with acting_as(Actor(kind="user", name="jane", ip="10.0.0.9")):
            # Held by `first`, which is alive: no sweep takes it before the race.
            endpoint, _ = api.system.endpoints.connect("jane", "10.0.0.9", first.gateway_id, {})
            call = api.system.calls.invite("jane", endpoint.endpoint_id, "bob")
        assert _call(bob, 2, "call.accept", call_id=str(call.id))["result"]["state"] == "active"
        start = threading.Barrier(2)
        errors: list[BaseException] = []

        def depart(gateway: Gateway) -> None:
            start.wait()
            try:
                gateway.depart_endpoint("jane", endpoint.endpoint_id, "connection lost", None)
            except BaseException as e:  # reported below, not as a thread's death
                errors.append(e)

        threads = [threading.Thread(target=depart, args=(g,)) for g in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=PATIENCE)
        assert errors == []
        _assert_recorded_once(api.system, endpoint.endpoint_id, str(call.id))
        assert [p["cause"] for p in _pushes(bob, "call.ended", within=3)] == ["connection lost"]
        assert api.system.endpoints.status("jane") == 0
