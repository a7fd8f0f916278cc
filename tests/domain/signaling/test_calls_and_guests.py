"""The ring timeout's use case pushes through the Pushes port, and the guests rule
(§5.4, §13.2.2), on the in-memory store."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from domain.conferencing.invitations import REGISTRANT_PREFIX
from domain.sessions.admission import GUEST, REGISTRANT
from domain.sessions.guests import (
    GUEST_PREFIX,
    Needs,
    check_guest_may,
    kind_of_guest,
    new_guest,
)
from domain.shared.application import QuorumStore
from domain.shared.errors import Forbidden, InvalidInput
from domain.signaling.call import Call, new_session_id
from domain.signaling.calls_service import RingTimeout
from domain.signaling.endpoints_service import StatusChange
from tests.domain.clock import Clock


class RecordedPushes:
    def __init__(self) -> None:
        self.pushed: list[tuple[str, str, dict[str, Any]]] = []

    def push(self, user_id: str, event: str, data: dict[str, Any]) -> None:
        self.pushed.append((user_id, event, data))

    def push_all(self, user_ids: Iterable[str], event: str, data: dict[str, Any]) -> None:
        for user_id in user_ids:
            self.push(user_id, event, data)

    def status(self, change: StatusChange) -> None:
        self.pushed.append((change.user_id, "status", {"new": change.new}))


def _ringing(store: QuorumStore) -> Call:
    call = Call(session_id=new_session_id(), caller="jane", callee="bob", caller_endpoint="E1")
    store.save(call)
    return call


def test_an_unanswered_call_is_missed_once_and_both_parties_hear_it(
    store: QuorumStore, clock: Clock
) -> None:
    pushes = RecordedPushes()
    call = _ringing(store)
    missed = RingTimeout(store, pushes).miss_if_ringing(str(call.id))
    assert missed is not None and (missed.state, missed.outcome) == ("ended", "missed")
    data = {"call_id": str(call.id), "reason": "timeout"}
    assert pushes.pushed == [("jane", "call.missed", data), ("bob", "call.missed", data)]
    assert RingTimeout(store, pushes).miss_if_ringing(str(call.id)) is None
    assert len(pushes.pushed) == 2


def test_an_answered_call_is_not_missed(store: QuorumStore, clock: Clock) -> None:
    pushes = RecordedPushes()
    call = _ringing(store)
    call.accept("E2", clock())
    store.save(call)
    assert RingTimeout(store, pushes).miss_if_ringing(str(call.id)) is None
    assert pushes.pushed == []


def test_a_guest_is_named_or_a_registrant_known_by_the_registration() -> None:
    guest = new_guest("  Visitor ", None)
    assert guest.user_id.startswith(GUEST_PREFIX) and guest.display_name == "Visitor"
    assert kind_of_guest(guest.user_id) == GUEST
    registrant = new_guest(None, f"{REGISTRANT_PREFIX}abc")
    assert (registrant.user_id, registrant.display_name) == (f"{REGISTRANT_PREFIX}abc", None)
    assert kind_of_guest(registrant.user_id) == REGISTRANT
    for name, registrant_id, field in [
        ("", None, "guest_name"),
        (None, None, "guest_name"),
        ("x" * 257, None, "guest_name"),
        ("Visitor", "#guest:abc", "registrant_id"),
    ]:
        with pytest.raises(InvalidInput) as refused:
            new_guest(name, registrant_id)
        assert refused.value.problems[0].field == field


def test_guests_take_part_in_public_conferences_only() -> None:
    check_guest_may(Needs.NOTHING)
    with pytest.raises(Forbidden, match="public conferences only"):
        check_guest_may(Needs.ACCOUNT)
    with pytest.raises(Forbidden, match="no online licence"):
        check_guest_may(Needs.ONLINE_LICENCE)
