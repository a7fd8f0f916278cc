"""Shared fixtures: a real nats-server per test session, never a mock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.nats_server import EmbeddedNats
from tests.support import RunningApi, reset_streams, running_api


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


@pytest.fixture
def api(nats_url: str, tmp_path: Path) -> Iterator[RunningApi]:
    """The API over real HTTP on a real NATS, on fresh streams and a fresh data dir."""
    reset_streams(nats_url)
    with running_api(nats_url, tmp_path / "var") as running:
        yield running
