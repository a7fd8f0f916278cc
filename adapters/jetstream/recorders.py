"""eventsourcing recorders whose database is a JetStream stream.

- Optimistic concurrency per aggregate: every write carries
  ``Nats-Expected-Last-Subject-Sequence`` for ``quorum.ev.*.<originator_id>``,
  so a stale writer is refused by the server and gets ``IntegrityError``.
- A save of several events is one atomic batch: stored whole or not at all.
- Notification ID = stream sequence.
- The events stream is hash-chained (`adapters.jetstream.chain`): appends of one
  process take turns on the cached tip; a publish made on a stale tip is refused by
  the server (`Nats-Expected-Last-Sequence`) and sent again on the fresh tip.
"""

from __future__ import annotations

import asyncio
import queue
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    IntegrityError,
    Notification,
    OperationalError,
    ProgrammingError,
    StoredEvent,
    Subscription,
)
from nats.aio.msg import Msg

from adapters.jetstream import subjects
from adapters.jetstream.chain import ChainState, Tip, read_tip, stamp, state_of
from adapters.jetstream.client import (
    JetStreamClient,
    OutgoingMessage,
    PublishRejected,
    StoredMessage,
    StoreUnavailable,
    WrongLastSequence,
    delivered_position,
)
from adapters.jetstream.loop import run_sync
from adapters.jetstream.subjects import EventHeader
from adapters.jetstream.subscription import JetStreamSubscription

READ_PAGE = 1000
READ_AHEAD_PAGES = 4
READ_TIMEOUT = 30.0
MAX_CONFLICT_RETRIES = 5
MAX_TIP_RETRIES = 200
"""Publishes refused because another process moved the stream's tip first."""
TIP_BACKOFF = 0.002
HEAD_CACHE_SIZE = 100_000


@dataclass(frozen=True)
class Head:
    """The last stored event of one aggregate: its version and stream sequence."""

    version: int
    seq: int


