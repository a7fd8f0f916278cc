"""Report reads over NATS request/reply (ARCHITECTURE §4): report replicas
(`quorum projector --reports`, adapters/report_replica.py) each build their own DuckDB
copy of the reports from the stream and answer; the API (QUORUM_REPORTS=nats) asks
through `NatsReports`.

Contract (docs/architecture.md): a request on `quorum.reports.call` (queue group
`quorum-reports`: one replica answers) or `quorum.reports.replica.<id>` (that replica)
is `{"call", "args", "kwargs", "fresh_to", "wait"}` in `projections.report_codec` JSON;
the replica waits up to `wait` seconds for the call's projection to apply stream
sequence `fresh_to`, then replies `{"value", "fresh", "position", "replica"}` (or
`{"error", "replica"}`) to the request's reply subject in parts of at most `PART` bytes,
each with the header `Quorum-Part: <index>/<count>`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, Concatenate, ParamSpec, TypeVar

import nats.errors

from adapters.jetstream.client import JetStreamClient
from adapters.jetstream.loop import run_sync
from projections.report_reads import (
    CODEC,
    FRESHNESS_WAIT,
    Answer,
    ReportReadFailed,
    ReportsUnavailable,
    name_of,
)

CALL_SUBJECT = "quorum.reports.call"
QUEUE = "quorum-reports"
REPLICA_SUBJECT = "quorum.reports.replica"
"""`.<replica id>`: one replica only (to compare replicas, or to ask a given one)."""
PART = 512 * 1024
"""Largest reply message (NATS refuses messages over its max_payload, 1 MiB default)."""
PART_HEADER = "Quorum-Part"
REPLY_MARGIN = 5.0
"""Beyond the freshness wait: the query itself, and the gap between reply parts."""
CALL_LIMIT = 300.0
"""A whole call, however many parts its answer has (a large CSV export)."""
NO_REPLICA = (
    "no report service answered: with QUORUM_REPORTS=nats, start `quorum projector "
    "--reports` (one or more) on this NATS, then try again"
)

P = ParamSpec("P")
T = TypeVar("T")


class NatsReports:
    """Report reads answered by whichever replica of the queue group (or by one)."""

    def __init__(
        self,
        client: JetStreamClient,
        head: Callable[[], int],
        wait: float = FRESHNESS_WAIT,
        replica: str | None = None,
    ) -> None:
        self.client = client
        self.head = head
        self.wait = wait
        self.subject = f"{REPLICA_SUBJECT}.{replica}" if replica else CALL_SUBJECT

    def read(
        self, function: Callable[Concatenate[Any, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> Answer[T]:
        answer: Answer[T] = self.run(name_of(function), args, kwargs, self.head())
        return answer

    def run(
        self, name: str, args: Sequence[Any], kwargs: Mapping[str, Any], fresh_to: int
    ) -> Answer[Any]:
        request = {
            "call": name,
            "args": list(args),
            "kwargs": dict(kwargs),
            "fresh_to": fresh_to,
            "wait": self.wait,
        }
        try:
            reply = run_sync(self._ask(CODEC.dumps(request)), timeout=CALL_LIMIT)
        except FutureTimeout:
            raise ReportsUnavailable(NO_REPLICA) from None
        body = CODEC.loads(reply)
        if "error" in body:
            raise ReportReadFailed(f"report replica {body['replica']}: {body['error']}")
        return Answer(body["value"], body["fresh"], body["position"], body["replica"])

    async def _ask(self, request: bytes) -> bytes:
        nc = self.client.nc
        inbox = nc.new_inbox()
        sub = await nc.subscribe(inbox)
        parts: dict[int, bytes] = {}
        count = 1
        try:
            await nc.publish(self.subject, request, reply=inbox)
            timeout = self.wait + REPLY_MARGIN
            while len(parts) < count:
                msg = await sub.next_msg(timeout=timeout)
                headers = msg.headers or {}
                if headers.get("Status") == "503":  # NATS: nobody subscribes
                    raise ReportsUnavailable(NO_REPLICA)
                index, count = (int(n) for n in headers[PART_HEADER].split("/"))
                parts[index] = msg.data
                timeout = REPLY_MARGIN
        except nats.errors.TimeoutError:
            raise ReportsUnavailable(NO_REPLICA) from None
        finally:
            await sub.unsubscribe()
        return b"".join(parts[i] for i in range(count))
