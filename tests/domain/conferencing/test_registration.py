"""Webinar registration (guide §14.4.8, §14.4.6.1; FEATURES REGN-01..09, WR-08):
the form, the close policy, the capacity, and registrants joining the invitations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from domain.conferencing.conference import Conference
from domain.conferencing.conferences_service import ConferencesService
from domain.conferencing.parameters import ConferenceFields
from domain.shared.application import QuorumStore
from domain.shared.errors import AlreadyExists, Conflict, InvalidInput
from tests.domain.clock import Clock
from tests.domain.conferencing.conftest import appended, unix, webinar

START = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
"""The webinar's start (it lasts two hours)."""

FORM = {
    "display_name": {"index": 0, "is_required": True},
    "email": {"index": 1, "is_required": True},
    "company": {"index": 2, "is_required": False},
    "Industry": {"index": 3, "is_required": True},
}


def registering(body: ConferenceFields | None = None, **registration: Any) -> ConferenceFields:
    """The webinar `launch` with registration on (and `registration` settings), plus
    other `body` fields."""
    return webinar(id="launch", registration={"enabled": True, **registration}, **(body or {}))


def create_refused(
    store: QuorumStore, conferences: ConferencesService, body: ConferenceFields
) -> list[str]:
    before = appended(store)
    with pytest.raises(InvalidInput) as refusal:
        conferences.create(body)
    assert appended(store) == before
    return [p.field for p in refusal.value.problems]


def guest(name: str = "Boris Bronson", email: str = "boris@example.com") -> dict[str, str]:
    return {"display_name": name, "email": email}


def test_registrants_join_the_invitations_with_guest2_ids(
    store: QuorumStore, conferences: ConferencesService
) -> None:
    """§14.4.8 / REGN-07: the invited list shows `#guest2:` IDs."""
    conference = conferences.create(registering({"invitations": [{"id": "bob"}]}))
    registrant = conferences.register("launch", guest())
    assert registrant["id"].startswith("#guest2:")
    assert registrant["answers"] == guest()
    invited = conferences.get("launch").invitations
    assert invited[-1] == {
        "id": registrant["id"],
        "display_name": "Boris Bronson",
        "is_moderator": False,
    }
    registered = list(store.events.get(conference.id))[-1]
    assert isinstance(registered, Conference.Registered)
    assert registered.registrant == registrant


def test_registration_is_off_by_default_and_refused_then(
    conferences: ConferencesService,
) -> None:
    conferences.create(webinar(id="launch"))
    with pytest.raises(Conflict):
        conferences.register("launch", guest())


def test_closed_at_the_start(conferences: ConferencesService, clock: Clock) -> None:
    conferences.create(registering(close="at_start"))
    conferences.register("launch", guest())
    clock.set(START)
    with pytest.raises(Conflict, match="closed"):
        conferences.register("launch", guest("Late", "late@example.com"))


def test_closed_at_the_end(conferences: ConferencesService, clock: Clock) -> None:
    conferences.create(registering(close="at_end"))
    clock.set(START)
    conferences.register("launch", guest())
    clock.advance(hours=2)
    with pytest.raises(Conflict, match="closed"):
        conferences.register("launch", guest("Late", "late@example.com"))


def test_a_custom_registration_period(conferences: ConferencesService, clock: Clock) -> None:
    """§14.4.8: 'Custom date and time' with a start and an end."""
    opens = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    conferences.create(registering(close="custom", start_at=unix(opens), end_at=unix(START)))
    with pytest.raises(Conflict, match="closed"):
        conferences.register("launch", guest())
    clock.set(opens)
    conferences.register("launch", guest())


def test_closed_when_the_limit_is_reached(
    store: QuorumStore, conferences: ConferencesService
) -> None:
    """REGN-04: owner + one invitee + one registrant = the limit of 3."""
    conferences.create(
        registering(
            {"invitations": [{"id": "bob"}]}, participants_limit_enabled=True, participants_limit=3
        )
    )
    conferences.register("launch", guest())
    before = appended(store)
    with pytest.raises(Conflict, match="full"):
        conferences.register("launch", guest("Second", "second@example.com"))
    assert appended(store) == before


def test_never_beyond_max_participants(conferences: ConferencesService) -> None:
    conferences.create(registering({"max_participants": 3, "invitations": [{"id": "bob"}]}))
    conferences.register("launch", guest())
    with pytest.raises(Conflict, match="full"):
        conferences.register("launch", guest("Second", "second@example.com"))


