"""Append throughput: our event store against nats-py's own synchronous publish.

    .venv/bin/python -m bench.append

For ~300-byte events, on a throw-away nats-server, once with `sync_interval: always`
(production) and once with the default fsync:

- raw: nats-py `await js.publish(...)`, one at a time, to a stream configured like
  QUORUM_EVENTS (its config is copied, only the name and subjects differ);
- app: `QuorumStore.save(aggregate)`, one new aggregate per save (the eventsourcing
  path every command takes: aggregate -> mapper -> recorder -> JetStream);
- recorder: `JetStreamApplicationRecorder.insert_events([one StoredEvent])`, which
  hash-chains the events stream (`adapters/jetstream/chain.py`);
- unchained: the same recorder on a stream with QUORUM_EVENTS's config that is not
  chained: the cost of the chain is recorder / unchained;
- recorder_4t, unchained_4t: the same from 4 threads at once (the chain makes one
  process's appends take turns; without it they share the server's fsync rounds).

The methods take turns in rounds, so a slow moment of the disk is shared among them.
The last line printed is `append_ratio=<app/raw>` with `sync_interval: always`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast
from uuid import uuid4

import nats
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic
from nats.js import api

from adapters.jetstream.client import StreamSpec
from adapters.jetstream.loop import run_sync
from adapters.jetstream.recorders import JetStreamApplicationRecorder
from adapters.jetstream.subjects import EVENTS_STREAM
from bench.common import machine_lines, nats_server, rate, write_section
from domain.shared.application import QuorumStore
from domain.shared.audited import AuditedAggregate

EVENT_BYTES = 300
ROUNDS = 5
PER_ROUND = 1000
WARM_UP = 100
RAW_STREAM = "BENCH_RAW"
RAW_PREFIX = "bench.raw"
PLAIN_STREAM = "BENCH_UNCHAINED"
PLAIN_PREFIX = "bench.plain"
THREADS = 4

METHODS = ("raw", "app", "recorder", "unchained", "recorder_4t", "unchained_4t")
LABELS = {
    "raw": "nats-py `js.publish`, one at a time",
    "app": "`QuorumStore.save(aggregate)`, one per save",
    "recorder": "`recorder.insert_events([event])`, chained",
    "unchained": "the same, without the chain",
    "recorder_4t": f"`recorder.insert_events([event])`, chained, {THREADS} threads",
    "unchained_4t": f"the same, without the chain, {THREADS} threads",
}


class BenchItem(AuditedAggregate):
    """A small audited aggregate: one Created event with a padding field."""

    def __init__(self, body: str) -> None:
        self.body = body


@dataclass
class ModeResult:
    rates: dict[str, float]
    """events/s of each method, over all rounds."""
    round_rates: dict[str, list[float]]
    state_bytes: int

    def ratio(self, method: str) -> float:
        return self.rates[method] / self.rates["raw"]


class RawPublisher:
    """nats-py on its own event loop in this thread: nothing of ours in the way."""

    def __init__(self, url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.nc = self.loop.run_until_complete(nats.connect(url))
        self.js = self.nc.jetstream(timeout=5)
        self.payload = b"x" * EVENT_BYTES
        self.count = 0
        self.loop.run_until_complete(self._add_stream())

    async def _add_stream(self) -> None:
        events = await self.js.stream_info(EVENTS_STREAM)
        config = dataclasses.replace(
            events.config, name=RAW_STREAM, subjects=[f"{RAW_PREFIX}.>"], metadata=None
        )
        if config.storage != api.StorageType.FILE:
            raise AssertionError(f"{EVENTS_STREAM} is not on file storage")
        await self.js.add_stream(config)

    def publish(self, n: int) -> float:
        return self.loop.run_until_complete(self._publish(n))

    async def _publish(self, n: int) -> float:
        js, payload, first = self.js, self.payload, self.count
        started = time.perf_counter()
        for i in range(first, first + n):
            await js.publish(f"{RAW_PREFIX}.{i}", payload)
        elapsed = time.perf_counter() - started
        self.count += n
        return elapsed

    def close(self) -> None:
        self.loop.run_until_complete(self.nc.close())
        self.loop.close()


class OurAppends:
    """The same appends through the eventsourcing application and the recorder."""

    def __init__(self, url: str) -> None:
        self.store = QuorumStore(
            env={"PERSISTENCE_MODULE": "adapters.jetstream", "QUORUM_NATS_URL": url}
        )
        empty = BenchItem("")
        base = len(self.store.mapper.to_stored_event(empty.collect_events()[0]).state)
        self.body = "x" * max(EVENT_BYTES - base, 0)
        probe = BenchItem(self.body)
        self.state = self.store.mapper.to_stored_event(probe.collect_events()[0]).state
        self.state_bytes = len(self.state)
        self.topic = get_topic(BenchItem.Created)
        self.recorder = cast(JetStreamApplicationRecorder, self.store.recorder)
        client = self.recorder.client
        run_sync(client.ensure_stream(StreamSpec(PLAIN_STREAM, [f"{PLAIN_PREFIX}.>"])))
        self.unchained = JetStreamApplicationRecorder(
            client, PLAIN_STREAM, PLAIN_PREFIX, chained=False
        )

    def save(self, n: int) -> float:
        store, body = self.store, self.body
        started = time.perf_counter()
        for _ in range(n):
            store.save(BenchItem(body))
        return time.perf_counter() - started

    def insert(self, n: int, recorder: JetStreamApplicationRecorder | None = None) -> float:
        recorder = recorder or self.recorder
        topic, state = self.topic, self.state
        started = time.perf_counter()
        for _ in range(n):
            recorder.insert_events(
                [StoredEvent(originator_id=uuid4(), originator_version=1, topic=topic, state=state)]
            )
        return time.perf_counter() - started

    def insert_unchained(self, n: int) -> float:
        return self.insert(n, self.unchained)

    def threaded(self, n: int, recorder: JetStreamApplicationRecorder) -> float:
        threads = [
            threading.Thread(target=self.insert, args=(n // THREADS, recorder))
            for _ in range(THREADS)
        ]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.perf_counter() - started

    def close(self) -> None:
        self.store.close()


def measure(sync_always: bool) -> ModeResult:
    with nats_server(sync_always) as server:
        ours = OurAppends(server.url)
        try:
            raw = RawPublisher(server.url)
            try:
                return take_turns(raw, ours)
            finally:
                raw.close()
        finally:
            ours.close()


def take_turns(raw: RawPublisher, ours: OurAppends) -> ModeResult:
    runs: dict[str, Callable[[int], float]] = {
        "raw": raw.publish,
        "app": ours.save,
        "recorder": ours.insert,
        "unchained": ours.insert_unchained,
        "recorder_4t": lambda n: ours.threaded(n, ours.recorder),
        "unchained_4t": lambda n: ours.threaded(n, ours.unchained),
    }
    for run in runs.values():
        run(WARM_UP)
    seconds = dict.fromkeys(METHODS, 0.0)
    round_rates: dict[str, list[float]] = {m: [] for m in METHODS}
    for _ in range(ROUNDS):
        for method, run in runs.items():
            elapsed = run(PER_ROUND)
            seconds[method] += elapsed
            round_rates[method].append(rate(PER_ROUND, elapsed))
    rates = {m: rate(ROUNDS * PER_ROUND, seconds[m]) for m in METHODS}
    return ModeResult(rates, round_rates, ours.state_bytes)


def table(results: dict[bool, ModeResult]) -> list[str]:
    always, default = results[True], results[False]
    lines = [
        "| append, ~300-byte events | `sync_interval: always` | vs raw | default fsync | vs raw "
        "| cost of `always` |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for m in METHODS:
        lines.append(
            f"| {LABELS[m]} | {always.rates[m]:,.0f}/s | {always.ratio(m):.2f} "
            f"| {default.rates[m]:,.0f}/s | {default.ratio(m):.2f} "
            f"| {default.rates[m] / always.rates[m]:.1f}x slower |"
        )
    return lines


def chain_cost(results: dict[bool, ModeResult]) -> str:
    """The hash chain (tamper evidence) as a fraction of the unchained rate."""
    parts = []
    for sync_always, name in ((True, "`always`"), (False, "default fsync")):
        r = results[sync_always].rates
        parts.append(
            f"{name}: {r['recorder'] / r['unchained']:.2f} one at a time, "
            f"{r['recorder_4t'] / r['unchained_4t']:.2f} from {THREADS} threads"
        )
    return (
        "Chained / unchained recorder rate (the cost of the hash chain): " + "; ".join(parts) + "."
    )


def section(results: dict[bool, ModeResult], ratio: float) -> str:
    always = results[True]
    spread = ", ".join(
        f"{m} {min(always.round_rates[m]):,.0f} to {max(always.round_rates[m]):,.0f}/s"
        for m in METHODS
    )
    verdict = "meets" if ratio >= 0.5 else "MISSES"
    return "\n".join(
        [
            "## Appends (`bench/append.py`)",
            "",
            *machine_lines(),
            "",
            f"{ROUNDS} rounds of {PER_ROUND:,} appends per method and fsync setting, the "
            f"methods taking turns (after {WARM_UP} warm-up appends each); a rate is all "
            f"appends over all the time. Events: one `BenchItem.Created` per aggregate "
            f"(`BenchItem` derives from `domain.shared.audited.AuditedAggregate`, so each "
            f"event carries the actor), its stored state {always.state_bytes} bytes; raw "
            f"payloads {EVENT_BYTES} bytes, one new subject each, to a stream with "
            f"QUORUM_EVENTS's config (file storage).",
            "",
            *table(results),
            "",
            f"Per-round spread with `always`: {spread}.",
            "",
            chain_cost(results),
            "",
            f"**append_ratio = {ratio:.2f}** (app / raw, `sync_interval: always`; target "
            f"≥ 0.50: {verdict}).",
        ]
    )


def main() -> None:
    results: dict[bool, ModeResult] = {}
    for sync_always in (True, False):
        name = "always" if sync_always else "default fsync"
        print(f"measuring with sync_interval {name} ...", flush=True)
        results[sync_always] = measure(sync_always)
    print()
    for line in table(results):
        print(line)
    for m in METHODS:
        print(
            f"{m:>8} rounds (always): "
            + ", ".join(f"{r:,.0f}" for r in results[True].round_rates[m])
        )
    print(f"stored event state: {results[True].state_bytes} bytes")
    print(chain_cost(results))
    ratio = results[True].ratio("app")
    doc = write_section("bench.append", section(results, ratio))
    print(f"wrote {doc}")
    print(f"append_ratio={ratio:.2f}")


if __name__ == "__main__":
    main()
