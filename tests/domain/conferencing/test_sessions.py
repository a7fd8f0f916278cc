"""Sessions (guide §14.1, §14.3.1; FEATURES ID-08, CONF-11..13, LIVE-03/04, WE-15):
every start is a new session with its own ID; the lock lasts one session; a running
conference is not deleted."""

from __future__ import annotations

import re

import pytest

from domain.conferencing.conference import Conference
from domain.conferencing.conferences_service import ConferencesService
from domain.shared.application import QuorumStore
from domain.shared.errors import Conflict, InvalidInput, NotFound
from tests.domain.clock import Clock
from tests.domain.conferencing.conftest import appended


def test_each_start_is_a_new_session(
    store: QuorumStore, conferences: ConferencesService, clock: Clock
) -> None:
    """ID-08: a new session ID (16 hex digits) at every start of a virtual room."""
    room = conferences.create({"id": "room", "topic": "Room", "owner": "jane"})
    first = conferences.run("room", cause="participant")
    assert re.fullmatch(r"[0-9a-f]{16}", first)
    running = conferences.get("room")
    assert (running.state, running.session_id) == ("running", first)
    assert running.details()["session_id"] == first
    clock.advance(minutes=30)
    assert conferences.stop("room", cause="empty") == first
    second = conferences.run("room")
    assert second != first
    events = [e for e in store.events.get(room.id) if isinstance(e, Conference.SessionStarted)]
    assert [(e.session_id, e.cause) for e in events] == [(first, "participant"), (second, "admin")]
    ended = [e for e in store.events.get(room.id) if isinstance(e, Conference.SessionEnded)]
    assert [(e.session_id, e.cause) for e in ended] == [(first, "empty")]
    assert conferences.get("room").sessions == 2


def test_the_lock_resets_whenever_a_session_ends(conferences: ConferencesService) -> None:
    """§14.3.1 / LIVE-04 / WE-15: relaunched, the conference is unlocked."""
    conferences.create({"id": "room", "topic": "Room", "owner": "jane"})
    conferences.run("room")
    assert conferences.set_lock("room", True).locked
    conferences.stop("room")
    assert conferences.get("room").locked is False
    conferences.run("room")
    assert conferences.get("room").details()["locked"] is False


def test_starting_twice_or_stopping_a_stopped_conference_is_a_conflict(
    store: QuorumStore, conferences: ConferencesService
) -> None:
    conferences.create({"id": "room", "topic": "Room", "owner": "jane"})
    with pytest.raises(Conflict):
        conferences.stop("room")
    conferences.run("room")
    before = appended(store)
    with pytest.raises(Conflict):
        conferences.run("room")
    assert appended(store) == before


def test_causes_are_checked(conferences: ConferencesService) -> None:
    conferences.create({"id": "room", "topic": "Room", "owner": "jane"})
    with pytest.raises(InvalidInput) as bad:
        conferences.run("room", cause="whim")
    assert bad.value.problems[0].field == "cause"


def test_a_running_conference_is_not_deleted(
    store: QuorumStore, conferences: ConferencesService
) -> None:
    """§14.1 / CONF-12."""
    conferences.create({"id": "room", "topic": "Room", "owner": "jane"})
    conferences.run("room")
    before = appended(store)
    with pytest.raises(Conflict):
        conferences.delete("room")
    assert appended(store) == before
    conferences.stop("room")
    conferences.delete("room")
    with pytest.raises(NotFound):
        conferences.get("room")
    again = conferences.create({"id": "ROOM", "topic": "New room", "owner": "bob"})
    assert conferences.get("room").id == again.id, "a deleted conference's CID is free"


def test_unknown_conferences_are_not_found(conferences: ConferencesService) -> None:
    with pytest.raises(NotFound):
        conferences.run("nothing-here")
