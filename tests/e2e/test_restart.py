"""An administrator restarts `quorum serve` (guide §16.1.1 `restart`, §5.2): running
meetings end, the Events report shows the restart, the stop and the new start, and the
same process answers again on the same port."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx

from tests.support import ServeProcess, eventually, quorum_cli
from tests.ws_client import Peer


def _login(serve: ServeProcess, name: str) -> str:
    reply = httpx.post(
        f"{serve.base_url}/admin/session", json={"login": name, "password": "correct horse"}
    )
    assert reply.status_code == 200, reply.text
    token: str = reply.json()["access_token"]
    return token


def _client(serve: ServeProcess, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=serve.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


def _started_at(serve: ServeProcess) -> str | None:
    try:
        reply = httpx.get(f"{serve.base_url}/server/status", timeout=1)
    except httpx.HTTPError:
        return None
    started: str = reply.json()["started_at"]
    return started


def _details(row: dict[str, Any]) -> dict[str, Any]:
    details = row["details"]
    return json.loads(details) if isinstance(details, str) else details


def test_an_administrator_restart_ends_meetings_and_starts_again(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    serve = ServeProcess(data_dir).start()
    try:
        for name, role in (("root", "admin"), ("watcher", "security")):
            quorum_cli(
                *("admin", "add", name, "--role", role, "--password-stdin"),
                data_dir=data_dir,
                stdin="correct horse\n",
            )
        token = _login(serve, "root")
        with _client(serve, token) as c:
            body = {"id": "jane", "password": "Secret123", "display_name": "Jane Flowers"}
            assert c.post("/users", json=body).status_code == 201
            body = {"id": "weekly", "topic": "Weekly", "owner": "jane"}
            assert c.post("/conferences", json=body).status_code == 201
            session_id = c.post("/conferences/weekly/run").json()["session_id"]
        with _client(serve, _login(serve, "watcher")) as c:
            refused = c.post("/server/restart")
            assert refused.status_code == 403, refused.text

        jane = Peer(serve.base_url.removesuffix("/api/v4")).login("jane")
        jane.ok("conference.join", cid="weekly")
        pid = serve.process.pid if serve.process else None
        first_start = _started_at(serve)
        with _client(serve, token) as c:
            reply = c.post("/server/restart")
        assert reply.status_code == 202, reply.text
        assert reply.json() == {"restarting": True, "meetings_ended": ["weekly"]}
        assert jane.wait_for("conference.ended")["session_id"] == session_id
        jane.close()

        # The same process (exec), on the same port, once it has started again.
        deadline = time.monotonic() + 60
        while _started_at(serve) in (None, first_start):
            assert serve.process is not None and serve.process.poll() is None
            assert time.monotonic() < deadline, "the server did not come back"
            time.sleep(0.2)
        assert serve.process is not None and serve.process.pid == pid

        token = _login(serve, "root")
        with _client(serve, token) as c:

            def restarted() -> bool:
                rows = c.get("/logs/events", params={"page_size": 1000}).json()["list"]
                return sum(r["event"] == "start" for r in rows) == 2

            eventually(restarted, timeout=30)
            rows = c.get(
                "/logs/events",
                params={
                    "event": ["start", "stop", "restart"],
                    "sort_field": "date",
                    "sort_order": 0,
                },
            ).json()["list"]
            meeting = c.get(f"/logs/calls/{session_id}").json()
    finally:
        serve.stop()

    assert [(r["event"], r["source"], r["severity"]) for r in rows] == [
        ("start", "server", "Medium"),
        ("restart", "admin", "High"),
        ("stop", "server", "High"),
        ("start", "server", "Medium"),
    ]
    assert rows[1]["object_name"] == "root"
    assert _details(rows[1])["running_meetings"] == ["weekly"]
    assert _details(rows[2])["cause"] == "restart"
    assert _details(rows[3])["previous_run_stopped"] is True
    assert meeting["end_cause"] == "server"
