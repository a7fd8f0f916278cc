"""Who waits and who may join a running conference (guide §3.5, §14.3.1, §14.4.6.1;
FEATURES WR-01..08, LIVE-03, WE-12, WE-15), on the in-memory recorder."""

from __future__ import annotations

from typing import Any, cast

import pytest

from domain.conferencing.conference import Conference
from domain.conferencing.conferences_service import ConferencesService
from domain.conferencing.parameters import ConferenceFields
from domain.sessions.admission import (
    ENDPOINT,
    FEDERATED,
    GUEST,
    REGISTRANT,
    USER,
    Joiner,
    check_may_join,
    waits,
)
from domain.shared.errors import Conflict, Forbidden
from tests.domain.conferencing.conftest import webinar

WHO = {
    "owner/moderator": Joiner("jane", "Jane", USER, moderator=True, pre_invited=True),
    "own pre-invited": Joiner("ann", "Ann", USER, moderator=False, pre_invited=True),
    "own not pre-invited": Joiner("bob", "Bob", USER, moderator=False, pre_invited=False),
    "own called after start": Joiner(
        "bob", "Bob", USER, moderator=False, pre_invited=False, invited_live=True
    ),
    "federated pre-invited": Joiner("f@other", "F", FEDERATED, moderator=False, pre_invited=True),
    "federated not pre-invited": Joiner(
        "g@other", "G", FEDERATED, moderator=False, pre_invited=False
    ),
    "guest": Joiner("#guest:1", "Visitor", GUEST, moderator=False, pre_invited=False),
    "registrant": Joiner("#guest2:1", "Reg", REGISTRANT, moderator=False, pre_invited=True),
    "endpoint": Joiner("#sip:room@pbx", "Room", ENDPOINT, moderator=False, pre_invited=False),
}

# WE-12, webinar columns: (all, uninvited+guests, uninvited other servers+guests, guests only)
WEBINAR_TABLE = {
    "owner/moderator": "IN IN IN IN",
    "own pre-invited": "WR IN IN IN",
    "own not pre-invited": "WR WR IN IN",
    "own called after start": "WR WR IN IN",
    "federated pre-invited": "WR IN IN IN",
    "federated not pre-invited": "WR WR WR IN",
    "guest": "WR WR WR WR",
    "registrant": "WR IN IN IN",
    "endpoint": "WR WR WR IN",
}
PUBLIC_CATEGORIES = (
    "all_except_owner_moderators",
    "uninvited_and_guests",
    "uninvited_other_servers_and_guests",
    "guests_only",
)
# Private categories: (all, uninvited (default), uninvited from other servers)
PRIVATE_TABLE = {
    "owner/moderator": "IN IN IN",
    "own pre-invited": "WR IN IN",
    "own not pre-invited": "WR WR IN",
    "federated pre-invited": "WR IN IN",
    "federated not pre-invited": "WR WR WR",
    "endpoint": "WR WR WR",
}
PRIVATE_CATEGORIES = ("all_except_owner_moderators", "uninvited", "uninvited_other_servers")


def _conference(conferences: ConferencesService, **body: Any) -> Conference:
    created = conferences.create(cast(ConferenceFields, body))
    return conferences.get(created.cid)


@pytest.mark.parametrize("who", list(WEBINAR_TABLE))
@pytest.mark.parametrize("column", range(4))
def test_the_webinar_waiting_room_table(
    conferences: ConferencesService, who: str, column: int
) -> None:
    category = PUBLIC_CATEGORIES[column]
    conference = _conference(
        conferences,
        **webinar(id=f"w{column}", waiting_room_enabled=True, waiting_room_category=category),
    )
    expected = WEBINAR_TABLE[who].split()[column] == "WR"
    assert waits(conference, WHO[who]) is expected


