"""Conference management on eventsourcing's in-memory recorder, time from an injected
clock (no sleeping)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest

from domain.conferencing.conferences_service import ConferencesService
from domain.conferencing.parameters import ConferenceFields
from domain.conferencing.runs import ConferenceRuns
from domain.conferencing.templates_service import TemplatesService
from domain.sessions.lifecycle import SessionRecords
from domain.shared.application import QuorumStore
from tests.domain.clock import Clock


class Licence:
    """The public-conferences extension, switchable by a test."""

    def __init__(self) -> None:
        self.public_conferences = True

    def __call__(self) -> bool:
        return self.public_conferences


@pytest.fixture
def licence() -> Licence:
    return Licence()


@pytest.fixture
def conferences(store: QuorumStore, clock: Clock, licence: Licence) -> ConferencesService:
    users = {"jane", "ann", "bob", "carla", "dave", "interp1", "interp2"}
    return ConferencesService(
        store,
        public_conferences_allowed=licence,
        user_exists=lambda user_id: user_id in users,
        runs=ConferenceRuns(store, SessionRecords(store)),
    )


@pytest.fixture
def templates(store: QuorumStore, conferences: ConferencesService) -> TemplatesService:
    return TemplatesService(store, conferences)


def appended(store: QuorumStore) -> int:
    """How many events the store holds (a refused command adds none)."""
    return store.recorder.max_notification_id() or 0


def unix(moment: datetime) -> int:
    return int(moment.timestamp())


def webinar(**overrides: Any) -> ConferenceFields:
    """A public conference once on Tuesday 3 March 2026 10:00-12:00 UTC."""
    fields: ConferenceFields = {
        "topic": "Product webinar",
        "owner": "jane",
        "access": "public",
        "mode": "S|L",
        "schedule": {
            "type": "once",
            "start_time": unix(datetime(2026, 3, 3, 10, 0, tzinfo=UTC)),
            "duration": 2 * 3600,
        },
    }
    return cast(ConferenceFields, {**fields, **overrides})
