"""An administrator's restart (guide §16.1.1 `restart`, §5.2): the running meetings end,
the run records the order and then its stop, and `quorum serve` starts again."""

from __future__ import annotations

import threading
from collections.abc import Callable

from adapters.bootstrap import QuorumSystem
from adapters.server_runs import ServerRuns
from domain.shared.errors import Conflict, DomainError
from projections.conferences import running_conferences

END_CAUSE = "server"


class Restart:
    def __init__(
        self, system: QuorumSystem, runs: ServerRuns, stop_serving: Callable[[], None]
    ) -> None:
        self.system = system
        self.runs = runs
        self.stop_serving = stop_serving
        self._lock = threading.Lock()
        self.requested = False

    def order(self) -> list[str]:
        """Called in the administrator's request (their actor records the order); returns
        the CIDs of the meetings it ended."""
        with self._lock:
            if self.requested:
                raise Conflict("the server is already restarting")
            self.requested = True
        self.system.fresh("conferences")
        running = [row.cid for row in running_conferences(self.system.sql_engine)]
        self.runs.restart_ordered(running)
        ended = []
        for cid in running:
            try:
                self.system.conferences.stop(cid, END_CAUSE)
                ended.append(cid)
            except DomainError:
                pass  # ended or deleted meanwhile
        self.stop_serving()
        return ended
