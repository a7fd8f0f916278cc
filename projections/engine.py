"""The projection engine: follows the stream and keeps read models up to date.

Each projection records the last stream sequence it applied in the same
transaction as its read-model change, and only if nobody moved it meanwhile
(compare-and-set), so a crash or a second runner never double-applies or skips.

A `Follower` keeps several projections of one event source up to date on one thread:
each wake-up reads the new part of the stream once, decodes each notification once,
and applies it to all of them, in one transaction when they share a database (the
DuckDB reports). A `ProjectionRunner` is one projection's handle on its follower.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
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
"""After a look that found nothing, look again after these pauses (sooner when woken,
but not before the first): the wake-up (a plain NATS message) can arrive before
JetStream has stored the append."""
RETRY_WAIT = 1.0
POLL = 0.05
"""How often a read-your-writes wait looks at the position when no commit of its
follower wakes it (another process or runner may move it)."""

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

    def on_append(self, callback: Callable[[], None]) -> Callable[[], None]: ...


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


Events = list[tuple[int, DomainEventProtocol[Any]]]
Part = tuple[Projection, Events, int, int]
"""One projection's share of a batch: its events, and the positions it moves from and to."""


class Transactions(Protocol):
    """How a follower's projections read their positions and commit a batch."""

    shared: bool
    """Whether `apply_together` commits all parts in one transaction."""

    def positions(self, projections: Sequence[Projection]) -> list[int]: ...

    def apply_together(self, parts: Sequence[Part]) -> None:
        """Apply every part; raise PositionMoved if a projection was not at its `after`
        (when `shared`, nothing of any part stays then)."""


class Separately:
    """Each projection in its own transaction (read models in different databases)."""

    shared = False

    def positions(self, projections: Sequence[Projection]) -> list[int]:
        return [projection.position() for projection in projections]

    def apply_together(self, parts: Sequence[Part]) -> None:
        for projection, events, after, through in parts:
            projection.apply(events, after, through)


@dataclass(frozen=True)
class Status:
    name: str
    position: int
    head: int

    @property
    def lag(self) -> int:
        return max(self.head - self.position, 0)


