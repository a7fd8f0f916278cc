"""Editing conferences (guide §14.1, §14.3, §14.4; FEATURES CONF-02, CONF-12,
CONF-C-02, REGN-06, LIVE-02, LIVE-06, §16.4): changes carry previous and new values;
refusals name their field and leave the version unchanged."""

from __future__ import annotations

from typing import Any, cast

import pytest
from eventsourcing.persistence import IntegrityError

from domain.conferencing.cid_index import ConferenceId
from domain.conferencing.conference import Conference
from domain.conferencing.conferences_service import ConferencesService
from domain.conferencing.parameters import ConferenceFields
from domain.shared.application import QuorumStore
from domain.shared.errors import AlreadyExists, Conflict, InvalidInput
from tests.domain.conferencing.conftest import appended, webinar


@pytest.fixture
def board(conferences: ConferencesService) -> Conference:
    return conferences.create(
        {"id": "0477158272", "topic": "webinar", "owner": "jane", "location": "Main office"}
    )


def refused_edit(
    store: QuorumStore,
    conferences: ConferencesService,
    cid: str,
    body: ConferenceFields,
    error: type[Exception] = InvalidInput,
) -> Any:
    version = conferences.get(cid).version
    before = appended(store)
    with pytest.raises(error) as refusal:
        conferences.edit(cid, body)
    assert conferences.get(cid).version == version
    assert appended(store) == before
    return refusal.value


def test_an_edit_records_previous_and_new_values(
    store: QuorumStore, conferences: ConferencesService, board: Conference
) -> None:
    """§16.4 / WE-27: `topic: webinar -> Webinar`, the schedule JSON before and after."""
    schedule = {"type": "once", "start_time": 1659528000, "duration": 28800}
    conference, changes = conferences.edit(
        "0477158272", {"topic": "Webinar", "schedule": schedule, "location": "Main office"}
    )
    assert [c["parameter"] for c in changes] == ["topic", "schedule"]
    assert changes[0] == {"parameter": "topic", "previous": "webinar", "new": "Webinar"}
    assert changes[1]["previous"]["type"] == "none"
    assert changes[1]["new"]["start_time"] == 1659528000
    edited = list(store.events.get(conference.id))[-1]
    assert isinstance(edited, Conference.Edited)
    assert edited.cid == "0477158272", "the report shows `id: 0477158272 -> 0477158272`"
    assert edited.changes == changes
    reloaded: Conference = store.repository.get(conference.id)
    assert reloaded.topic == "Webinar"


def test_an_edit_without_changes_appends_nothing(
    store: QuorumStore, conferences: ConferencesService, board: Conference
) -> None:
    """A GET body sent back unchanged (read-only fields included) changes nothing."""
    before = appended(store)
    _, changes = conferences.edit("0477158272", cast(ConferenceFields, board.details()))
    assert changes == []
    assert appended(store) == before


def test_a_stale_edit_is_a_conflict(
    store: QuorumStore, conferences: ConferencesService, board: Conference
) -> None:
    """Two admins open the same version; the second save is refused (409)."""
    seen = board.version
    conferences.edit("0477158272", {"topic": "First"}, expected_version=seen)
    before = appended(store)
    with pytest.raises(Conflict):
        conferences.edit("0477158272", {"topic": "Second"}, expected_version=seen)
    assert appended(store) == before
    assert conferences.get("0477158272").topic == "First"


def test_the_event_store_refuses_a_stale_writer(
    store: QuorumStore, conferences: ConferencesService, board: Conference
) -> None:
    """What `expected_version` and the retries rest on: a second writer holding an old
    version is refused by the store itself, never overwriting."""
    stale: Conference = store.repository.get(board.id)
    conferences.edit("0477158272", {"topic": "By A"})
    stale.edit({**stale.parameters, "location": "Room 2"})
    with pytest.raises(IntegrityError):
        store.save(stale)
    conferences.edit("0477158272", {"location": "Room 2"})  # reloads: both changes land
    conference = conferences.get("0477158272")
    assert (conference.topic, conference.param("location")) == ("By A", "Room 2")


