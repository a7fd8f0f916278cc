"""Helpers for tests that run the real thing: NATS, the API over HTTP, the CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from adapters.bootstrap import QuorumSystem
from adapters.config import Config
from adapters.jetstream.client import EVENTS, SNAPSHOTS, JetStreamClient
from adapters.jetstream.loop import run_sync
from adapters.nats_server import free_port
from api.app import create_app
from domain.shared.actor import SYSTEM, acting_as


def reset_streams(nats_url: str) -> None:
    """Delete and recreate the streams, so each test starts from sequence 1."""
    client = JetStreamClient([nats_url])

    async def reset() -> None:
        await client.connect()
        try:
            for spec in (EVENTS, SNAPSHOTS):
                await client.delete_stream(spec.name)
                await client.ensure_stream(spec)
        finally:
            await client.close()

    run_sync(reset())


def eventually(condition: Callable[[], bool], timeout: float = 10) -> None:
    """Wait until `condition()` holds (something another thread or process does)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.05)


@dataclass
class RunningApi:
    system: QuorumSystem
    base_url: str

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=f"{self.base_url}/api/v4", headers=headers, timeout=30)

    def add_admin(self, name: str, role: str = "admin", password: str = "correct horse") -> None:
        with acting_as(SYSTEM):
            self.system.admins.add(name, role, password)

    def login(self, name: str, password: str = "correct horse") -> str:
        with self.client() as c:
            reply = c.post("/admin/session", json={"login": name, "password": password})
        assert reply.status_code == 200, reply.text
        token: str = reply.json()["access_token"]
        return token

    def admin_token(self, name: str = "root", role: str = "admin") -> str:
        self.add_admin(name, role)
        return self.login(name)

    def user_token(self, user_id: str, password: str = "Secret123") -> str:
        with self.client() as c:
            reply = c.post(
                "/oauth2/token",
                data={
                    "grant_type": "password",
                    "client_id": "quorum-client",
                    "username": user_id,
                    "password": password,
                },
            )
        assert reply.status_code == 200, reply.text
        token: str = reply.json()["access_token"]
        return token

    def head(self) -> int:
        return self.system.recorder.max_notification_id() or 0


ROOMY_LICENCE: dict[str, Any] = {
    "edition": "annual",
    "online": 1000,
    "pro": 1000,
    "guest": 100,
    "gateway": 100,
    "extensions": [
        "federation",
        "interpretation",
        "ldap",
        "public_conferences",
        "sip_gateway",
        "streaming",
    ],
}
"""A registered server with room for every test that is not about licences."""


@contextmanager
def running_api(
    nats_url: str, data_dir: Path, licence: dict[str, Any] | None = ROOMY_LICENCE
) -> Iterator[RunningApi]:
    """`licence=None` leaves the server unregistered (the free edition)."""
    config = Config(data_dir=data_dir, http_port=free_port())
    system = QuorumSystem(config, nats_url)
    system.prepare()
    if licence is not None:
        with acting_as(SYSTEM):
            system.licensing.load(licence)
    system.start_projections()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(system),
            host="127.0.0.1",
            port=config.http_port,
            log_level="warning",
            access_log=False,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield RunningApi(system, f"http://127.0.0.1:{config.http_port}")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        system.close()


def quorum_cli(
    *args: str, data_dir: Path, stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run a `quorum` command as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args, "--data-dir", str(data_dir)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "QUORUM_NATS_URL": ""},
        cwd=Path(__file__).resolve().parents[1],
    )


class ServeProcess:
    """`quorum serve` as a child process, on its own data dir and port; `env` adds
    QUORUM_* settings (QUORUM_NATS_URL: an external NATS instead of its own)."""

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.env = {"QUORUM_NATS_URL": "", **(env or {})}
        self.process: subprocess.Popen[str] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v4"

    def start(self) -> ServeProcess:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cli.main",
                "serve",
                "--data-dir",
                str(self.data_dir),
                "--port",
                str(self.port),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **self.env},
            cwd=Path(__file__).resolve().parents[1],
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            try:
                if httpx.get(f"{self.base_url}/server/status", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError("quorum serve did not start")

    def output(self) -> str:
        if self.process is None or self.process.stdout is None:
            return ""
        if self.process.poll() is None:
            return ""
        return self.process.stdout.read()

    def signal(self, signum: int) -> int:
        assert self.process is not None
        self.process.send_signal(signum)
        code = self.process.wait(timeout=30)
        self.process = None
        return code

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.signal(signal.SIGTERM)
        self.process = None


def nats_processes_for(data_dir: Path) -> list[str]:
    """PIDs of nats-server processes using this data dir's configuration."""
    config = str(data_dir / "nats" / "nats-server.conf")
    found = subprocess.run(["pgrep", "-f", config], capture_output=True, text=True)
    return found.stdout.split()
