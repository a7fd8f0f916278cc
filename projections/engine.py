"""The projection engine: follows the stream and keeps read models up to date.

Each projection records the last stream sequence it applied in the same
transaction as its read-model change, and only if nobody moved it meanwhile
(compare-and-set), so a crash or a second runner never double-applies or skips.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any, Protocol

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, Notification
from eventsourcing.utils import get_topic

log = logging.getLogger(__name__)

PAGE = 1000
CATCH_UP_BATCH = 20_000
"""Stream messages per transaction while catching up: a few large commits, not one
per page (each commit costs a DuckDB or SQLite round of writes)."""
IDLE_WAIT = 1.0
LATE_WAITS = (0.002, 0.005, 0.01, 0.02, 0.05)
"""After a wake-up that found nothing, look again after these pauses: the wake-up (a
plain NATS message) can arrive before JetStream has stored the append."""
RETRY_WAIT = 1.0

Handler = Callable[[int, Any], None]


class EventSource(Protocol):
    """What a runner needs of the event store (the JetStream application recorder)."""

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]: ...

    def max_notification_id(self) -> int | None: ...

    def read_forward(
        self, after: int, until: int, page_size: int = ...
    ) -> Iterator[list[Notification]]: ...


class PositionMoved(Exception):
    """Another runner applied these events first; this batch was rolled back."""


class Projection(ABC):
    """One read model. Subclasses map event classes to handlers with `on`."""

    name: str
    handlers: dict[str, Callable[..., None]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.handlers = {}
        for base in reversed(cls.__mro__):
            for attr in vars(base).values():
                for event_class in getattr(attr, "_projects", ()):
                    cls.handlers[get_topic(event_class)] = attr

    @abstractmethod
    def position(self) -> int:
        """The last stream sequence applied (0 if none)."""

    @abstractmethod
    def apply(
        self, events: list[tuple[int, DomainEventProtocol[Any]]], after: int, through: int
    ) -> None:
        """Apply `events` and move the position from `after` to `through`, in one
        transaction; raise PositionMoved (and change nothing) if it is not at `after`."""

    @abstractmethod
    def reset(self) -> None:
        """Drop the read model and its position (a rebuild replays from 1)."""

    def close(self) -> None:  # noqa: B027 - most projections hold nothing to close
        pass

    def handle(self, seq: int, event: DomainEventProtocol[Any]) -> None:
        self.handlers[get_topic(type(event))](self, seq, event)


def on(*event_classes: type) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Mark a projection method as the handler of these event classes."""

    def mark(method: Callable[..., None]) -> Callable[..., None]:
        method._projects = event_classes  # type: ignore[attr-defined]
        return method

    return mark


@dataclass(frozen=True)
class Status:
    name: str
    position: int
    head: int

    @property
    def lag(self) -> int:
        return max(self.head - self.position, 0)


class ProjectionRunner:
    """Catches one projection up with the stream, then follows it live."""

    def __init__(self, source: EventSource, mapper: Mapper[Any], projection: Projection) -> None:
        self.source = source
        self.mapper = mapper
        self.projection = projection
        self.wake_up = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def step(self) -> int:
        """Apply the next page of events; returns how many stream messages it covered."""
        with self._lock:
            position = self.projection.position()
            page = self.source.select_notifications(position + 1, PAGE)
            if not page:
                return 0
            handled = self.projection.handlers
            events = [(n.id, self.mapper.to_domain_event(n)) for n in page if n.topic in handled]
            try:
                self.projection.apply(events, after=position, through=page[-1].id)
            except PositionMoved:
                return 0
            return page[-1].id - position

    def catch_up(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Apply everything up to the current head of the stream."""
        catch_up_together([self], progress)

    def _apply_batch(
        self,
        batch: Sequence[Notification],
        position: int,
        decoded: dict[int, DomainEventProtocol[Any]],
    ) -> int:
        """Apply the part of `batch` after `position`; `decoded` shares the domain
        events among the projections of one read. Returns the new position."""
        through = batch[-1].id
        if through <= position:
            return position
        handled = self.projection.handlers
        events = []
        for n in batch:
            if n.id > position and n.topic in handled:
                event = decoded.get(n.id)
                if event is None:
                    event = decoded[n.id] = self.mapper.to_domain_event(n)
                events.append((n.id, event))
        self.projection.apply(events, after=position, through=through)
        return through

    def status(self) -> Status:
        return Status(
            self.projection.name,
            self.projection.position(),
            self.source.max_notification_id() or 0,
        )

    def wait_until_applied(self, seq: int, timeout: float) -> bool:
        """Wait until the read model includes stream sequence `seq` (read-your-writes)."""
        deadline = time.monotonic() + timeout
        while self.projection.position() < seq:
            if time.monotonic() >= deadline:
                return False
            self.wake_up.set()
            time.sleep(0.01)
        return True

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> None:
        rebuild_together([self], progress)

    # -- following live, on a thread -------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._follow, name=f"projection-{self.projection.name}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.wake_up.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _follow(self) -> None:
        late = len(LATE_WAITS)
        while not self._stop.is_set():
            try:
                applied = self.step()
            except Exception:
                # NATS unreachable or a read-model error: keep the position, try again.
                log.exception("projection %s failed; retrying", self.projection.name)
                self._stop.wait(RETRY_WAIT)
                continue
            if applied:
                late = 0
            elif late < len(LATE_WAITS):
                self._stop.wait(LATE_WAITS[late])
                late += 1
            else:
                woken = self.wake_up.wait(IDLE_WAIT)
                self.wake_up.clear()
                late = 0 if woken else len(LATE_WAITS)


def rebuild_together(
    runners: Sequence[ProjectionRunner], progress: Callable[[int, int], None] | None = None
) -> None:
    """Drop these read models and replay them from sequence 1, reading the stream once
    for all of them (those following live on their thread catch up there)."""
    for runner in runners:
        with runner._lock:
            runner.projection.reset()
        runner.wake_up.set()
    catch_up_together([r for r in runners if r._thread is None], progress)


def catch_up_together(
    runners: Sequence[ProjectionRunner], progress: Callable[[int, int], None] | None = None
) -> None:
    """Bring projections of one event source up to the head with one read of the
    stream: each notification is decoded once, for every projection that handles it,
    and each projection applies CATCH_UP_BATCH messages per transaction."""
    if not runners:
        return
    source = runners[0].source
    head = source.max_notification_id() or 0
    with ExitStack() as locks:
        for runner in runners:
            locks.enter_context(runner._lock)
        positions = {runner: runner.projection.position() for runner in runners}
        behind = [runner for runner in runners if positions[runner] < head]
        batch: list[Notification] = []
        start = min((positions[r] for r in behind), default=head)
        for page in source.read_forward(start, head, PAGE):
            batch.extend(page)
            if len(batch) < CATCH_UP_BATCH and batch[-1].id < head:
                continue
            through = batch[-1].id
            decoded: dict[int, DomainEventProtocol[Any]] = {}
            for runner in list(behind):
                try:
                    positions[runner] = runner._apply_batch(batch, positions[runner], decoded)
                except PositionMoved:
                    behind.remove(runner)  # another runner is ahead: see below
            batch = []
            if progress:
                progress(through, head)
            if not behind:
                break
    for runner in runners:
        # What another runner got to first, or appended meanwhile: page by page.
        while runner.projection.position() < head:
            runner.step()
            if progress:
                progress(runner.projection.position(), head)