@pytest.mark.parametrize("who", list(PRIVATE_TABLE))
@pytest.mark.parametrize("column", range(3))
def test_the_private_waiting_room_table(
    conferences: ConferencesService, who: str, column: int
) -> None:
    category = PRIVATE_CATEGORIES[column]
    conference = _conference(
        conferences,
        id=f"p{column}",
        topic="Board",
        owner="jane",
        waiting_room_enabled=True,
        waiting_room_category=category,
    )
    expected = PRIVATE_TABLE[who].split()[column] == "WR"
    assert waits(conference, WHO[who]) is expected


def test_no_waiting_room_when_it_is_off_and_the_default_category(
    conferences: ConferencesService,
) -> None:
    off = _conference(conferences, id="off", topic="Off", owner="jane")
    assert not any(waits(off, j) for j in WHO.values())
    default = _conference(conferences, id="def", topic="D", owner="jane", waiting_room_enabled=True)
    assert waits(default, WHO["own not pre-invited"]) and not waits(default, WHO["own pre-invited"])


def test_registration_sends_everyone_but_moderators_to_the_waiting_room(
    conferences: ConferencesService,
) -> None:
    """WR-08: with registration on no category applies."""
    conference = _conference(
        conferences,
        **webinar(id="reg", registration={"enabled": True}, waiting_room_enabled=True),
    )
    assert waits(conference, WHO["registrant"]) and waits(conference, WHO["own pre-invited"])
    assert not waits(conference, WHO["owner/moderator"])


def _check(conference: Conference, who: Joiner, pin: str | None = None, present: int = 0) -> None:
    check_may_join(conference, who, pin=pin, present=present, guests_present=0)


def test_pin_lock_access_and_limits(conferences: ConferencesService) -> None:
    conferences.create(
        {
            "id": "board",
            "topic": "Board",
            "owner": "jane",
            "pin": "453861",
            "max_participants": 3,
            "invitations": [{"id": "ann"}],
        }
    )
    conferences.run("board")
    board = conferences.get("board")
    ann = WHO["own pre-invited"]
    with pytest.raises(Forbidden) as missing:
        _check(board, ann)
    assert missing.value.problems[0].reason == "required"
    with pytest.raises(Forbidden) as wrong:
        _check(board, ann, pin="000000")
    assert wrong.value.problems[0].field == "pin"
    _check(board, ann, pin="453861")
    _check(board, WHO["owner/moderator"])  # the owner needs no PIN
    _check(board, WHO["own called after start"])  # called in: no PIN either
    with pytest.raises(Forbidden, match="not invited"):
        _check(board, WHO["own not pre-invited"], pin="453861")
    with pytest.raises(Forbidden, match="signed-in users"):
        _check(board, WHO["guest"])
    with pytest.raises(Conflict, match="full"):
        _check(board, ann, pin="453861", present=3)


def test_a_locked_conference_lets_in_moderators_and_those_called_after_the_lock(
    conferences: ConferencesService,
) -> None:
    """WE-15 / LIVE-03."""
    conferences.create({**webinar(id="web"), "invitations": [{"id": "ann"}]})
    conferences.run("web")
    conferences.set_lock("web", True)
    web = conferences.get("web")
    with pytest.raises(Forbidden, match="locked"):
        _check(web, WHO["own pre-invited"])
    with pytest.raises(Forbidden, match="locked"):
        _check(web, WHO["guest"])
    _check(web, WHO["owner/moderator"])
    after_lock = Joiner(
        "bob",
        "Bob",
        USER,
        moderator=False,
        pre_invited=False,
        invited_live=True,
        invited_while_locked=True,
    )
    _check(web, after_lock)


def test_the_webinar_guest_limit(conferences: ConferencesService) -> None:
    conferences.create(webinar(id="web", guests_limit=2))
    conferences.run("web")
    web = conferences.get("web")
    check_may_join(web, WHO["guest"], pin=None, present=5, guests_present=1)
    with pytest.raises(Conflict, match="guest limit"):
        check_may_join(web, WHO["guest"], pin=None, present=5, guests_present=2)
