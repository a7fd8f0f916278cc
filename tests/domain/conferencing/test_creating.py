"""Creating conferences (guide §3.2-§3.4, §14.4; FEATURES CONF-*, ID-05, Z-12, Z-15,
Z-20): defaults, CIDs, limits, and every refusal naming its field with nothing
appended."""

from __future__ import annotations

import re
from typing import Any, cast

import pytest

from domain.conferencing.cid_index import ConferenceId
from domain.conferencing.conference import Conference
from domain.conferencing.conferences_service import ConferencesService
from domain.conferencing.parameters import ConferenceFields
from domain.shared.actor import Actor, acting_as
from domain.shared.application import QuorumStore
from domain.shared.errors import AlreadyExists, InvalidInput
from tests.domain.conferencing.conftest import Licence, appended, webinar


def refused(
    store: QuorumStore, conferences: ConferencesService, body: ConferenceFields
) -> InvalidInput:
    before = appended(store)
    with pytest.raises(InvalidInput) as refusal:
        conferences.create(body)
    assert appended(store) == before, "a refused command appends nothing"
    return refusal.value


def fields(error: InvalidInput) -> list[str]:
    return [p.field for p in error.problems]


def test_defaults_of_a_new_conference(conferences: ConferencesService) -> None:
    """§14.4: private, smart meeting, a virtual room; Z-20 defaults; state stopped."""
    conference = conferences.create({"topic": "Brainstorm", "owner": "Jane"})
    shown = conference.details()
    assert re.fullmatch(r"\d{10}", shown["id"]), "§3.4: a generated CID is digits only"
    assert shown["owner"] == "jane"
    assert shown["access"] == "private"
    assert shown["mode"] == "S|L Auto"
    assert shown["max_podiums"] == 6
    assert shown["max_participants"] == 1500
    assert shown["schedule"]["type"] == "none"
    assert shown["invitations"] == []
    assert shown["pin"] is None
    assert shown["allow_uninvited"] is False
    assert shown["waiting_room_enabled"] is False
    assert shown["waiting_room_category"] == "uninvited"
    assert shown["on_join_mute_camera"] is False
    assert shown["on_join_mute_mic"] is False
    assert shown["recording_enabled"] is False
    assert shown["join_methods"] is None
    assert shown["mcu_mode"] is False
    assert shown["multicast"] == {"enabled": False, "address": "224.0.1.224:4000-6000"}
    assert shown["registration"] is None
    assert shown["state"] == "stopped"
    assert shown["session_id"] is None
    assert shown["locked"] is False
    assert isinstance(shown["created_at"], int)
    assert conference.moderators == {"jane"}, "CONF-07: the owner is a moderator"


def test_the_created_event_carries_every_parameter_and_the_actor(
    store: QuorumStore, conferences: ConferencesService
) -> None:
    with acting_as(Actor(kind="admin", name="root", ip="10.0.0.1")):
        conference = conferences.create({"id": "Board", "topic": "Board", "owner": "ann"})
    created = store.events.get(conference.id)
    [event] = list(created)
    assert isinstance(event, Conference.Created)
    assert event.cid == "Board"
    assert event.parameters["topic"] == "Board"
    assert event.who.name == "root"


def test_a_public_webinar_gets_its_webinar_defaults(conferences: ConferencesService) -> None:
    conference = conferences.create(webinar())
    assert conference.access == "public"
    assert conference.param("waiting_room_category") == "uninvited_and_guests"
    assert conference.registration is not None
    assert conference.registration["enabled"] is False, "REGN-01: off by default"
    assert conference.param("guest_permissions") == {
        "send_messages": True,
        "send_audio": True,
        "send_video": True,
    }


def test_public_conferences_need_the_extension(
    store: QuorumStore, conferences: ConferencesService, licence: Licence
) -> None:
    """§3.2, EXT-09: without Public Web Conferences the webinar type is unavailable."""
    licence.public_conferences = False
    before = appended(store)
    with pytest.raises(InvalidInput) as refusal:
        conferences.create(webinar())
    assert appended(store) == before
    assert refusal.value.problems[0].field == "access"
    assert refusal.value.problems[0].reason == "licenceUnavailable"
    conferences.create({"topic": "Private is fine", "owner": "jane"})


def test_custom_cids_keep_their_spelling_and_are_unique_without_case(
    store: QuorumStore, conferences: ConferencesService
) -> None:
    """§3.4 / ID-05: letters, digits, '_' and '-'; unique case-insensitively."""
    conference = conferences.create({"id": "Sales_Q1-2026", "topic": "Sales", "owner": "ann"})
    assert conference.cid == "Sales_Q1-2026"
    assert conferences.get("sales_q1-2026").id == conference.id
    before = appended(store)
    with pytest.raises(AlreadyExists) as taken:
        conferences.create({"id": "SALES_q1-2026", "topic": "Other", "owner": "bob"})
    assert taken.value.problems[0].field == "id"
    assert taken.value.problems[0].reason == "uniqueValueAlreadyInUse"
    assert appended(store) == before


