"""Pure domain rules run on eventsourcing's in-memory recorder, with an injected clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from domain.shared.application import QuorumStore
from domain.shared.clock import using_clock
from tests.domain.clock import Clock


@pytest.fixture
def store() -> Iterator[QuorumStore]:
    store = QuorumStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield store
    store.close()


@pytest.fixture
def clock() -> Iterator[Clock]:
    clock = Clock()
    with using_clock(clock):
        yield clock