class Follower:
    """Follows the stream live for several projections of one event source, on one
    thread: one read per look, each notification decoded once, committed through
    `transactions` (one transaction for all when they share a database)."""

    def __init__(
        self,
        source: EventSource,
        mapper: Mapper[Any],
        projections: Sequence[Projection],
        transactions: Transactions | None = None,
    ) -> None:
        self.source = source
        self.mapper = mapper
        self.projections = list(projections)
        self.transactions: Transactions = transactions or Separately()
        self.wake_up = threading.Event()
        self.lock = threading.Lock()
        """Held while applying: one writer per follower (catch-up, rebuild, live)."""
        self.applied = threading.Condition()
        self.commits = 0
        """Counts commits (under `applied`): read-your-writes waits wake on a change."""
        self._known: list[int] | None = None
        """The positions after this follower's last look (None: read them), so that a
        look finding nothing costs no query. Stale is safe: the compare-and-set refuses
        the next batch, and the positions are read again."""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def name(self) -> str:
        return "+".join(p.name for p in self.projections)

    @property
    def following(self) -> bool:
        return self._thread is not None

    def step(self, limit: int = PAGE) -> int:
        """Apply the next page of events to every projection behind; returns how many
        stream messages it covered (0: nothing new, or another runner was first)."""
        with self.lock:
            positions = self._known or self.transactions.positions(self.projections)
            self._known = None
            start = min(positions)
            page = self.source.select_notifications(start + 1, limit)
            if not page:
                self._known = positions
                return 0
            decoded: dict[int, DomainEventProtocol[Any]] = {}
            parts = [
                part
                for projection, position in zip(self.projections, positions, strict=True)
                if (part := self.part(projection, page, position, decoded)) is not None
            ]
            try:
                self.transactions.apply_together(parts)
            except PositionMoved:
                return 0
            finally:
                self.committed()
            moved = {projection: through for projection, _, _, through in parts}
            self._known = [
                moved.get(p, at) for p, at in zip(self.projections, positions, strict=True)
            ]
            return page[-1].id - start

    def forget_positions(self) -> None:
        """Read the positions again at the next look (they were changed elsewhere)."""
        self._known = None

    def part(
        self,
        projection: Projection,
        batch: Sequence[Notification],
        position: int,
        decoded: dict[int, DomainEventProtocol[Any]],
    ) -> Part | None:
        """`projection`'s share of `batch` after `position` (None if it has it all);
        `decoded` shares the domain events among the projections of one read."""
        through = batch[-1].id
        if through <= position:
            return None
        handled = projection.handlers
        events = []
        for n in batch:
            if n.id > position and n.topic in handled:
                event = decoded.get(n.id)
                if event is None:
                    event = decoded[n.id] = self.mapper.to_domain_event(n)
                events.append((n.id, event))
        return projection, events, position, through

    def committed(self) -> None:
        with self.applied:
            self.commits += 1
            self.applied.notify_all()

    # -- following live, on a thread -------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._follow, name=f"projection-{self.name}", daemon=True
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
            self.wake_up.clear()
            try:
                applied = self.step()
            except Exception:
                # NATS unreachable or a read-model error: keep the positions, try again.
                log.exception("projections %s failed; retrying", self.name)
                self._stop.wait(RETRY_WAIT)
                continue
            if applied:
                late = 0
                continue
            if late < len(LATE_WAITS):
                timeout = LATE_WAITS[late]
                late += 1
            else:
                timeout = IDLE_WAIT
            # Never two empty looks in a row without a pause: an atomic batch wakes us
            # once per message, all before it is stored.
            pause = LATE_WAITS[0]
            self._stop.wait(pause)
            if self.wake_up.wait(timeout - pause):
                late = 0  # an append: look now, and again soon if it is not stored yet


