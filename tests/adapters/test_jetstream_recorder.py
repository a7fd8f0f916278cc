"""The JetStream event store passes eventsourcing's own recorder suites (ARCHITECTURE §2)."""

from __future__ import annotations

from typing import ClassVar
from uuid import uuid4

import pytest
from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    IntegrityError,
    OperationalError,
    StoredEvent,
)
from eventsourcing.tests.persistence import (
    AggregateRecorderTestCase,
    ApplicationRecorderTestCase,
    InfrastructureFactoryTestCase,
)
from eventsourcing.utils import Environment

from adapters.jetstream import JetStreamFactory
from adapters.jetstream.client import EVENTS, SNAPSHOTS, JetStreamClient
from adapters.jetstream.loop import run_sync
from adapters.jetstream.recorders import (
    JetStreamAggregateRecorder,
    JetStreamApplicationRecorder,
)
from adapters.jetstream.subjects import EVENTS_PREFIX, SNAPSHOTS_PREFIX


def fresh_client(url: str) -> JetStreamClient:
    """A connection to freshly created streams, so sequences start at 1."""
    client = JetStreamClient([url])

    async def reset() -> None:
        await client.connect()
        for spec in (EVENTS, SNAPSHOTS):
            await client.delete_stream(spec.name)
            await client.ensure_stream(spec)

    run_sync(reset())
    return client


class NatsTestCase:
    nats_url: ClassVar[str]
    client: JetStreamClient

    @pytest.fixture(autouse=True)
    def _nats(self, nats_url: str) -> None:
        type(self).nats_url = nats_url

    def tearDown(self) -> None:
        client = getattr(self, "client", None)
        if client is not None:
            run_sync(client.close())


class TestAggregateRecorder(NatsTestCase, AggregateRecorderTestCase):
    def create_recorder(self) -> AggregateRecorder:
        self.client = fresh_client(self.nats_url)
        return JetStreamAggregateRecorder(self.client, EVENTS.name, EVENTS_PREFIX)


class TestApplicationRecorder(NatsTestCase, ApplicationRecorderTestCase[ApplicationRecorder]):
    def create_recorder(self) -> ApplicationRecorder:
        self.client = fresh_client(self.nats_url)
        return JetStreamApplicationRecorder(self.client, EVENTS.name, EVENTS_PREFIX)

    def test_insert_subscribe(self) -> None:
        self.optional_test_insert_subscribe()


class TestInfrastructureFactory(NatsTestCase, InfrastructureFactoryTestCase[JetStreamFactory]):
    def setUp(self) -> None:
        self.env = Environment(
            "TestCase",
            {"PERSISTENCE_MODULE": "adapters.jetstream", "QUORUM_NATS_URL": self.nats_url},
        )
        super().setUp()

    def expected_factory_class(self) -> type[JetStreamFactory]:
        return JetStreamFactory

    def expected_aggregate_recorder_class(self) -> type[AggregateRecorder]:
        return JetStreamAggregateRecorder

    def expected_application_recorder_class(self) -> type[ApplicationRecorder]:
        return JetStreamApplicationRecorder

    def expected_tracking_recorder_class(self) -> type:
        raise NotImplementedError

    def tracking_recorder_subclass(self) -> type:
        raise NotImplementedError

    def expected_process_recorder_class(self) -> type:
        raise NotImplementedError

    # Projections keep their positions with their read models (projections/), so the
    # event store offers no tracking or process recorder; it says so clearly.
    def test_create_tracking_recorder(self) -> None:
        with self.assertRaisesRegex(OperationalError, "projections keep their position"):
            self.factory.tracking_recorder()

    def test_create_process_recorder(self) -> None:
        with self.assertRaises(OperationalError):
            self.factory.process_recorder()


def _event(originator_id: object, version: int, topic: str = "m:Thing.Happened") -> StoredEvent:
    return StoredEvent(
        originator_id=originator_id,  # type: ignore[arg-type]
        originator_version=version,
        topic=topic,
        state=b"{}",
    )