def test_the_event_store_itself_refuses_a_second_index_entry(store: QuorumStore) -> None:
    """Two processes racing for one CID: the second save of the index fails."""
    from eventsourcing.persistence import IntegrityError

    first = Conference(cid="race", parameters={})
    second = Conference(cid="RACE", parameters={})
    store.save(first, ConferenceId(cid="race", conference_id=first.id))
    with pytest.raises(IntegrityError):
        store.save(second, ConferenceId(cid="RACE", conference_id=second.id))
    assert store.repository.get(ConferenceId.create_id("Race")).conference_id == first.id


@pytest.mark.parametrize("cid", ["has space", "dot.ted", "ünïcode", "slash/", "", "x" * 65])
def test_invalid_cid_characters_are_refused(
    store: QuorumStore, conferences: ConferencesService, cid: str
) -> None:
    error = refused(store, conferences, {"id": cid, "topic": "T", "owner": "jane"})
    assert fields(error) == ["id"]


def test_generated_cids_avoid_taken_ones(store: QuorumStore) -> None:
    numbers = iter(["1111111111", "1111111111", "2222222222"])
    conferences = ConferencesService(store, cid_generator=lambda: next(numbers))
    assert conferences.create({"topic": "A", "owner": "jane"}).cid == "1111111111"
    assert conferences.create({"topic": "B", "owner": "jane"}).cid == "2222222222"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"owner": "jane"}, "topic"),
        ({"topic": "T"}, "owner"),
        ({"topic": "T", "owner": "nobody"}, "owner"),
        ({"topic": "T", "owner": "jane", "colour": "red"}, "colour"),
        ({"topic": "T", "owner": "jane", "state": "running"}, "state"),
        ({"topic": "T", "owner": "jane", "access": "secret"}, "access"),
        ({"topic": "T", "owner": "jane", "mode": "P2P"}, "mode"),
        # §14.4.1: at most 49 speakers in smart and role-based modes
        ({"topic": "T", "owner": "jane", "mode": "S|L", "max_podiums": 50}, "max_podiums"),
        ({"topic": "T", "owner": "jane", "mode": "S|L Auto", "max_podiums": 50}, "max_podiums"),
        # Z-15: 1500 participants, 1600 only with UDP Multicast; 49 all on screen
        ({"topic": "T", "owner": "jane", "max_participants": 1501}, "max_participants"),
        (
            {"topic": "T", "owner": "jane", "mode": "PxP", "max_participants": 50},
            "max_participants",
        ),
        ({"topic": "T", "owner": "jane", "max_participants": 2}, "max_participants"),
        ({"topic": "T", "owner": "jane", "pin": "12ab"}, "pin"),
        (
            {"topic": "T", "owner": "jane", "waiting_room_category": "guests_only"},
            "waiting_room_category",
        ),
        ({"topic": "T", "owner": "jane", "join_methods": ["fax"]}, "join_methods"),
        (
            {"topic": "T", "owner": "jane", "mcu_mode": True, "join_methods": ["client_apps"]},
            "join_methods",
        ),
        (
            {
                "topic": "T",
                "owner": "jane",
                "multicast": {"enabled": True, "address": "10.0.0.1:4000"},
            },
            "multicast.address",
        ),
        ({"topic": "T", "owner": "jane", "invitations": [{"id": "bad id!"}]}, "invitations.0.id"),
        (
            {"topic": "T", "owner": "jane", "invitations": [{"id": "bob"}, {"id": "BOB"}]},
            "invitations.1.id",
        ),
        # §14.4.2: e-mail guests only in public conferences
        (
            {"topic": "T", "owner": "jane", "invitations": [{"email": "x@example.com"}]},
            "invitations.0.email",
        ),
        ({"topic": "T", "owner": "jane", "allow_uninvited": "yes"}, "allow_uninvited"),
        ({"topic": "T", "owner": "jane", "registration": {"enabled": False}}, "registration"),
    ],
)
def test_bad_input_names_its_field(
    store: QuorumStore, conferences: ConferencesService, body: ConferenceFields, field: str
) -> None:
    assert fields(refused(store, conferences, body)) == [field]


def test_every_bad_field_is_reported_at_once(
    store: QuorumStore, conferences: ConferencesService
) -> None:
    body = cast(ConferenceFields, {"id": "a b", "topic": "", "owner": "jane", "x": 1})
    error = refused(store, conferences, body)
    assert sorted(fields(error)) == ["id", "topic", "x"]


def test_caps_per_mode(conferences: ConferencesService) -> None:
    """§14.4.1, §14.4.6.3, Z-15, Z-29: 1500 (1600 with multicast), 49 speakers."""
    big = conferences.create(
        {
            "topic": "T",
            "owner": "jane",
            "mode": "S|L",
            "max_participants": 1600,
            "max_podiums": 49,
            "multicast": {"enabled": True},
        }
    )
    assert (big.param("max_participants"), big.param("max_podiums")) == (1600, 49)
    everyone = conferences.create({"topic": "T", "owner": "jane", "mode": "PxP"})
    assert (everyone.param("max_participants"), everyone.param("max_podiums")) == (49, 49)
    lecture = conferences.create({"topic": "T", "owner": "jane", "mode": "OxP"})
    assert (lecture.param("max_participants"), lecture.param("max_podiums")) == (49, 1)