def test_the_form_decides_what_a_registrant_gives(
    store: QuorumStore, conferences: ConferencesService
) -> None:
    """§14.4.8 item 5-6: standard and custom fields, each required or not."""
    conferences.create(registering(fields=FORM))
    before = appended(store)
    with pytest.raises(InvalidInput) as missing:
        conferences.register(
            "launch", {"display_name": "Ann", "email": "not-an-address", "shoe_size": "42"}
        )
    assert sorted(p.field for p in missing.value.problems) == ["Industry", "email", "shoe_size"]
    assert appended(store) == before
    registrant = conferences.register(
        "launch", {"display_name": "Ann", "email": "ann@example.com", "Industry": "Retail"}
    )
    assert registrant["answers"]["Industry"] == "Retail"
    with pytest.raises(AlreadyExists) as twice:
        conferences.register(
            "launch", {"display_name": "Ann", "email": "ANN@example.com", "Industry": "Retail"}
        )
    assert twice.value.problems[0].field == "email"


def test_the_form_is_fixed_after_creation(
    store: QuorumStore, conferences: ConferencesService
) -> None:
    """§14.4.8 / REGN-06: the form can be set only when the webinar is created."""
    conferences.create(registering(fields=FORM))
    before = appended(store)
    with pytest.raises(InvalidInput) as fixed:
        conferences.edit("launch", {"registration": {"fields": {"email": {"index": 0}}}})
    assert fixed.value.problems[0].field == "registration.fields"
    assert appended(store) == before
    conferences.edit("launch", {"registration": {"enabled": False, "fields": FORM}})


def test_registration_can_be_switched_on_later(conferences: ConferencesService) -> None:
    conferences.create(webinar(id="launch"))
    conferences.edit("launch", {"registration": {"enabled": True}})
    assert conferences.register("launch", guest())["id"].startswith("#guest2:")


def test_a_pin_and_registration_exclude_each_other(
    store: QuorumStore, conferences: ConferencesService
) -> None:
    """§14.4.6.1 / REGN-08: no PIN while registration is allowed."""
    assert create_refused(store, conferences, registering({"pin": "453861"})) == ["pin"]
    conferences.create(webinar(id="launch", pin=True))
    version = conferences.get("launch").version
    with pytest.raises(InvalidInput) as refusal:
        conferences.edit("launch", {"registration": {"enabled": True}})
    assert refusal.value.problems[0].field == "registration.enabled"
    assert conferences.get("launch").version == version
    conferences.edit("launch", {"registration": {"enabled": True}, "pin": None})
    with pytest.raises(InvalidInput) as live:
        conferences.set_pin("launch", True)
    assert live.value.problems[0].field == "pin"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        # REGN-01: scheduled conferences only
        (
            webinar(schedule={"type": "none"}, registration={"enabled": True}),
            "registration.enabled",
        ),
        # REGN-03: without limitation only for recurring conferences
        (
            webinar(registration={"enabled": True, "close": "without_limitation"}),
            "registration.close",
        ),
        # a custom period ending before it starts
        (
            webinar(
                registration={
                    "enabled": True,
                    "close": "custom",
                    "start_at": 1772500000,
                    "end_at": 1772400000,
                }
            ),
            "registration.end_at",
        ),
        (
            webinar(registration={"enabled": True, "close": "custom", "start_at": 1772500000}),
            "registration.end_at",
        ),
        (webinar(registration={"enabled": True, "end_at": 1772400000}), "registration.end_at"),
        (webinar(registration={"enabled": True, "close": "whenever"}), "registration.close"),
        (
            webinar(max_participants=100, registration={"participants_limit": 101}),
            "registration.participants_limit",
        ),
        (
            webinar(registration={"fields": {f"custom{i}": {"index": i} for i in range(11)}}),
            "registration.fields",
        ),
        (
            webinar(registration={"fields": {"email": {"index": 0}, "phone": {"index": 0}}}),
            "registration.fields",
        ),
        # WR-08: no waiting-room category while registration is on
        (
            webinar(registration={"enabled": True}, waiting_room_category="guests_only"),
            "waiting_room_category",
        ),
        # Z-23: a webinar's guest limit is 1..50
        (webinar(guests_limit=51), "guests_limit"),
        (webinar(allow_uninvited=True), "allow_uninvited"),
    ],
)
def test_bad_registration_settings_name_their_field(
    store: QuorumStore, conferences: ConferencesService, body: ConferenceFields, field: str
) -> None:
    assert create_refused(store, conferences, body) == [field]


def test_with_registration_everyone_but_moderators_waits(
    conferences: ConferencesService,
) -> None:
    """WR-08: no category can be chosen; it is 'all except owner and moderators'."""
    conference = conferences.create(registering({"waiting_room_enabled": True}))
    assert conference.param("waiting_room_category") == "all_except_owner_moderators"


def test_recurring_webinars_may_keep_registration_open(
    conferences: ConferencesService, clock: Clock
) -> None:
    conferences.create(
        webinar(
            id="weekly",
            schedule={"type": "week", "start_time": unix(START), "duration": 3600, "days": [2]},
            registration={"enabled": True, "close": "without_limitation"},
        )
    )
    clock.advance(days=400)
    assert conferences.register("weekly", guest())["id"].startswith("#guest2:")
