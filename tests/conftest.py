"""Shared fixtures: a real nats-server per test session, never a mock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.nats_server import EmbeddedNats


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedNats]:
    # Tests favour speed: fsync on every append is measured in bench/, not here.
    with EmbeddedNats(tmp_path_factory.mktemp("nats"), sync_always=False) as server:
        yield server


@pytest.fixture(scope="session")
def nats_url(nats_server: EmbeddedNats) -> str:
    return nats_server.url


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "var"
