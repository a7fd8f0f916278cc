"""A server's system (projections included) on fresh streams of the session's NATS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.bootstrap import QuorumSystem
from adapters.config import Config
from tests.support import reset_streams


@pytest.fixture
def system(nats_url: str, tmp_path: Path) -> Iterator[QuorumSystem]:
    reset_streams(nats_url)
    quorum = QuorumSystem(Config(data_dir=tmp_path / "var"), nats_url)
    yield quorum
    quorum.close()
