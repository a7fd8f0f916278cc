"""The eventsourcing infrastructure factory for the JetStream event store."""

from __future__ import annotations

import os
import sys

from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    InfrastructureFactory,
    OperationalError,
    ProcessRecorder,
    TrackingRecorder,
)
from eventsourcing.utils import Environment, EnvType, resolve_topic

from adapters.jetstream.client import EVENTS, SNAPSHOTS, JetStreamClient, StoreUnavailable
from adapters.jetstream.loop import run_sync
from adapters.jetstream.recorders import (
    JetStreamAggregateRecorder,
    JetStreamApplicationRecorder,
)
from adapters.jetstream.subjects import EVENTS_PREFIX, SNAPSHOTS_PREFIX

NATS_URL = "QUORUM_NATS_URL"
NATS_REPLICAS = "QUORUM_NATS_REPLICAS"
DEFAULT_NATS_URL = "nats://127.0.0.1:4222"


def nats_servers(value: str) -> list[str]:
    return [s.strip() for s in value.split(",") if s.strip()]


class JetStreamFactory(InfrastructureFactory[TrackingRecorder]):
    """Selected with ``PERSISTENCE_MODULE=adapters.jetstream``.

    Events go to the stream QUORUM_EVENTS, snapshots to QUORUM_SNAPSHOTS. Tracking
    (projection positions) lives with each read model in `projections/`, in the
    same transaction as the read-model change, so this factory records none.
    """

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        url = self.env.get(NATS_URL) or os.environ.get(NATS_URL) or DEFAULT_NATS_URL
        replicas = int(self.env.get(NATS_REPLICAS) or os.environ.get(NATS_REPLICAS) or 1)
        self.client = JetStreamClient(nats_servers(url), replicas=replicas)
        try:
            run_sync(self._open())
        except StoreUnavailable as e:
            raise OperationalError(str(e)) from e

    async def _open(self) -> None:
        await self.client.connect()
        await self.client.ensure_stream(EVENTS)
        await self.client.ensure_stream(SNAPSHOTS)

    def aggregate_recorder(self, purpose: str = "events") -> AggregateRecorder:
        if purpose == "snapshots":
            return JetStreamAggregateRecorder(
                self.client, SNAPSHOTS.name, SNAPSHOTS_PREFIX, snapshots_of=EVENTS.name
            )
        return JetStreamAggregateRecorder(self.client, EVENTS.name, EVENTS_PREFIX)

    def application_recorder(self) -> ApplicationRecorder:
        return JetStreamApplicationRecorder(self.client, EVENTS.name, EVENTS_PREFIX)

    def tracking_recorder(
        self, tracking_recorder_class: type[TrackingRecorder] | None = None
    ) -> TrackingRecorder:
        if tracking_recorder_class is None:
            topic = self.env.get(self.TRACKING_RECORDER_TOPIC)
            if not topic:
                raise OperationalError(
                    "JetStream records no tracking: projections keep their position "
                    "with their read model (set TRACKING_RECORDER_TOPIC to override)"
                )
            tracking_recorder_class = resolve_topic(topic)
        return tracking_recorder_class()

    def process_recorder(self) -> ProcessRecorder:
        raise OperationalError("JetStream offers no process recorder; see tracking_recorder")

    def close(self) -> None:
        # eventsourcing closes again from __del__; at interpreter exit the NATS loop
        # thread is already frozen, and waiting for it cost every CLI command 5 s.
        if not self.client.is_connected() or sys.is_finalizing():
            return
        try:
            run_sync(self.client.close(), timeout=5)
        except Exception:  # closing a dead connection must not raise
            pass