def test_stale_writer_in_another_process_gets_integrity_error(nats_url: str) -> None:
    """Two recorders (two API processes) append the same next version: one wins."""
    first = JetStreamApplicationRecorder(fresh_client(nats_url), EVENTS.name, EVENTS_PREFIX)
    second_client = JetStreamClient([nats_url])
    run_sync(second_client.connect())
    second = JetStreamApplicationRecorder(second_client, EVENTS.name, EVENTS_PREFIX)
    aggregate = uuid4()
    first.insert_events([_event(aggregate, 1)])
    assert len(second.select_events(aggregate)) == 1  # second knows version 1
    first.insert_events([_event(aggregate, 2)])
    with pytest.raises(IntegrityError):
        second.insert_events([_event(aggregate, 2)])
    assert [e.originator_version for e in second.select_events(aggregate)] == [1, 2]
    # Knowing nothing of the aggregate is no excuse either: the server checks.
    third_client = JetStreamClient([nats_url])
    run_sync(third_client.connect())
    third = JetStreamApplicationRecorder(third_client, EVENTS.name, EVENTS_PREFIX)
    with pytest.raises(IntegrityError):
        third.insert_events([_event(aggregate, 1)])
    assert third.insert_events([_event(aggregate, 3)]) == [3]
    for c in (first.client, second_client, third_client):
        run_sync(c.close())


def test_a_save_of_several_aggregates_is_all_or_nothing(nats_url: str) -> None:
    recorder = JetStreamApplicationRecorder(fresh_client(nats_url), EVENTS.name, EVENTS_PREFIX)
    a, b = uuid4(), uuid4()
    recorder.insert_events([_event(b, 1)])
    with pytest.raises(IntegrityError):
        recorder.insert_events([_event(a, 1), _event(a, 2), _event(b, 1)])
    assert recorder.select_events(a) == []
    assert recorder.max_notification_id() == 1
    assert recorder.insert_events([_event(a, 1), _event(b, 2), _event(a, 2)]) == [2, 3, 4]
    run_sync(recorder.client.close())


def test_subjects_name_the_aggregate_type(nats_url: str) -> None:
    recorder = JetStreamApplicationRecorder(fresh_client(nats_url), EVENTS.name, EVENTS_PREFIX)
    aggregate = uuid4()
    recorder.insert_events([_event(aggregate, 1, "domain.settings:ServerSettings.Created")])
    (message,), _ = run_sync(recorder.client.direct_get_batch(EVENTS.name, 1, 10))
    assert message.subject == f"quorum.ev.ServerSettings.{aggregate}"
    run_sync(recorder.client.close())


def test_string_ids_with_dots_are_one_subject_token(nats_url: str) -> None:
    recorder = JetStreamApplicationRecorder(fresh_client(nats_url), EVENTS.name, EVENTS_PREFIX)
    recorder.insert_events([_event("a.b c*>", 1)])
    (event,) = recorder.select_events("a.b c*>")
    assert event.originator_id == "a.b c*>"
    assert recorder.select_events("a") == []
    run_sync(recorder.client.close())


def test_snapshots_stream_keeps_only_the_last_per_aggregate(nats_url: str) -> None:
    client = fresh_client(nats_url)
    snapshots = JetStreamAggregateRecorder(client, SNAPSHOTS.name, SNAPSHOTS_PREFIX)
    aggregate = uuid4()
    snapshots.insert_events([_event(aggregate, 5, "eventsourcing.domain:Snapshot")])
    snapshots.insert_events([_event(aggregate, 9, "eventsourcing.domain:Snapshot")])
    assert [e.originator_version for e in snapshots.select_events(aggregate)] == [9]
    assert run_sync(client.last_sequence(SNAPSHOTS.name)) == 2
    run_sync(client.close())


def test_an_aggregate_loads_from_its_snapshot_and_reads_only_later_events(
    nats_url: str,
) -> None:
    """With a snapshot at version 60 of 70, loading reads 10 events, in any process."""
    from dataclasses import dataclass
    from typing import Any

    from eventsourcing.application import Application
    from eventsourcing.domain import Aggregate, event

    @dataclass
    class Counter(Aggregate):
        count: int = 0

        @event("Counted")
        def up(self) -> None:
            self.count += 1

    class Counters(Application[Any]):
        snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Counter: 30}

    fresh_client(nats_url)
    env = {"PERSISTENCE_MODULE": "adapters.jetstream", "QUORUM_NATS_URL": nats_url}
    writer = Counters(env=env)
    counter = Counter()
    for _ in range(69):
        counter.up()
        writer.save(counter)
    reader = Counters(env=env)  # another process: nothing cached
    assert reader.repository.get(counter.id).count == 69
    events_recorder = reader.events.recorder
    read: list[int] = []
    original = events_recorder._read_aggregate  # type: ignore[attr-defined]

    def counting(originator_id: Any, start: int = 1) -> Any:
        messages = original(originator_id, start)
        read.append(len(messages))
        return messages

    events_recorder._read_aggregate = counting  # type: ignore[attr-defined]
    assert reader.repository.get(counter.id).count == 69
    assert read == [10]  # versions 61..70, not all 70
    writer.close()
    reader.close()
