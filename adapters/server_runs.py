"""`quorum serve` records its own start and stop (issue 7 item 1). The data dir keeps
the ID of its last run, so a start can say whether the run before it stopped cleanly."""

from __future__ import annotations

import os
import socket
import uuid
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from domain.operations.server_run import ServerRun
from domain.shared.actor import SYSTEM, acting_as
from domain.shared.application import QuorumStore, find

LAST_RUN_FILE = "last-run"


class ServerRuns:
    def __init__(self, store: QuorumStore, data_dir: Path) -> None:
        self.store = store
        self.path = data_dir / "run" / LAST_RUN_FILE
        self.current: ServerRun | None = None

    def started(self) -> ServerRun:
        previous_id = self.path.read_text().strip() if self.path.exists() else None
        previous = (
            find(self.store, ServerRun.create_id(previous_id), ServerRun) if previous_id else None
        )
        run_id = uuid.uuid4().hex
        with acting_as(SYSTEM):
            run = ServerRun(
                run_id=run_id,
                host=socket.gethostname(),
                pid=os.getpid(),
                software_version=_version(),
                previous_run=previous_id,
                previous_run_stopped=previous.stopped if previous is not None else None,
            )
            self.store.save(run)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(run_id)
        self.current = run
        return run

    def restart_ordered(self, running_meetings: list[str]) -> None:
        """Recorded with the caller's actor (the administrator)."""
        run = self._current()
        if run is not None:
            run.order_restart(running_meetings)
            self.store.save(run)

    def _current(self) -> ServerRun | None:
        return find(self.store, self.current.id, ServerRun) if self.current else None

    def stopped(self, cause: str) -> None:
        loaded = self._current()
        if loaded is None:
            return
        with acting_as(SYSTEM):
            loaded.stop(cause)
            self.store.save(loaded)
        self.current = None


def _version() -> str:
    try:
        return version("quorum")
    except PackageNotFoundError:
        return "unknown"