def test_a_running_conference_cannot_be_edited(
    store: QuorumStore, conferences: ConferencesService, board: Conference
) -> None:
    """§14.1, CONF-12: only PIN, lock, layout, participants, CID and stop while live."""
    conferences.run("0477158272")
    error = refused_edit(store, conferences, "0477158272", {"topic": "Live"}, Conflict)
    assert error.problems[0].field == "state"


def test_the_access_type_is_fixed(
    store: QuorumStore, conferences: ConferencesService, board: Conference
) -> None:
    """§14.4: a private event cannot be turned into a webinar."""
    error = refused_edit(store, conferences, "0477158272", {"access": "public"})
    assert error.problems[0].field == "access"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"topic": ""}, "topic"),
        ({"max_podiums": 50}, "max_podiums"),
        ({"state": "running"}, "state"),
        ({"created_at": 0}, "created_at"),
        ({"colour": "red"}, "colour"),
        ({"id": "no spaces please"}, "id"),
        ({"schedule": {"type": "week", "start_time": 1772442000, "duration": 60}}, "schedule.days"),
        ({"mode": "PxP", "max_participants": 1000}, "max_participants"),
        ({"owner": "ghost"}, "owner"),
        ({"interpretation": {"languages": ["en", "es"]}}, "interpretation"),
    ],
)
def test_bad_edits_name_their_field(
    store: QuorumStore,
    conferences: ConferencesService,
    board: Conference,
    body: ConferenceFields,
    field: str,
) -> None:
    error = refused_edit(store, conferences, "0477158272", body)
    assert [p.field for p in error.problems] == [field]


def test_changing_mode_keeps_the_caps(conferences: ConferencesService, board: Conference) -> None:
    """Leaving a role-based mode for all-on-screen brings max_participants to 49."""
    conference, _ = conferences.edit("0477158272", {"mode": "PxP"})
    assert (conference.param("max_participants"), conference.param("max_podiums")) == (49, 49)


def test_an_owner_change_makes_the_new_owner_a_moderator(
    conferences: ConferencesService, board: Conference
) -> None:
    conferences.edit("0477158272", {"invitations": [{"id": "ann"}, {"id": "bob"}]})
    conference, _ = conferences.edit("0477158272", {"owner": "ann"})
    assert conference.moderators == {"ann"}
    assert conference.invitations[0] == {"id": "ann", "display_name": "ann", "is_moderator": True}


# -- CID changes (§3.4, LIVE-06) -----------------------------------------------------


def test_changing_the_cid_before_the_start_releases_the_old_one(
    store: QuorumStore, conferences: ConferencesService, board: Conference
) -> None:
    conferences.change_cid("0477158272", "board-meeting")
    assert conferences.get("BOARD-MEETING").id == board.id
    assert conferences.find("0477158272") is None
    old: ConferenceId = store.repository.get(ConferenceId.create_id("0477158272"))
    assert old.conference_id is None
    reused = conferences.create({"id": "0477158272", "topic": "Another", "owner": "bob"})
    assert conferences.get("0477158272").id == reused.id != board.id


def test_changing_the_cid_while_running(conferences: ConferencesService, board: Conference) -> None:
    session = conferences.run("0477158272")
    conferences.change_cid("0477158272", "live-now")
    conference = conferences.get("live-now")
    assert conference.is_running and conference.session_id == session


def test_a_cid_change_saves_the_conference_and_both_index_entries_together(
    store: QuorumStore, conferences: ConferencesService, board: Conference
) -> None:
    before = appended(store)
    conferences.change_cid("0477158272", "renamed")
    assert appended(store) == before + 3  # CidChanged, Released, Created (new index)
    changed = list(store.events.get(board.id))[-1]
    assert isinstance(changed, Conference.CidChanged)
    assert (changed.previous, changed.new) == ("0477158272", "renamed")


