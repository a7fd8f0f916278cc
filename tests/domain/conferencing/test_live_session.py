"""A running session's participants, roles and podium (guide §2.3, §3.3; FEATURES
CONF-04, CONF-05, CONF-07, INT-04), on the in-memory recorder."""

from __future__ import annotations

from typing import Any, cast

import pytest

from domain.conferencing.conferences_service import ConferencesService
from domain.conferencing.parameters import ConferenceFields
from domain.sessions.session import JOINED, WAITING, LiveSession, new_participant_id
from domain.shared.application import QuorumStore
from domain.shared.clock import now
from domain.shared.errors import Conflict
from tests.domain.clock import Clock


def _session(store: QuorumStore, conferences: ConferencesService, **body: Any) -> LiveSession:
    conferences.create(
        cast(ConferenceFields, {"id": "room", "topic": "Room", "owner": "jane", **body})
    )
    session_id = conferences.run("room")
    session: object = store.repository.get(LiveSession.create_id(session_id))
    assert isinstance(session, LiveSession)
    return session


def _join(session: LiveSession, user: str, state: str = JOINED, **extra: Any) -> str:
    pid = new_participant_id()
    session.join(
        {
            "participant_id": pid,
            "user_id": user,
            "display_name": user.title(),
            "kind": "user",
            "endpoint_id": pid * 2,
            "state": state,
            "role": "owner" if user == "jane" else "participant",
            "podium": False,
            "microphone": True,
            "camera": True,
            "interpreter": False,
            "joined_at": now().isoformat(),
            **extra,
        }
    )
    return pid


def test_all_on_screen_everyone_speaks_and_the_podium_is_fixed(
    store: QuorumStore, conferences: ConferencesService
) -> None:
    session = _session(store, conferences, mode="PxP")
    ann, bob = _join(session, "ann"), _join(session, "bob")
    assert session.participants[ann]["podium"] and session.participants[bob]["podium"]
    with pytest.raises(Conflict, match="fixed"):
        session.set_podium(ann, False)


def test_a_lecture_has_the_lecturer_alone_on_the_podium(
    store: QuorumStore, conferences: ConferencesService
) -> None:
    session = _session(store, conferences, mode="OxP")
    jane, ann = _join(session, "jane"), _join(session, "ann")
    assert session.participants[jane]["podium"] and not session.participants[ann]["podium"]
    with pytest.raises(Conflict, match="only the lecturer"):
        session.set_podium(ann, True)


def test_role_based_podiums_are_given_by_moderators_up_to_the_limit(
    store: QuorumStore, conferences: ConferencesService
) -> None:
    session = _session(store, conferences, mode="S|L", max_podiums=2)
    ann, bob, carla = (_join(session, u) for u in ("ann", "bob", "carla"))
    waiting = _join(session, "dave", state=WAITING)
    interpreter = _join(session, "interp1", interpreter=True)
    assert not any(p["podium"] for p in session.present())
    assert session.set_podium(ann, True) and session.set_podium(bob, True)
    with pytest.raises(Conflict, match="all 2 podiums"):
        session.set_podium(carla, True)
    with pytest.raises(Conflict, match="waiting"):
        session.set_podium(waiting, True)
    session.set_podium(bob, False)
    with pytest.raises(Conflict, match="interpreter"):
        session.set_podium(interpreter, True)
    with pytest.raises(Conflict, match="smart meeting"):
        session.speaking(carla)


def test_a_smart_meeting_follows_voice_and_replaces_the_longest_speaker(
    store: QuorumStore, conferences: ConferencesService, clock: Clock
) -> None:
    session = _session(store, conferences, mode="S|L Auto", max_podiums=2)
    ann, bob, carla = (_join(session, u) for u in ("ann", "bob", "carla"))
    assert session.speaking(ann) == [(ann, True)]
    assert session.speaking(bob) == [(bob, True)]
    assert session.speaking(ann) == []  # already there
    assert session.speaking(carla) == [(ann, False), (carla, True)]
    assert [p["user_id"] for p in session.present() if p["podium"]] == ["bob", "carla"]


def test_admission_moderators_leaving_once_and_the_end(
    store: QuorumStore, conferences: ConferencesService
) -> None:
    session = _session(store, conferences, mode="PxP")
    ann = _join(session, "ann", state=WAITING)
    assert not session.participants[ann]["podium"]
    admitted = session.admit(ann)
    assert admitted["state"] == JOINED and admitted["podium"]
    with pytest.raises(Conflict, match="not in the waiting room"):
        session.admit(ann)
    assert session.set_moderator("ann", True) and session.is_moderator("ann")
    assert session.participants[ann]["role"] == "moderator"
    assert not session.set_moderator("ann", True)
    with pytest.raises(Conflict, match="owner"):
        session.set_moderator("jane", False)
    assert session.leave(ann, "hangup", now()) is not None
    assert session.leave(ann, "connection lost", now()) is None  # recorded once
    bob = _join(session, "bob")
    assert [p["participant_id"] for p in session.end("admin", now())] == [bob]
    assert session.end("admin", now()) == []
    with pytest.raises(Conflict, match="ended"):
        _join(session, "carla")
    store.save(session)
    lefts = [e for e in store.events.get(session.id) if isinstance(e, LiveSession.Left)]
    assert [(e.user_id, e.cause) for e in lefts] == [
        ("ann", "hangup"),
        ("bob", "conference ended"),
    ]
