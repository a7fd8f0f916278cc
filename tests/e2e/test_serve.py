"""`quorum serve` as a user runs it: embedded NATS, signals, crashes, the CLI beside it."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import httpx
import pytest

from tests.support import ServeProcess, nats_processes_for, quorum_cli


def _login(serve: ServeProcess, name: str = "root", password: str = "correct horse") -> str:
    reply = httpx.post(
        f"{serve.base_url}/admin/session", json={"login": name, "password": password}
    )
    assert reply.status_code == 200, reply.text
    token: str = reply.json()["access_token"]
    return token


def _get(serve: ServeProcess, path: str, token: str, **params: str) -> httpx.Response:
    return httpx.get(
        f"{serve.base_url}{path}",
        headers={"Authorization": f"Bearer {token}"},
        params=params,
        timeout=30,
    )


def _patch(serve: ServeProcess, path: str, token: str, body: dict[str, object]) -> None:
    reply = httpx.patch(
        f"{serve.base_url}{path}", headers={"Authorization": f"Bearer {token}"}, json=body
    )
    assert reply.status_code == 200, reply.text


def test_first_admin_then_a_settings_change_shows_in_the_report(serve: ServeProcess) -> None:
    """The README's walk-through: serve, `quorum admin add`, PATCH, read the report."""
    added = quorum_cli(
        "admin",
        "add",
        "root",
        "--role",
        "admin",
        "--password-stdin",
        data_dir=serve.data_dir,
        stdin="correct horse\n",
    )
    assert added.returncode == 0, added.stderr
    token = _login(serve)
    # unregistered: the free edition, and a start distributes PRO licences (§5.2.1)
    licence = _get(serve, "/license", token).json()
    assert licence["edition"] == "free"
    assert (licence["guest"]["total"], licence["gateway"]["total"]) == (1, 1)
    assert _get(serve, "/license/pro", token).json()["distributed_at"] is not None
    _patch(serve, "/settings/main", token, {"timezone": "Europe/Berlin"})
    rows = _get(serve, "/logs/config-changes", token, action="edit", username="root").json()
    assert rows["list"][0]["changes"] == [
        {"parameter": "timezone", "previous": "UTC", "new": "Europe/Berlin"}
    ]


def test_cli_commands_talk_to_the_running_server(serve: ServeProcess) -> None:
    quorum_cli(
        "admin",
        "add",
        "auditor",
        "--role",
        "security",
        "--password-stdin",
        data_dir=serve.data_dir,
        stdin="correct horse\n",
    )
    listed = quorum_cli("admin", "list", data_dir=serve.data_dir)
    assert "auditor\tsecurity" in listed.stdout
    status = quorum_cli("projections", "status", data_dir=serve.data_dir)
    assert status.returncode == 0, status.stderr
    assert "config_changes" in status.stdout
    rebuilt = quorum_cli("projections", "rebuild", "config_changes", data_dir=serve.data_dir)
    assert rebuilt.returncode == 0, rebuilt.stderr
    unknown = quorum_cli("projections", "rebuild", "nonsense", data_dir=serve.data_dir)
    assert unknown.returncode == 2
    assert "no projection" in unknown.stderr
    replay = quorum_cli("events", "replay", "--from", "1", "--to", "3", data_dir=serve.data_dir)
    lines = [json.loads(line) for line in replay.stdout.splitlines()]
    assert [line["sequence"] for line in lines] == [1, 2, 3]
    assert lines[0]["event_type"].endswith("ServerSettings.Created")
    assert lines[0]["actor"]["kind"] == "system"
    secret = quorum_cli("admin", "api-secret", data_dir=serve.data_dir).stdout.strip()
    assert _get(serve, "/settings/main", secret).status_code == 200
    busy = ServeProcess(serve.data_dir)
    with pytest.raises(AssertionError, match="already running"):
        busy.start()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_server_and_its_nats(tmp_path: Path, signum: int) -> None:
    serve = ServeProcess(tmp_path / "var").start()
    assert nats_processes_for(serve.data_dir)
    code = serve.signal(signum)
    assert code in (0, 130)
    assert nats_processes_for(serve.data_dir) == []
    assert not (serve.data_dir / "run" / "serve.json").exists()


