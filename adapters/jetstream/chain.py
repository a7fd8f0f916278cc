"""Tamper evidence for the events stream (issue 7, item 7): every message carries a
hash chained to the previous message of the stream, in the header `Quorum-Chain`:

    chain(N) = sha256( chain(N-1)              32 bytes; 32 zero bytes before sequence 1
                     || N                       the stream sequence, 8 bytes big-endian
                     || len(subject) || subject          length 4 bytes big-endian, UTF-8
                     || len(event)   || event            the `Quorum-Event` header value
                     || payload )

written as 64 hex digits. The writer computes it inside the atomic batch, and the
first message of each publish carries `Nats-Expected-Last-Sequence: <tip>`, so the
server refuses a publish made on a stale tip and two writers cannot fork the chain.

A recorded purge (`quorum audit purge`) removes messages but keeps their sequences
and hashes in its own event, so `verify_chain` bridges exactly those gaps.

Anyone can recompute sha256: the chain proves the history did not change since a
tip hash was seen. `quorum audit verify` prints the tip; keep it elsewhere too.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from nats.aio.msg import Msg

from adapters.jetstream.client import (
    JetStreamClient,
    OutgoingMessage,
    StoreUnavailable,
    delivered_position,
)
from adapters.jetstream.subjects import H_CHAIN, H_EVENT

GENESIS = bytes(32)
EXPECTED_LAST_SEQUENCE = "Nats-Expected-Last-Sequence"
IDLE_TIMEOUT = 30.0
"""How long `verify_chain` waits for the next message before giving up."""


def link(previous: bytes, seq: int, subject: str, event: str, payload: bytes) -> bytes:
    """The chain hash of message `seq`, given the hash of the message before it."""
    digest = hashlib.sha256(previous)
    digest.update(seq.to_bytes(8, "big"))
    for text in (subject, event):
        raw = text.encode()
        digest.update(len(raw).to_bytes(4, "big"))
        digest.update(raw)
    digest.update(payload)
    return digest.digest()


@dataclass(frozen=True)
class Tip:
    """The last message of the stream: its sequence and chain hash."""

    seq: int
    hash: bytes


@dataclass
class ChainState:
    """One process's view of a stream's tip, and the lock its appends take turns on:
    threads of one process never race each other for the tip."""

    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    tip: Tip | None = None


_states: weakref.WeakKeyDictionary[JetStreamClient, dict[str, ChainState]] = (
    weakref.WeakKeyDictionary()
)
_states_lock = threading.Lock()


def state_of(client: JetStreamClient, stream: str) -> ChainState:
    """The chain state of `stream` shared by every recorder on `client`."""
    with _states_lock:
        return _states.setdefault(client, {}).setdefault(stream, ChainState())


def stamp(messages: Sequence[OutgoingMessage], tip: Tip) -> tuple[list[OutgoingMessage], Tip]:
    """`messages` with their chain headers, as the messages after `tip`; and the new tip."""
    stamped = []
    previous = tip.hash
    for offset, message in enumerate(messages, start=1):
        seq = tip.seq + offset
        previous = link(
            previous, seq, message.subject, message.headers.get(H_EVENT, ""), message.payload
        )
        headers = {**message.headers, H_CHAIN: previous.hex()}
        if offset == 1:
            headers[EXPECTED_LAST_SEQUENCE] = str(tip.seq)
        stamped.append(dataclasses.replace(message, headers=headers))
    return stamped, Tip(tip.seq + len(messages), previous)


async def read_tip(client: JetStreamClient, stream: str) -> Tip:
    last = await client.last_sequence(stream)
    if last == 0:
        return Tip(0, GENESIS)
    found, _ = await client.direct_get_batch(stream, last, 1)
    if found and found[0].seq == last:
        stored = _hash_of(found[0].headers)
        if stored is not None:
            return Tip(last, stored)
    # The last message is gone or has no valid chain header: `verify` names that link;
    # appends go on chaining from here, so they still depend on each other.
    return Tip(last, GENESIS)


def _hash_of(headers: Mapping[str, str] | None) -> bytes | None:
    return _from_hex((headers or {}).get(H_CHAIN))


def _from_hex(value: str | None) -> bytes | None:
    if value is None or len(value) != 64:
        return None
    try:
        return bytes.fromhex(value)
    except ValueError:
        return None


# -- verifying -------------------------------------------------------------------------


@dataclass(frozen=True)
class BrokenLink:
    seq: int
    subject: str | None
    """None for a missing message."""
    why: str


@dataclass(frozen=True)
class ChainReport:
    first_seq: int
    last_seq: int
    """The last sequence checked (the stream's last when the walk started, or --to)."""
    checked: int
    """Messages whose hash was recomputed."""
    bridged: int
    """Sequences crossed because a recorded purge removed them."""
    tip: str
    """The chain hash at `last_seq` (hex)."""
    broken: BrokenLink | None = None


class _Walk:
    """Recomputes the chain message by message; stops at the first broken link."""

    def __init__(self, start: int, end: int, previous: bytes, purged: Mapping[int, str]):
        self.start, self.end = start, end
        self.expected = start
        self.previous = previous
        self.purged = purged
        self.checked = 0
        self.bridged = 0
        self.broken: BrokenLink | None = None

    def bridge(self, until: int) -> bool:
        """Cross the sequences missing before `until`; False at an unrecorded one."""
        while self.expected < min(until, self.end + 1):
            recorded_hash = _from_hex(self.purged.get(self.expected))
            if recorded_hash is None:
                self.broken = BrokenLink(self.expected, None, "missing message (no purge recorded)")
                return False
            self.previous = recorded_hash
            self.bridged += 1
            self.expected += 1
        return True

    def message(self, seq: int, subject: str, headers: Mapping[str, str], payload: bytes) -> bool:
        if not self.bridge(seq):
            return False
        stored = headers.get(H_CHAIN)
        if stored is None:
            self.broken = BrokenLink(seq, subject, "message without a chain header")
            return False
        computed = link(self.previous, seq, subject, headers.get(H_EVENT, ""), payload)
        if computed.hex() != stored:
            self.broken = BrokenLink(seq, subject, "hash mismatch")
            return False
        self.previous = computed
        self.checked += 1
        self.expected = seq + 1
        return True

    def report(self) -> ChainReport:
        return ChainReport(
            self.start, self.end, self.checked, self.bridged, self.previous.hex(), self.broken
        )


async def verify_chain(
    client: JetStreamClient,
    stream: str,
    subject_filter: str,
    start: int = 1,
    end: int | None = None,
    purged: Mapping[int, str] | None = None,
) -> ChainReport:
    """Walk the stream from `start` to `end` (default: its last sequence now) with an
    ordered push consumer and recompute every hash. `purged`: sequence -> chain hash
    of the messages a recorded purge removed."""
    purged = purged or {}
    start = max(start, 1)
    last = await client.last_sequence(stream)
    end = last if end is None else min(end, last)
    anchor = await _anchor(client, stream, start, purged)
    walk = _Walk(start, end, anchor, purged)
    if end < start:
        return walk.report()
    first, _ = await client.direct_get_batch(stream, start, 1)
    if not first or first[0].seq > end:
        walk.bridge(end + 1)
        return walk.report()
    await _follow(client, subject_filter, walk)
    return walk.report()


async def _anchor(
    client: JetStreamClient, stream: str, start: int, purged: Mapping[int, str]
) -> bytes:
    """The chain hash just before `start`, where a walk from the middle begins: the
    stored or recorded hash, else the writer's own rule when its tip had no usable
    hash (see `read_tip`). A walk that covers that message names what is wrong there."""
    if start == 1:
        return GENESIS
    before = start - 1
    found, _ = await client.direct_get_batch(stream, before, 1)
    stored = _hash_of(found[0].headers) if found and found[0].seq == before else None
    return stored or _from_hex(purged.get(before)) or GENESIS


async def _follow(client: JetStreamClient, subject_filter: str, walk: _Walk) -> None:
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    seen = 0

    async def on_message(msg: Msg) -> None:
        nonlocal seen
        if done.done():
            return
        seen += 1
        try:
            seq, pending = delivered_position(msg)
            if seq > walk.end:
                walk.bridge(walk.end + 1)
                done.set_result(None)
                return
            subject = msg.subject
            ok = walk.message(seq, subject, msg.headers or {}, msg.data)
            if not ok or seq >= walk.end:
                done.set_result(None)
            elif pending == 0:  # the rest up to `end` is gone
                walk.bridge(walk.end + 1)
                done.set_result(None)
        except Exception as e:  # nats-py would swallow it
            done.set_exception(e)

    sub = await client.follow(subject_filter, walk.start, on_message)
    try:
        while not done.done():
            before = seen
            await asyncio.wait([done], timeout=IDLE_TIMEOUT)
            if not done.done() and seen == before:
                raise StoreUnavailable(f"the stream stopped delivering after {walk.expected - 1}")
        done.result()
    finally:
        try:
            await sub.unsubscribe()
        except Exception:  # the connection may be gone
            pass
