"""`quorum projector --reports`: a report replica. It builds its own DuckDB copy of the
reports from the stream and answers report reads over NATS (the contract is in
adapters/report_client.py), in a queue group with the other replicas."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from faststream.nats import NatsBroker

from adapters.bootstrap import event_store, report_projections
from adapters.config import Config
from adapters.jetstream.loop import run_sync
from adapters.jetstream.recorders import JetStreamApplicationRecorder
from adapters.report_client import CALL_SUBJECT, PART, PART_HEADER, QUEUE, REPLICA_SUBJECT
from projections.duck import ReportsDatabase
from projections.engine import catch_up_together, runners_of, start_following
from projections.report_reads import CODEC, LocalReports

MAX_WAIT = 30.0
WORKERS = 8
"""Calls a replica answers at once (one may be waiting for freshness)."""

log = logging.getLogger(__name__)


def replica_path(data_dir: Path, replica_id: str) -> Path:
    """A replica's own DuckDB file (one writer per file)."""
    return data_dir / "replicas" / replica_id / "reports.duckdb"


class ReportReplica:
    """`quorum projector --reports`: the report projections on this replica's DuckDB
    file, following the stream, answering report reads once caught up."""

    def __init__(self, config: Config, nats_url: str, replica_id: str) -> None:
        self.replica_id = replica_id
        self.store = event_store(nats_url)
        recorder = cast(JetStreamApplicationRecorder, self.store.recorder)
        self.recorder = recorder
        self.database = ReportsDatabase(replica_path(config.data_dir, replica_id))
        self.runners = runners_of(
            recorder, self.store.mapper, report_projections(self.database), self.database
        )
        self.reports = LocalReports(
            self.database, self.runners, lambda: recorder.max_notification_id() or 0
        )
        self.broker = NatsBroker(
            [nats_url],
            name=f"quorum-reports-{replica_id}",
            log_level=logging.DEBUG,
            apply_types=False,
            graceful_timeout=5,
        )
        for subject, queue in ((CALL_SUBJECT, QUEUE), (f"{REPLICA_SUBJECT}.{replica_id}", "")):
            self.broker.subscriber(subject, queue=queue, no_reply=True, max_workers=WORKERS)(
                self._on_call
            )
        self._stop_listening: Callable[[], None] | None = None
        self._answering = False

    def position(self) -> int:
        return min(runner.projection.position() for runner in self.runners.values())

    def catch_up(self) -> None:
        catch_up_together(list(self.runners.values()))

    def start(self) -> None:
        """Follow the stream live, then join the queue group (caught up first, so
        the group never routes a call to a replica still far behind)."""
        self._stop_listening = start_following(self.recorder, self.runners.values())
        run_sync(self.broker.start(), timeout=10)
        self._answering = True

    def close(self) -> None:
        if self._answering:
            self._answering = False
            try:
                run_sync(self.broker.stop(), timeout=10)
            except Exception:  # NATS may already be gone
                log.warning("the report replica's NATS connection did not close cleanly")
        if self._stop_listening is not None:
            self._stop_listening()
            self._stop_listening = None
        for runner in self.runners.values():
            runner.stop()
        self.database.close()
        self.store.close()

    async def _on_call(self, _: Any) -> None:
        message = self.broker.context.get_local("message")
        if not message.reply_to:
            return
        reply = await asyncio.to_thread(self.answer, message.body)
        parts = [reply[i : i + PART] for i in range(0, len(reply), PART)] or [b""]
        for index, part in enumerate(parts):
            headers = {PART_HEADER: f"{index}/{len(parts)}"}
            await self.broker.publish(part, message.reply_to, headers=headers)

    def answer(self, request: bytes) -> bytes:
        """The encoded reply to an encoded request."""
        try:
            asked = CODEC.loads(request)
            wait = min(float(asked["wait"]), MAX_WAIT)
            found = self.reports.run(
                asked["call"], asked["args"], asked["kwargs"], int(asked["fresh_to"]), wait
            )
            body = {"value": found.value, "fresh": found.fresh, "position": found.position}
        except Exception as e:
            log.exception("report read failed")
            body = {"error": f"{type(e).__name__}: {e}"}
        return CODEC.dumps({**body, "replica": self.replica_id})