def test_sigkill_loses_nothing_acknowledged_and_reports_equal_a_rebuild(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    serve = ServeProcess(data_dir).start()
    try:
        quorum_cli(
            "admin", "add", "root", "--password-stdin", data_dir=data_dir, stdin="correct horse\n"
        )
        token = _login(serve)
        for hours in (10, 20, 30):
            _patch(serve, "/settings/main", token, {"token_validity_hours": hours})
        code = serve.signal(signal.SIGKILL)
        assert code == -signal.SIGKILL
        # nats-server follows its parent (PR_SET_PDEATHSIG), even after a SIGKILL.
        for _ in range(50):
            if not nats_processes_for(data_dir):
                break
            import time

            time.sleep(0.1)
        assert nats_processes_for(data_dir) == []

        serve.start()
        token = _login(serve)
        assert _get(serve, "/settings/main", token).json()["token_validity_hours"] == 30
        live = _get(serve, "/logs/config-changes", token, page_size="1000").json()
        assert [r["changes"][0]["new"] for r in live["list"][:3]] == [30, 20, 10]
        rebuilt = quorum_cli("projections", "rebuild", "config_changes", data_dir=data_dir)
        assert rebuilt.returncode == 0, rebuilt.stderr
        assert _get(serve, "/logs/config-changes", token, page_size="1000").json() == live
    finally:
        serve.stop()


def test_cli_works_while_nothing_runs(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    added = quorum_cli(
        "admin", "add", "root", "--password-stdin", data_dir=data_dir, stdin="correct horse\n"
    )
    assert added.returncode == 0, added.stderr
    again = quorum_cli(
        "admin", "add", "root", "--password-stdin", data_dir=data_dir, stdin="correct horse\n"
    )
    assert again.returncode == 2
    assert "exists" in again.stderr
    assert "root\tadmin" in quorum_cli("admin", "list", data_dir=data_dir).stdout
    status = quorum_cli("projections", "status", data_dir=data_dir)
    assert "admins" in status.stdout
    assert quorum_cli("events", "replay", data_dir=data_dir).stdout.count("\n") == 1
    assert nats_processes_for(data_dir) == []


def test_events_tail_prints_new_events_as_they_come(serve: ServeProcess) -> None:
    import subprocess
    import sys
    import time

    tail = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "events", "tail", "--data-dir", str(serve.data_dir)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        time.sleep(1.5)  # let it reach the end of the stream
        added = quorum_cli(
            "admin",
            "add",
            "root",
            "--password-stdin",
            data_dir=serve.data_dir,
            stdin="correct horse\n",
        )
        assert added.returncode == 0
        assert tail.stdout is not None
        line = json.loads(tail.stdout.readline())
        assert line["event_type"].endswith("AdminAccount.Created")
        assert line["actor"] == {
            "kind": "system",
            "name": "cli",
            "ip": None,
            "app_name": None,
            "user_agent": None,
            "endpoint_id": None,
        }
        assert line["payload"]["password_hash"] == "[redacted]"
    finally:
        tail.terminate()
        tail.wait(timeout=10)


def test_the_server_records_its_own_starts_and_stops(tmp_path: Path) -> None:
    """§16.1.1 `start` (Medium) and `stop` (High); a start names a run before it that
    never recorded its stop."""
    data_dir = tmp_path / "var"
    serve = ServeProcess(data_dir).start()
    try:
        quorum_cli(
            "admin", "add", "root", "--password-stdin", data_dir=data_dir, stdin="correct horse\n"
        )
        serve.signal(signal.SIGTERM)
        serve.start()
        serve.signal(signal.SIGKILL)
        serve.start()
        token = _login(serve)
        listed = _get(serve, "/logs/events", token, page_size="1000", sort_field="date")
        rows = [r for r in listed.json()["list"] if r["event"] in ("start", "stop")]
    finally:
        serve.stop()
    rows.sort(key=lambda r: r["date"])
    assert [(r["event"], r["source"], r["severity"]) for r in rows] == [
        ("start", "server", "Medium"),
        ("stop", "server", "High"),
        ("start", "server", "Medium"),
        ("start", "server", "Medium"),
    ]
    details = [r["details"] for r in rows]
    details = [json.loads(d) if isinstance(d, str) else d for d in details]
    assert details[0]["previous_run"] is None
    assert details[2]["previous_run"] == details[0]["run_id"]
    assert details[2]["previous_run_stopped"] is True
    assert details[3]["previous_run"] == details[2]["run_id"]
    assert details[3]["previous_run_stopped"] is False  # killed: no stop recorded