def test_a_taken_cid_cannot_be_claimed(
    store: QuorumStore, conferences: ConferencesService, board: Conference
) -> None:
    conferences.create({"id": "Taken", "topic": "Other", "owner": "bob"})
    before = appended(store)
    with pytest.raises(AlreadyExists) as taken:
        conferences.change_cid("0477158272", "taken")
    assert taken.value.problems[0].field == "id"
    with pytest.raises(AlreadyExists):
        conferences.edit("0477158272", {"id": "TAKEN", "topic": "Renamed"})
    assert appended(store) == before
    assert conferences.get("0477158272").topic == "webinar"


def test_only_the_case_of_a_cid_may_change(
    conferences: ConferencesService, board: Conference
) -> None:
    conferences.change_cid("0477158272", "Board")
    conferences.change_cid("board", "BOARD")
    assert conferences.get("board").cid == "BOARD"


def test_a_cid_change_through_an_edit_is_reported_first(
    conferences: ConferencesService, board: Conference
) -> None:
    _, changes = conferences.edit("0477158272", {"id": "q1-board", "topic": "Q1"})
    assert changes[0] == {"parameter": "id", "previous": "0477158272", "new": "q1-board"}
    assert changes[1]["parameter"] == "topic"


# -- PIN, lock, layout while live (§14.3.1) ------------------------------------------


def test_pin_can_be_set_regenerated_and_removed_even_while_running(
    store: QuorumStore, conferences: ConferencesService, board: Conference
) -> None:
    conferences.run("0477158272")
    assert conferences.set_pin("0477158272", "2468").pin == "2468"
    generated = conferences.generate_pin("0477158272")
    assert generated != "2468" and len(generated) == 6
    assert conferences.set_pin("0477158272", None).pin is None
    kinds = [type(e).__name__ for e in store.events.get(board.id)]
    assert kinds.count("PinChanged") == 3
    with pytest.raises(InvalidInput) as bad:
        conferences.set_pin("0477158272", "abc")
    assert bad.value.problems[0].field == "pin"


def test_a_lock_exists_only_while_running(
    conferences: ConferencesService, board: Conference
) -> None:
    with pytest.raises(Conflict):
        conferences.set_lock("0477158272", True)
    conferences.run("0477158272")
    assert conferences.set_lock("0477158272", True).locked is True


def test_the_layout_can_change_live(conferences: ConferencesService, board: Conference) -> None:
    """LIVE-08: an admin changes the layout of an ongoing conference."""
    conferences.run("0477158272")
    layout = {
        "layouts": [
            {
                "scope": "common",
                "windows": [
                    {"type": "active_speaker"},
                    {"type": "active_speaker"},
                    {"type": "content"},
                ],
            }
        ]
    }
    conference = conferences.set_layout("0477158272", layout)
    assert conference.param("layout")["layouts"][0]["windows"][2]["type"] == "content"
    assert conference.param("layout")["shuffling"] == {
        "order": "asc",
        "type": "replace",
        "interval": 30,
    }


# -- participants ----------------------------------------------------------------------


def test_participants_can_be_added_and_removed(
    conferences: ConferencesService, board: Conference
) -> None:
    added = conferences.invite("0477158272", [{"id": "bob"}, {"id": "#sip:room@pbx"}])
    assert [i["id"] for i in added] == ["bob", "#sip:room@pbx"]
    with pytest.raises(AlreadyExists):
        conferences.invite("0477158272", [{"id": "BOB"}])
    conferences.uninvite("0477158272", "bob")
    assert [i["id"] for i in conferences.get("0477158272").invitations] == ["#sip:room@pbx"]


def test_no_email_invitations_while_a_webinar_is_locked(
    conferences: ConferencesService,
) -> None:
    """WE-15 / LIVE-03: after the lock, users may still be invited, but no e-mails."""
    conference = conferences.create(webinar(id="launch"))
    conferences.run("launch")
    conferences.set_lock("launch", True)
    conferences.invite("launch", [{"id": "bob"}])
    with pytest.raises(Conflict):
        conferences.invite("launch", [{"email": "late@example.com"}])
    assert [i["id"] for i in conferences.get("launch").invitations] == ["bob"]
    assert conference.cid == "launch"