class JetStreamAggregateRecorder(AggregateRecorder):
    def __init__(
        self,
        client: JetStreamClient,
        stream: str,
        subject_prefix: str,
        snapshots_of: str | None = None,
        chained: bool | None = None,
    ) -> None:
        self.client = client
        self.stream = stream
        self.prefix = subject_prefix
        self.snapshots_of = snapshots_of
        """For a snapshot recorder: the events stream whose positions snapshots carry,
        so that loading an aggregate reads only the events after its snapshot."""
        if chained is None:
            chained = stream == subjects.EVENTS_STREAM
        self.chain: ChainState | None = state_of(client, stream) if chained else None
        self._heads: OrderedDict[UUID | str, Head] = OrderedDict()
        self._heads_lock = threading.Lock()

    # -- writing ---------------------------------------------------------------------

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        self._insert(stored_events)
        return None

    def _insert(self, stored_events: Sequence[StoredEvent]) -> list[int]:
        if not stored_events:
            return []
        by_originator = _group_by_originator(stored_events)
        if self.chain is None:
            return self._publish(stored_events, by_originator, None)
        with self.chain.lock:
            try:
                return self._publish(stored_events, by_originator, self.chain)
            except (OperationalError, ProgrammingError):
                # Maybe stored, maybe not: read the tip again next time.
                self.chain.tip = None
                raise

    def _publish(
        self,
        stored_events: Sequence[StoredEvent],
        by_originator: dict[UUID | str, list[StoredEvent]],
        chain: ChainState | None,
    ) -> list[int]:
        conflicts = tip_moves = 0
        while True:
            messages = self._messages(stored_events, by_originator)
            tip = new_tip = None
            if chain is not None:
                tip = chain.tip or self._call(read_tip(self.client, self.stream))
                messages, new_tip = stamp(messages, tip)
            try:
                last_seq = self._call(self.client.publish(messages))
            except WrongLastSequence:
                last_seq = None
            if last_seq is None:
                if self._after_conflict(chain, tip, by_originator):
                    tip_moves += 1
                    if tip_moves >= MAX_TIP_RETRIES:
                        raise OperationalError("the stream's tip kept moving: too many writers")
                    time.sleep(random.uniform(0, TIP_BACKOFF))
                else:
                    conflicts += 1
                    if conflicts >= MAX_CONFLICT_RETRIES:
                        raise IntegrityError("too many concurrent writers on the same aggregates")
                continue
            if chain is not None:
                chain.tip = new_tip if new_tip is not None and new_tip.seq == last_seq else None
            first_seq = last_seq - len(messages) + 1
            self._remember_heads(stored_events, first_seq)
            return list(range(first_seq, last_seq + 1))

    def _after_conflict(
        self,
        chain: ChainState | None,
        tip: Tip | None,
        by_originator: dict[UUID | str, list[StoredEvent]],
    ) -> bool:
        """After a refused publish: re-read what may be stale; True if the stream's tip
        had moved. Both checks answer alike (err_code 10071), so a moved tip means
        another writer got in first (retry on the new tip), an unmoved one that our
        idea of some aggregate's head was stale: either a real conflict (`_messages`
        raises IntegrityError on the retry) or a retry with the right sequences."""
        moved = False
        if chain is not None and tip is not None:
            chain.tip = self._call(read_tip(self.client, self.stream))
            moved = chain.tip.seq != tip.seq
        for originator_id in by_originator:
            self._refresh_head(originator_id)
        return moved

    def _messages(
        self,
        stored_events: Sequence[StoredEvent],
        by_originator: dict[UUID | str, list[StoredEvent]],
    ) -> list[OutgoingMessage]:
        expected: dict[UUID | str, int] = {}
        for originator_id, events in by_originator.items():
            head = self._head(originator_id)
            if head is not None and events[0].originator_version <= head.version:
                raise IntegrityError(
                    f"version {events[0].originator_version} of {originator_id} "
                    f"already exists (last is {head.version})"
                )
            expected[originator_id] = head.seq if head else 0
        messages = []
        for event in stored_events:
            header = EventHeader(event.originator_id, event.originator_version, event.topic)
            headers = {subjects.H_EVENT: header.encode()}
            if self.snapshots_of is not None:
                seq = self.client.positions.get(
                    (self.snapshots_of, event.originator_id, event.originator_version)
                )
                if seq is not None:
                    headers[subjects.H_EVENT_SEQ] = str(seq)
            # Only the first message per aggregate in a batch can be checked.
            seq = expected.pop(event.originator_id, None)
            if seq is not None:
                headers["Nats-Expected-Last-Subject-Sequence"] = str(seq)
                headers["Nats-Expected-Last-Subject-Sequence-Subject"] = subjects.originator_filter(
                    self.prefix, event.originator_id
                )
            messages.append(
                OutgoingMessage(
                    subject=subjects.event_subject(self.prefix, event.topic, event.originator_id),
                    headers=headers,
                    payload=event.state,
                )
            )
        return messages

    # -- the head cache: saves a round trip per append ------------------------------

    def _head(self, originator_id: UUID | str) -> Head | None:
        with self._heads_lock:
            return self._heads.get(originator_id)

    def _set_head(self, originator_id: UUID | str, head: Head) -> None:
        self.client.positions.put((self.stream, originator_id, head.version), head.seq)
        with self._heads_lock:
            current = self._heads.get(originator_id)
            if current is None or head.seq >= current.seq:
                self._heads[originator_id] = head
                self._heads.move_to_end(originator_id)
            while len(self._heads) > HEAD_CACHE_SIZE:
                self._heads.popitem(last=False)

    def _refresh_head(self, originator_id: UUID | str) -> None:
        last = self._call(
            self.client.direct_get_last(
                self.stream, subjects.originator_filter(self.prefix, originator_id)
            )
        )
        if last is not None:
            self._set_head(originator_id, _head_of(last))

    def _remember_heads(self, stored_events: Sequence[StoredEvent], first_seq: int) -> None:
        for offset, event in enumerate(stored_events):
            self._set_head(event.originator_id, Head(event.originator_version, first_seq + offset))

    # -- reading ---------------------------------------------------------------------

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        start = 1
        if gt is not None:
            known = self.client.positions.get((self.stream, originator_id, gt))
            start = known + 1 if known is not None else 1
        messages = self._read_aggregate(originator_id, start)
        if messages:
            self._set_head(originator_id, _head_of(messages[-1]))
        if self.snapshots_of is not None:
            for message in messages:
                seq = message.headers.get(subjects.H_EVENT_SEQ)
                if seq is not None:
                    version = _head_of(message).version
                    self.client.positions.put((self.snapshots_of, originator_id, version), int(seq))
        events = [_stored_event(m) for m in messages]
        events = [
            e
            for e in events
            if (gt is None or e.originator_version > gt)
            and (lte is None or e.originator_version <= lte)
        ]
        if desc:
            events.reverse()
        return events[:limit] if limit is not None else events

    def _read_aggregate(self, originator_id: UUID | str, start: int = 1) -> list[StoredMessage]:
        subject_filter = subjects.originator_filter(self.prefix, originator_id)
        messages: list[StoredMessage] = []
        while True:
            page, pending = self._call(
                self.client.direct_get_batch(self.stream, start, READ_PAGE, subject_filter)
            )
            messages.extend(page)
            if not page or pending == 0:
                return messages
            start = page[-1].seq + 1

    def _call(self, coro: Any) -> Any:
        try:
            return run_sync(coro)
        except StoreUnavailable as e:
            raise OperationalError(str(e)) from e
        except PublishRejected as e:
            raise ProgrammingError(str(e)) from e


