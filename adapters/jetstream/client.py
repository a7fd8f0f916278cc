"""The few JetStream operations the event store needs, on one NATS connection.

Everything here is a coroutine that runs on the background loop
(`adapters.jetstream.loop`). Errors are translated into eventsourcing's
persistence exceptions at the recorder, not here.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import api
from nats.js.errors import NotFoundError

from adapters.jetstream.subjects import (
    EVENTS_PREFIX,
    EVENTS_STREAM,
    SNAPSHOTS_PREFIX,
    SNAPSHOTS_STREAM,
)

REQUEST_TIMEOUT = 5.0
# JetStream's own cap on the messages of one atomic batch (server default).
MAX_BATCH_MESSAGES = 1000
WRONG_LAST_SEQUENCE = {10071, 10164}
NO_STREAM_RETRIES = 5


class StoreUnavailable(Exception):
    """NATS is not reachable or did not answer in time."""


class NoStream(StoreUnavailable):
    """Nothing answered the publish: no stream (yet) for the subject."""


class WrongLastSequence(Exception):
    """A `Nats-Expected-Last-Subject-Sequence` check failed: someone wrote first."""


class PublishRejected(Exception):
    """JetStream refused a publish for another reason."""


@dataclass(frozen=True)
class OutgoingMessage:
    subject: str
    headers: dict[str, str]
    payload: bytes


@dataclass(frozen=True)
class StoredMessage:
    seq: int
    subject: str
    headers: dict[str, str]
    payload: bytes
    time: str


@dataclass(frozen=True)
class StreamSpec:
    name: str
    subjects: list[str]
    keep_last_per_subject: bool = False


EVENTS = StreamSpec(EVENTS_STREAM, [f"{EVENTS_PREFIX}.>"])
SNAPSHOTS = StreamSpec(SNAPSHOTS_STREAM, [f"{SNAPSHOTS_PREFIX}.>"], keep_last_per_subject=True)


class Positions:
    """(stream, originator ID, version) -> stream sequence, for the latest entries."""

    def __init__(self, size: int = 100_000) -> None:
        self._entries: OrderedDict[tuple[str, Any, int], int] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def put(self, key: tuple[str, Any, int], seq: int) -> None:
        with self._lock:
            self._entries[key] = seq
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def get(self, key: tuple[str, Any, int]) -> int | None:
        with self._lock:
            return self._entries.get(key)


class JetStreamClient:
    """A NATS connection plus the event-store operations on it."""

    def __init__(self, servers: Sequence[str], replicas: int = 1) -> None:
        self._servers = list(servers)
        self._replicas = replicas
        self._nc: Client | None = None
        self.positions = Positions()

    @property
    def replicas(self) -> int:
        """Replicas of every stream (and bucket) this client creates."""
        return self._replicas

    @property
    def nc(self) -> Client:
        if self._nc is None:
            raise StoreUnavailable("not connected to NATS")
        return self._nc

    async def connect(self) -> None:
        try:
            self._nc = await nats.connect(
                servers=self._servers,
                connect_timeout=3,
                max_reconnect_attempts=-1,
                reconnect_time_wait=0.5,
                allow_reconnect=True,
                error_cb=_quiet,
                disconnected_cb=_noop,
                reconnected_cb=_noop,
            )
        except Exception as e:  # nats raises several unrelated types here
            raise StoreUnavailable(f"cannot connect to NATS at {self._servers}: {e}") from e

    async def close(self) -> None:
        if self._nc is not None and not self._nc.is_closed:
            await self._nc.drain() if self._nc.is_connected else await self._nc.close()
        self._nc = None

    def is_connected(self) -> bool:
        return self._nc is not None and self._nc.is_connected

    async def ensure_stream(self, spec: StreamSpec) -> None:
        config = api.StreamConfig(
            name=spec.name,
            subjects=spec.subjects,
            storage=api.StorageType.FILE,
            retention=api.RetentionPolicy.LIMITS,
            num_replicas=self._replicas,
            allow_direct=True,
            allow_atomic=True,
            max_msgs_per_subject=1 if spec.keep_last_per_subject else -1,
            discard=api.DiscardPolicy.OLD,
            deny_delete=not spec.keep_last_per_subject,
        )
        js = self.nc.jetstream(timeout=REQUEST_TIMEOUT)
        try:
            await js.stream_info(spec.name)
        except NotFoundError:
            await js.add_stream(config)
        except Exception as e:
            raise StoreUnavailable(str(e)) from e

    async def delete_stream(self, name: str) -> None:
        js = self.nc.jetstream(timeout=REQUEST_TIMEOUT)
        try:
            await js.delete_stream(name)
        except NotFoundError:
            pass

    async def last_sequence(self, stream: str) -> int:
        js = self.nc.jetstream(timeout=REQUEST_TIMEOUT)
        try:
            info = await js.stream_info(stream)
        except Exception as e:
            raise StoreUnavailable(str(e)) from e
        return int(info.state.last_seq)

    async def purge_subject(self, stream: str, subject: str, before_seq: int = 0) -> None:
        """Remove the messages on `subject` (wildcards allowed) stored before `before_seq`
        (0: all); allowed on a stream with deny_delete (a legal erase, `quorum audit purge`)."""
        js = self.nc.jetstream(timeout=REQUEST_TIMEOUT)
        try:
            await js.purge_stream(stream, seq=before_seq, subject=subject)
        except Exception as e:
            raise StoreUnavailable(f"cannot purge {subject}: {e}") from e

    async def publish(self, messages: Sequence[OutgoingMessage]) -> int:
        """Store `messages` atomically; returns the stream sequence of the last one."""
        for attempt in range(NO_STREAM_RETRIES + 1):
            if not self.is_connected():
                raise StoreUnavailable("NATS is not connected")
            try:
                if len(messages) == 1:
                    m = messages[0]
                    reply = await self._request(m.subject, m.payload, m.headers)
                else:
                    reply = await self._publish_batch(messages)
                return _ack_sequence(reply)
            except NoStream:
                # Right after a stream is created a cluster may not route to it yet;
                # nothing was stored, so the whole save can be sent again.
                if attempt == NO_STREAM_RETRIES:
                    raise
                await asyncio.sleep(0.2)
        raise AssertionError("unreachable")

    async def _publish_batch(self, messages: Sequence[OutgoingMessage]) -> Msg:
        if len(messages) > MAX_BATCH_MESSAGES:
            raise PublishRejected(f"a save holds at most {MAX_BATCH_MESSAGES} events")
        batch_id = uuid.uuid4().hex
        last = len(messages)
        for i, m in enumerate(messages[:-1], start=1):
            headers = {**m.headers, "Nats-Batch-Id": batch_id, "Nats-Batch-Sequence": str(i)}
            await self.nc.publish(m.subject, m.payload, headers=headers)
        m = messages[-1]
        headers = {
            **m.headers,
            "Nats-Batch-Id": batch_id,
            "Nats-Batch-Sequence": str(last),
            "Nats-Batch-Commit": "1",
        }
        return await self._request(m.subject, m.payload, headers)

    async def _request(self, subject: str, payload: bytes, headers: dict[str, str]) -> Msg:
        try:
            return await self.nc.request(subject, payload, timeout=REQUEST_TIMEOUT, headers=headers)
        except (nats.errors.TimeoutError, nats.errors.NoRespondersError) as e:
            raise StoreUnavailable(f"JetStream did not acknowledge {subject}") from e
        except nats.errors.ConnectionClosedError as e:
            raise StoreUnavailable("NATS connection closed") from e

    async def follow(
        self, subject: str, start_seq: int, cb: Callable[[Msg], Awaitable[None]]
    ) -> Subscription:
        """An ordered push consumer from `start_seq` on: the fast way to read far
        (a callback per message, no request per page, only the stored headers)."""
        js = self.nc.jetstream(timeout=REQUEST_TIMEOUT)
        try:
            return await js.subscribe(
                subject,
                cb=cb,
                ordered_consumer=True,
                deliver_policy=api.DeliverPolicy.BY_START_SEQUENCE,
                config=api.ConsumerConfig(opt_start_seq=max(start_seq, 1)),
            )
        except Exception as e:
            raise StoreUnavailable(f"cannot read the stream: {e}") from e

    async def direct_get_batch(
        self,
        stream: str,
        start_seq: int,
        batch: int,
        subject_filter: str | None = None,
        start_time: str | None = None,
    ) -> tuple[list[StoredMessage], int]:
        """Up to `batch` messages from `start_seq` (or the first at or after
        `start_time`, RFC 3339) on; also how many more match."""
        request: dict[str, object] = {"batch": batch}
        if start_time is not None:
            request["start_time"] = start_time
        else:
            request["seq"] = max(start_seq, 1)
        if subject_filter:
            request["next_by_subj"] = subject_filter
        return await self._direct_get_many(stream, request)

    async def direct_get_last(self, stream: str, subject_filter: str) -> StoredMessage | None:
        found, _ = await self._direct_get_many(
            stream, {"last_by_subj": subject_filter}, single=True
        )
        return found[0] if found else None

    async def _direct_get_many(
        self, stream: str, request: dict[str, object], single: bool = False
    ) -> tuple[list[StoredMessage], int]:
        nc = self.nc
        if not nc.is_connected:
            raise StoreUnavailable("NATS is not connected")
        received: list[StoredMessage] = []
        pending = 0
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        async def on_message(msg: Msg) -> None:
            nonlocal pending
            if done.done():
                return
            headers = msg.headers or {}
            status = headers.get("Status")
            if status:
                if status in ("204", "404"):
                    done.set_result(None)
                else:
                    done.set_exception(PublishRejected(f"direct get failed: {status}"))
                return
            pending = int(headers.get("Nats-Num-Pending", "0"))
            received.append(
                StoredMessage(
                    seq=int(headers["Nats-Sequence"]),
                    subject=headers["Nats-Subject"],
                    headers=headers,
                    payload=msg.data,
                    time=headers.get("Nats-Time-Stamp", ""),
                )
            )
            if single:
                done.set_result(None)

        inbox = nc.new_inbox()
        sub = await nc.subscribe(inbox, cb=on_message)
        try:
            await nc.publish(
                f"$JS.API.DIRECT.GET.{stream}", json.dumps(request).encode(), reply=inbox
            )
            await asyncio.wait_for(done, REQUEST_TIMEOUT)
        except TimeoutError as e:
            raise StoreUnavailable(f"no answer from stream {stream}") from e
        finally:
            await sub.unsubscribe()
        return received, pending


def delivered_position(msg: Msg) -> tuple[int, int]:
    """(stream sequence, messages pending after it) of a message a consumer delivered,
    read from its reply subject: nats-py's `msg.metadata` costs ~10x more (it builds a
    datetime), which shows when reading a million messages."""
    tokens = msg.reply.split(".")
    if len(tokens) == 9:  # $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<tm>.<pending>
        return int(tokens[5]), int(tokens[8])
    meta = msg.metadata  # the longer form, with domain and account hash
    return meta.sequence.stream, meta.num_pending


def _ack_sequence(reply: Msg) -> int:
    try:
        body = json.loads(reply.data)
    except ValueError as e:
        raise PublishRejected(f"unexpected JetStream reply: {reply.data!r}") from e
    error = body.get("error")
    if error:
        if error.get("err_code") in WRONG_LAST_SEQUENCE:
            raise WrongLastSequence(error.get("description", ""))
        raise PublishRejected(error.get("description", str(error)))
    return int(body["seq"])


async def _quiet(_: Exception) -> None:
    """Connection errors surface through the calls that fail; don't spam stderr."""


async def _noop() -> None:
    pass