def test_invitations_fit_in_max_participants(
    store: QuorumStore, conferences: ConferencesService
) -> None:
    invitations = [{"id": f"user{i}"} for i in range(3)]
    error = refused(
        store,
        conferences,
        {"topic": "T", "owner": "jane", "max_participants": 3, "invitations": invitations},
    )
    assert fields(error) == ["invitations"]


def test_invitations_by_id_call_string_and_email(conferences: ConferencesService) -> None:
    """§14.4.2: users, federated users, SIP/H.323/RTSP call strings, and (public only)
    e-mail guests; the owner, if listed, is a moderator."""
    conference = conferences.create(
        webinar(
            invitations=[
                {"id": "Jane"},
                {"id": "Bob", "is_moderator": True},
                {"id": "eve@other.example.net", "display_name": "Eve"},
                {"id": "#sip:room@pbx.example.com"},
                {"id": "#h323:10.0.0.9"},
                {"id": "#rtsp:rtsp://cam.example.com/stream"},
                {"email": "guest@example.com", "display_name": "A Guest"},
            ]
        )
    )
    by_id = {i["id"]: i for i in conference.invitations}
    assert by_id["jane"]["is_moderator"] is True
    assert by_id["bob"]["is_moderator"] is True
    assert by_id["eve@other.example.net"]["display_name"] == "Eve"
    assert by_id["#mailto:guest@example.com"]["email"] == "guest@example.com"
    assert conference.moderators == {"jane", "bob"}


def test_a_pin_is_generated_when_asked_for(conferences: ConferencesService) -> None:
    """§14.4.6.1 item 2, Z-12: enabling the PIN generates six digits."""
    conference = conferences.create({"topic": "T", "owner": "jane", "pin": True})
    assert conference.pin is not None and re.fullmatch(r"\d{6}", conference.pin)
    chosen = conferences.create({"topic": "T", "owner": "jane", "pin": "453861"})
    assert chosen.pin == "453861"


def test_mcu_mode_leaves_only_browsers_and_endpoints(conferences: ConferencesService) -> None:
    """§14.4.6.3: in MCU mode client apps cannot join and join options are fixed."""
    conference = conferences.create({"topic": "T", "owner": "jane", "mcu_mode": True})
    assert conference.param("join_methods") == ["webrtc", "sip_h323"]


@pytest.mark.parametrize(
    ("schedule", "field"),
    [
        ({"type": "once", "start_time": 1772442000}, "schedule.duration"),
        ({"type": "once", "start_time": 1772442000, "duration": 0}, "schedule.duration"),
        ({"type": "once", "start_time": 1772442000, "duration": -60}, "schedule.duration"),
        ({"type": "once", "duration": 3600}, "schedule.start_time"),
        ({"type": "week", "start_time": 1772442000, "duration": 3600}, "schedule.days"),
        ({"type": "week", "start_time": 1772442000, "duration": 3600, "days": []}, "schedule.days"),
        (
            {"type": "week", "start_time": 1772442000, "duration": 3600, "days": [7]},
            "schedule.days",
        ),
        # two consecutive days, 25 hours each: occurrences would overlap
        (
            {"type": "week", "start_time": 1772442000, "duration": 90000, "days": [1, 2]},
            "schedule.duration",
        ),
        (
            {
                "type": "week",
                "start_time": 1772442000,
                "duration": 3600,
                "days": [1],
                "time": "25:00",
            },
            "schedule.time",
        ),
        ({"type": "none", "start_time": 1772442000}, "schedule.start_time"),
        ({"type": "daily"}, "schedule.type"),
        (
            {"type": "once", "start_time": 1772442000, "duration": 60, "time_offset": 900},
            "schedule.time_offset",
        ),
    ],
)
def test_bad_schedules_name_the_field(
    store: QuorumStore, conferences: ConferencesService, schedule: dict[str, Any], field: str
) -> None:
    error = refused(store, conferences, {"topic": "T", "owner": "jane", "schedule": schedule})
    assert fields(error) == [field]


def test_a_weekly_schedule_takes_its_time_of_day_from_the_start(
    conferences: ConferencesService,
) -> None:
    # 2026-03-02 06:00 UTC is 09:00 in Moscow (time_offset 180 minutes)
    conference = conferences.create(
        {
            "topic": "Stand-up",
            "owner": "jane",
            "schedule": {
                "type": "week",
                "start_time": 1772431200,
                "duration": 900,
                "days": [5, 1, 3],
                "time_offset": 180,
            },
        }
    )
    assert conference.schedule == {
        "type": "week",
        "start_time": 1772431200,
        "duration": 900,
        "days": [1, 3, 5],
        "time": "09:00",
        "time_offset": 180,
    }
