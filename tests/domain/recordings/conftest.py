"""Recordings on eventsourcing's in-memory recorder; the bytes in a dict (the in-memory
counterpart of the JetStream Object Store, as the recorder is of the stream)."""

from __future__ import annotations

from typing import BinaryIO

import pytest

from domain.recordings.recordings_service import RecordingsService
from domain.settings.settings_service import SettingsService
from domain.shared.application import QuorumStore
from tests.domain.clock import Clock


class MemoryBytes:
    def __init__(self) -> None:
        self.kept: dict[str, bytes] = {}

    def put(self, file_id: str, data: BinaryIO) -> int:
        self.kept[file_id] = data.read()
        return len(self.kept[file_id])

    def get(self, file_id: str, into: BinaryIO) -> bool:
        if file_id not in self.kept:
            return False
        into.write(self.kept[file_id])
        return True

    def delete(self, file_id: str) -> bool:
        return self.kept.pop(file_id, None) is not None


@pytest.fixture
def files() -> MemoryBytes:
    return MemoryBytes()


@pytest.fixture
def settings(store: QuorumStore) -> SettingsService:
    return SettingsService(store)


@pytest.fixture
def recordings(
    store: QuorumStore, files: MemoryBytes, settings: SettingsService, clock: Clock
) -> RecordingsService:
    return RecordingsService(store, files, settings)
