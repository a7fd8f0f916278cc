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
from dataclasses import dataclass
from typing import Any, Protocol

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, Notification
from eventsourcing.utils import get_topic

log = logging.getLogger(__name__)

PAGE = 1000
IDLE_WAIT = 1.0
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
        head = self.source.max_notification_id() or 0
        position = self.projection.position()
        with self._lock:
            for page in self.source.read_forward(position, head, PAGE):
                try:
                    self._apply(page, position)
                except PositionMoved:
                    break  # another runner is ahead: finish page by page below
                position = page[-1].id
                if progress:
                    progress(position, head)
        while self.projection.position() < head:
            self.step()
            if progress:
                progress(self.projection.position(), head)

    def _apply(self, page: Sequence[Notification], position: int) -> None:
        handled = self.projection.handlers
        events = [(n.id, self.mapper.to_domain_event(n)) for n in page if n.topic in handled]
        self.projection.apply(events, after=position, through=page[-1].id)

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
        with self._lock:
            self.projection.reset()
        self.wake_up.set()
        if self._thread is None:
            self.catch_up(progress)

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
        while not self._stop.is_set():
            try:
                applied = self.step()
            except Exception:
                # NATS unreachable or a read-model error: keep the position, try again.
                log.exception("projection %s failed; retrying", self.projection.name)
                self._stop.wait(RETRY_WAIT)
                continue
            if applied == 0:
                self.wake_up.wait(IDLE_WAIT)
                self.wake_up.clear()