class ProjectionRunner:
    """One projection's handle: its status, read-your-writes waits, catch-up and
    rebuild. It follows live through its `Follower`, its own or one it shares with
    other projections (then `start` and `stop` start and stop them all)."""

    def __init__(
        self,
        source: EventSource,
        mapper: Mapper[Any],
        projection: Projection,
        follower: Follower | None = None,
    ) -> None:
        self.source = source
        self.mapper = mapper
        self.projection = projection
        self.follower = follower or Follower(source, mapper, [projection])
        if projection not in self.follower.projections:
            raise ValueError(f"{projection.name} is not one of {self.follower.name}")

    @property
    def wake_up(self) -> threading.Event:
        return self.follower.wake_up

    def step(self) -> int:
        """Apply the next page of events (to every projection of the follower)."""
        return self.follower.step()

    def catch_up(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Apply everything up to the current head of the stream."""
        catch_up_together([self], progress)

    def status(self) -> Status:
        return Status(
            self.projection.name,
            self.projection.position(),
            self.source.max_notification_id() or 0,
        )

    def wait_until_applied(self, seq: int, timeout: float) -> bool:
        """Wait until the read model includes stream sequence `seq` (read-your-writes):
        woken by each commit of the follower, or every POLL."""
        follower = self.follower
        deadline = time.monotonic() + timeout
        while True:
            with follower.applied:
                commits = follower.commits
            if self.projection.position() >= seq:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            follower.wake_up.set()
            with follower.applied:
                if follower.commits == commits:
                    follower.applied.wait(min(remaining, POLL))

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> None:
        rebuild_together([self], progress)

    def start(self) -> None:
        self.follower.start()

    def stop(self) -> None:
        self.follower.stop()


def runners_of(
    source: EventSource,
    mapper: Mapper[Any],
    projections: Sequence[Projection],
    transactions: Transactions | None = None,
) -> dict[str, ProjectionRunner]:
    """Runners of `projections` sharing one follower, by projection name."""
    follower = Follower(source, mapper, projections, transactions)
    return {p.name: ProjectionRunner(source, mapper, p, follower) for p in projections}


def followers_of(runners: Iterable[ProjectionRunner]) -> list[Follower]:
    """The distinct followers of `runners`, in one fixed order (locks are taken in it)."""
    found = {id(r.follower): r.follower for r in runners}
    return [found[key] for key in sorted(found)]


def start_following(source: EventSource, runners: Iterable[ProjectionRunner]) -> Callable[[], None]:
    """Follow the stream live: every follower of `runners` on its thread, woken by
    each append. Returns a function that stops them."""
    followers = followers_of(runners)

    def wake_all() -> None:
        for follower in followers:
            follower.wake_up.set()

    stop_listening = source.on_append(wake_all)
    for follower in followers:
        follower.start()

    def stop() -> None:
        stop_listening()
        for follower in followers:
            follower.stop()

    return stop


def rebuild_together(
    runners: Sequence[ProjectionRunner], progress: Callable[[int, int], None] | None = None
) -> None:
    """Drop these read models and replay them from sequence 1, reading the stream once
    for all of them (those following live catch up on their follower's thread)."""
    for runner in runners:
        with runner.follower.lock:
            runner.projection.reset()
            runner.follower.forget_positions()
        runner.follower.wake_up.set()
    catch_up_together([r for r in runners if not r.follower.following], progress)


def catch_up_together(
    runners: Sequence[ProjectionRunner], progress: Callable[[int, int], None] | None = None
) -> None:
    """Bring projections of one event source up to the head with one read of the
    stream: each notification is decoded once, for every projection that handles it,
    and CATCH_UP_BATCH messages are applied per transaction (one transaction for the
    projections of a follower that shares one)."""
    if not runners:
        return
    source = runners[0].source
    head = source.max_notification_id() or 0
    followers = followers_of(runners)
    with ExitStack() as locks:
        for follower in followers:
            locks.enter_context(follower.lock)
        behind = {f: _behind(f, [r for r in runners if r.follower is f], head) for f in followers}
        positions = {p: position for found in behind.values() for p, position in found.items()}
        batch: list[Notification] = []
        start = min(positions.values(), default=head)
        for page in source.read_forward(start, head, PAGE):
            batch.extend(page)
            if len(batch) < CATCH_UP_BATCH and batch[-1].id < head:
                continue
            through = batch[-1].id
            decoded: dict[int, DomainEventProtocol[Any]] = {}
            for follower, found in behind.items():
                follower.forget_positions()
                _apply_batch(follower, found, batch, decoded)
            batch = []
            if progress:
                progress(through, head)
            if not any(behind.values()):
                break
    for runner in runners:
        # What another runner got to first, or appended meanwhile: page by page.
        while runner.projection.position() < head:
            runner.step()
            if progress:
                progress(runner.projection.position(), head)


def _behind(
    follower: Follower, runners: Sequence[ProjectionRunner], head: int
) -> dict[Projection, int]:
    """The positions of these runners' projections that are behind `head`."""
    projections = list(dict.fromkeys(r.projection for r in runners))
    positions = follower.transactions.positions(projections)
    return {p: at for p, at in zip(projections, positions, strict=True) if at < head}


def _apply_batch(
    follower: Follower,
    positions: dict[Projection, int],
    batch: Sequence[Notification],
    decoded: dict[int, DomainEventProtocol[Any]],
) -> None:
    """Apply `batch` to the projections in `positions` and move them; a projection
    another runner moved first leaves `positions` (the caller finishes it page by page)."""
    projections = list(positions)
    units = [projections] if follower.transactions.shared else [[p] for p in projections]
    for unit in units:
        parts = [
            part
            for p in unit
            if (part := follower.part(p, batch, positions[p], decoded)) is not None
        ]
        if not parts:
            continue
        try:
            follower.transactions.apply_together(parts)
        except PositionMoved:
            for p in unit:
                del positions[p]
            continue
        for projection, _, _, through in parts:
            positions[projection] = through
    follower.committed()