class JetStreamApplicationRecorder(JetStreamAggregateRecorder, ApplicationRecorder):
    def insert_events(  # type: ignore[override]
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        return self._insert(stored_events)

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        if start is None:
            position = 1
        else:
            position = start if inclusive_of_start else start + 1
        position = max(position, 1)
        found: list[Notification] = []
        while len(found) < limit:
            want = limit - len(found) if not topics else READ_PAGE
            if stop is not None:
                want = min(want, stop - position + 1)
            if want <= 0:
                break
            page, pending = self._call(
                self.client.direct_get_batch(self.stream, position, min(want, READ_PAGE))
            )
            for message in page:
                if stop is not None and message.seq > stop:
                    return found
                notification = _notification(message)
                if topics and notification.topic not in topics:
                    continue
                found.append(notification)
                if len(found) == limit:
                    return found
            if not page or pending == 0:
                break
            position = page[-1].seq + 1
        return found

    def max_notification_id(self) -> int | None:
        last = self._call(self.client.last_sequence(self.stream))
        return int(last) or None

    def read_forward(
        self, after: int, until: int, page_size: int = READ_PAGE
    ) -> Iterator[list[Notification]]:
        """Notifications after `after` up to `until`, in pages, read by an ordered
        consumer while the caller works on the previous page (projection catch-up)."""
        if until <= after:
            return
        pages: queue.Queue[list[Notification]] = queue.Queue(maxsize=READ_AHEAD_PAGES)
        closed = threading.Event()
        page: list[Notification] = []

        async def on_message(msg: Msg) -> None:
            nonlocal page
            seq, _ = delivered_position(msg)
            if closed.is_set() or seq > until or not msg.headers:
                return
            page.append(notification_of(seq, msg.headers[subjects.H_EVENT], msg.data))
            if len(page) >= page_size or seq == until:
                full, page = page, []
                await asyncio.get_running_loop().run_in_executor(None, pages.put, full)

        sub = self._call(self.client.follow(f"{self.prefix}.>", after + 1, on_message))
        try:
            while True:
                try:
                    got = pages.get(timeout=READ_TIMEOUT)
                except queue.Empty:
                    raise OperationalError("the stream stopped delivering events") from None
                yield got
                if got[-1].id >= until:
                    return
        finally:
            closed.set()
            while not pages.empty():  # free a callback blocked on a full queue
                pages.get_nowait()
            try:
                run_sync(sub.unsubscribe(), timeout=5)
            except Exception:  # the connection may be gone
                pass

    def on_append(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call `callback` (on the NATS loop thread) whenever events are appended.

        Returns a function that stops listening."""

        async def wake(_: Msg) -> None:
            callback()

        sub = self._call(self.client.nc.subscribe(f"{self.prefix}.>", cb=wake))

        def stop() -> None:
            try:
                run_sync(sub.unsubscribe(), timeout=5)
            except Exception:  # the connection may already be closed
                pass

        return stop

    def subscribe(
        self, gt: int | None = None, topics: Sequence[str] = ()
    ) -> Subscription[ApplicationRecorder]:
        return JetStreamSubscription(self, self.on_append, gt=gt, topics=topics)


def _group_by_originator(
    stored_events: Sequence[StoredEvent],
) -> dict[UUID | str, list[StoredEvent]]:
    grouped: dict[UUID | str, list[StoredEvent]] = {}
    for event in stored_events:
        events = grouped.setdefault(event.originator_id, [])
        if events and event.originator_version <= events[-1].originator_version:
            raise IntegrityError(f"versions of {event.originator_id} must increase within one save")
        events.append(event)
    return grouped


def _head_of(message: StoredMessage) -> Head:
    return Head(
        EventHeader.decode(message.headers[subjects.H_EVENT]).originator_version, message.seq
    )


def _stored_event(message: StoredMessage) -> StoredEvent:
    h = EventHeader.decode(message.headers[subjects.H_EVENT])
    return StoredEvent(
        originator_id=h.originator_id,
        originator_version=h.originator_version,
        topic=h.topic,
        state=message.payload,
    )


def _notification(message: StoredMessage) -> Notification:
    return notification_of(message.seq, message.headers[subjects.H_EVENT], message.payload)


def notification_of(seq: int, event_header: str, payload: bytes) -> Notification:
    h = EventHeader.decode(event_header)
    return Notification(
        id=seq,
        originator_id=h.originator_id,
        originator_version=h.originator_version,
        topic=h.topic,
        state=payload,
    )
