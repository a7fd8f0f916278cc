"""One run of a server process, from its start to its stop (guide §16.1.1: `start`
Medium, `stop` and an administrator's `restart` High in the Events report). A run that
never recorded its stop (the process was killed, the machine lost power) is named by
the next start."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.shared.audited import AuditedAggregate


@dataclass
class ServerRun(AuditedAggregate):
    run_id: str
    host: str
    pid: int
    software_version: str
    previous_run: str | None
    """The run before this one on the same data directory."""
    previous_run_stopped: bool | None
    """False when that run ended without recording its stop."""
    stopped: bool = field(default=False, init=False)

    class Created(AuditedAggregate.Created, AuditedAggregate.Event):
        """Started."""

        run_id: str
        host: str
        pid: int
        software_version: str
        previous_run: str | None
        previous_run_stopped: bool | None

    class Stopped(AuditedAggregate.Event):
        cause: str
        """'signal' (SIGTERM/SIGINT), 'exit' or 'restart'."""

    class RestartOrdered(AuditedAggregate.Event):
        """An administrator restarts the server: its running meetings end (§5.2)."""

        running_meetings: list[str]
        """CIDs of the conferences running when it was ordered: the restart stops them."""

    @staticmethod
    def create_id(run_id: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/quorum/server-runs/{run_id}")

    def stop(self, cause: str) -> None:
        if not self.stopped:
            self._stopped(cause=cause)

    @event(Stopped)
    def _stopped(self, cause: str) -> None:
        self.stopped = True

    def order_restart(self, running_meetings: list[str]) -> None:
        self._restart_ordered(running_meetings=running_meetings)

    @event(RestartOrdered)
    def _restart_ordered(self, running_meetings: list[str]) -> None:
        pass
