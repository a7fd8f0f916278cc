"""Reports that scale out (issue 7 item 5): two `quorum projector --reports` replicas
build their own DuckDB copies from the stream and answer report reads over NATS; an API
with QUORUM_REPORTS=nats answers through them exactly as an in-process API does."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import pytest

from adapters.config import Config
from adapters.report_client import NatsReports
from adapters.report_replica import ReportReplica
from projections import call_history, chat_messages, config_changes, endpoints_report, events_report
from projections.report_reads import Answer, ReportReads
from tests.support import RunningApi, running_api
from tests.ws_client import call_chat_and_meeting, people_and_room

REPO = Path(__file__).resolve().parents[2]
READY_WAIT = 60.0


class ReplicaProcess:
    """`quorum projector --reports` as a child process on its own data dir."""

    def __init__(self, data_dir: Path, nats_url: str, replica_id: str) -> None:
        self.data_dir = data_dir
        self.nats_url = nats_url
        self.replica_id = replica_id
        self.process: subprocess.Popen[str] | None = None
        self.lines: queue.Queue[str] = queue.Queue()

    def start(self) -> ReplicaProcess:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cli.main",
                "projector",
                "--reports",
                "--replica-id",
                self.replica_id,
                "--data-dir",
                str(self.data_dir),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "QUORUM_NATS_URL": self.nats_url},
            cwd=REPO,
        )
        # Read the output on a thread: it is kept draining, and the wait can time out.
        stdout = self.process.stdout
        assert stdout is not None
        threading.Thread(target=self._read, args=(stdout,), daemon=True).start()
        seen: list[str] = []
        while True:
            try:
                line = self.lines.get(timeout=READY_WAIT)
            except queue.Empty:
                raise AssertionError(f"replica {self.replica_id} not ready: {seen}") from None
            seen.append(line)
            if "ready" in line:
                return self

    def _read(self, stdout: IO[str]) -> None:
        for line in stdout:
            self.lines.put(line)

    def stop(self) -> int:
        if self.process is None:
            return 0
        process, self.process = self.process, None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        return process.wait(timeout=30)


@pytest.fixture
def replicas(api: RunningApi, nats_url: str, tmp_path: Path) -> Iterator[list[ReplicaProcess]]:
    """Two replicas on the `api` fixture's fresh stream."""
    started: list[ReplicaProcess] = []
    try:
        for replica_id in ("r1", "r2"):
            started.append(ReplicaProcess(tmp_path / replica_id, nats_url, replica_id).start())
        yield started
    finally:
        for replica in started:
            replica.stop()


