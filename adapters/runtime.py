"""Who is running on a data directory, and how a command reaches its NATS.

`quorum serve` holds an exclusive lock on `<data-dir>/run/lock` while it runs and
describes itself in `<data-dir>/run/serve.json`. Any other `quorum` command on the
same directory uses that server's NATS; when nothing runs, it takes the lock and
starts its own embedded nats-server for the duration of the command.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

from adapters.nats_server import EmbeddedNats, pid_alive


class DataDirBusy(Exception):
    """Another process owns this data directory."""


@dataclass(frozen=True)
class RunningServer:
    pid: int
    nats_url: str
    http_url: str
    control_subject: str
    """Prefix of the NATS request subjects this server answers (projections...)."""


class DataDir:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.run_dir = self.path / "run"
        self._lock_file: IO[str] | None = None

    @property
    def runtime_file(self) -> Path:
        return self.run_dir / "serve.json"

    def running(self) -> RunningServer | None:
        try:
            info = RunningServer(**json.loads(self.runtime_file.read_text()))
        except (FileNotFoundError, ValueError, TypeError):
            return None
        if not pid_alive(info.pid) or not self._is_locked():
            return None
        return info

    def _is_locked(self) -> bool:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        with open(self.run_dir / "lock", "a") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(f, fcntl.LOCK_UN)
            return False

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        lock = open(self.run_dir / "lock", "a")  # noqa: SIM115 - held for the block
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            raise DataDirBusy(f"{self.path} is in use by another quorum process") from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
            lock.close()

    def announce(self, server: RunningServer) -> None:
        temporary = self.run_dir / ".serve.json.tmp"
        temporary.write_text(json.dumps(asdict(server)))
        os.replace(temporary, self.runtime_file)

    def withdraw(self) -> None:
        self.runtime_file.unlink(missing_ok=True)


@contextmanager
def nats_for_command(data_dir: Path, nats_url: str | None) -> Iterator[str]:
    """The NATS URL a CLI command should use, starting one only if nothing runs."""
    if nats_url:
        yield nats_url
        return
    directory = DataDir(data_dir)
    server = directory.running()
    if server is not None:
        yield server.nats_url
        return
    with directory.exclusive(), EmbeddedNats(data_dir) as nats:
        yield nats.url