@pytest.fixture
def remote_api(
    api: RunningApi, nats_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[RunningApi]:
    """A second API on the same stream that asks the replicas (QUORUM_REPORTS=nats);
    the server secrets are the first one's, so its tokens are good here too."""
    data_dir = tmp_path / "remote"
    shutil.copytree(api.system.keystore.directory, data_dir / "secrets")
    monkeypatch.setenv("QUORUM_REPORTS", "nats")
    with running_api(nats_url, data_dir, licence=None) as remote:
        yield remote


def workload(api: RunningApi) -> None:
    """Accounts, settings, sign-ins good and bad, a call, chat and a conference with a
    guest: rows in every report."""
    admin = api.admin_token()
    with api.client(admin) as c:
        people_and_room(c)
    api.system.fresh("directory")
    call_chat_and_meeting(api.base_url)


def direct(api: RunningApi, replica_id: str) -> NatsReports:
    """Report reads to one replica only (its own subject, not the queue group)."""
    return NatsReports(api.system.recorder.client, api.head, replica=replica_id)


REPORT_PATHS = (
    "/logs/events",
    "/logs/events?sort_field=event&sort_order=0&page_size=7&page=2",
    "/logs/events?source=user&event=login&event=authorize",
    "/logs/config-changes",
    "/logs/calls",
    "/logs/chat",
    "/logs/endpoints",
    "/logs/endpoints?connected=false",
)


def test_the_api_answers_through_the_replicas_as_it_does_in_process(
    api: RunningApi, replicas: list[ReplicaProcess], remote_api: RunningApi
) -> None:
    assert remote_api.system.reports is None
    assert "events" not in remote_api.system.runners
    workload(api)
    token = api.login("root")
    with api.client(token) as local, remote_api.client(token) as remote:
        sessions = local.get("/logs/calls").json()["list"]
        assert len(sessions) >= 2
        paths = list(REPORT_PATHS)
        for session in sessions:
            at = f"/logs/calls/{session['session_id']}"
            paths += [at, f"{at}/participants", f"{at}/invites", f"{at}/files"]
        for path in paths:
            mine, theirs = local.get(path), remote.get(path)
            assert mine.status_code == theirs.status_code == 200, (path, theirs.text)
            assert theirs.json() == mine.json(), path
            assert "X-Quorum-Report-Lag" not in theirs.headers
        for path in ("/logs/events/export", "/logs/calls/export", "/logs/chat/export"):
            mine, theirs = local.get(path), remote.get(path)
            assert theirs.status_code == 200 and theirs.text == mine.text, path
        events = remote.get("/logs/events").json()["cnt"]
        assert events > 20

        # Read-your-writes through the replicas: a change is in the next report answer.
        assert remote.patch("/users/ann", json={"first_name": "Annie"}).status_code == 200
        changes = remote.get("/logs/config-changes?object_type=user").json()["list"]
        assert any("Annie" in repr(row["changes"]) for row in changes)
        gone = remote.delete("/logs/endpoints?older_than_days=1")
        assert gone.status_code == 200, gone.text
        rows = remote.get("/logs/events?event=delete_connections").json()["list"]
        assert len(rows) == 1
        assert remote.get("/logs/endpoints").json() == local.get("/logs/endpoints").json()


def sample_calls(api: RunningApi) -> list[tuple[Any, tuple[Any, ...], dict[str, Any]]]:
    """A call of each kind the API makes, with real arguments from the workload."""
    with api.client(api.login("root")) as c:
        session = c.get("/logs/calls").json()["list"][0]["session_id"]
    day = timedelta(days=1)
    since = datetime.now(UTC) - day
    return [
        (events_report.query, ({},), {"paged": False}),
        (
            events_report.query,
            ({"date_from": since, "events": ("login", "authorize")},),
            {"sort_field": "event", "descending": False, "page": 1, "page_size": 5},
        ),
        (events_report.count_matching, ({}, api.head()), {}),
        (config_changes.query, ({},), {"paged": False}),
        (call_history.query, ({},), {"paged": False}),
        (call_history.participants, ({"session_id": session},), {}),
        (call_history.invites, ({"session_id": session},), {}),
        (chat_messages.query, ({},), {"paged": False}),
        (endpoints_report.query, ({},), {"paged": False}),
        (endpoints_report.count_older, (datetime.now(UTC) + day,), {}),
        (endpoints_report.connected_elsewhere, ("no-such-gateway",), {}),
    ]


def test_both_replicas_answer_identically_and_like_the_local_reports(
    api: RunningApi, replicas: list[ReplicaProcess]
) -> None:
    workload(api)
    local: ReportReads = api.system.report_reads
    one, two = direct(api, "r1"), direct(api, "r2")
    for function, args, kwargs in sample_calls(api):
        mine = local.read(function, *args, **kwargs)
        first = one.read(function, *args, **kwargs)
        second = two.read(function, *args, **kwargs)
        assert (first.replica, second.replica) == ("r1", "r2")
        assert first.fresh and second.fresh
        assert min(first.position, second.position) >= mine.position
        # repr: equal values of the same types, down to each datetime's zone.
        assert repr(first.value) == repr(mine.value), function.__name__
        assert repr(second.value) == repr(mine.value), function.__name__
    total, rows = local.read(events_report.query, {}, paged=False).value
    assert total == len(rows) > 20


def test_one_replica_gone_the_other_answers_and_none_is_a_503(
    api: RunningApi, replicas: list[ReplicaProcess], remote_api: RunningApi
) -> None:
    token = api.admin_token()
    first, second = replicas
    with remote_api.client(token) as remote:
        assert remote.get("/logs/events").status_code == 200
        assert first.stop() == 0
        for _ in range(6):  # the queue group has one member left: it takes every call
            answer = remote.get("/logs/config-changes")
            assert answer.status_code == 200, answer.text
        assert remote.post("/groups", json={"display_name": "Late"}).status_code == 201
        rows = remote.get("/logs/config-changes?object_type=group").json()["list"]
        assert "Late" in repr(rows)
        assert second.stop() == 0
        head = api.head()
        for path in ("/logs/events", "/logs/calls/export", "/logs/calls/x/participants"):
            down = remote.get(path)
            assert down.status_code == 503, (path, down.text)
            assert "quorum projector --reports" in down.json()["error"]["message"]
        refused = remote.delete("/logs/endpoints?older_than_days=1")
        assert refused.status_code == 503
        assert api.head() == head, "a refused deletion appends nothing"


def test_a_large_answer_comes_in_parts(
    api: RunningApi, nats_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An answer larger than a NATS message (1 MiB by default) is sent in parts."""
    monkeypatch.setattr("adapters.report_replica.PART", 500)
    workload(api)
    replica = ReportReplica(Config(data_dir=tmp_path / "inproc"), nats_url, "inproc")
    try:
        replica.catch_up()
        replica.start()
        found: Answer[tuple[int, list[dict[str, Any]]]] = direct(api, "inproc").read(
            events_report.query, {}, paged=False
        )
    finally:
        replica.close()
    mine = api.system.report_reads.read(events_report.query, {}, paged=False)
    assert len(repr(found.value)) > 10 * 500
    assert repr(found.value) == repr(mine.value)


def test_a_projector_needs_its_reports_flag_and_a_nats(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "cli.main", "projector", "--data-dir", str(tmp_path)]
    env = {**os.environ, "QUORUM_NATS_URL": ""}
    nothing = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO)
    assert nothing.returncode == 2 and "--reports" in nothing.stderr
    no_nats = subprocess.run(
        [*command, "--reports"], capture_output=True, text=True, env=env, cwd=REPO
    )
    assert no_nats.returncode == 2 and "QUORUM_NATS_URL" in no_nats.stderr


def test_no_replica_is_a_clear_503(api: RunningApi, remote_api: RunningApi) -> None:
    token = api.admin_token()
    with remote_api.client(token) as remote:
        down = remote.get("/logs/chat")
    assert down.status_code == 503
    assert "no report service answered" in down.json()["error"]["message"]
