"""Conference templates (guide §14.5; FEATURES TPL-01..03, WE-21)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

import pytest

from domain.conferencing.conferences_service import ConferencesService
from domain.conferencing.parameters import ConferenceFields
from domain.conferencing.template import ConferenceTemplate
from domain.conferencing.templates_service import TemplateFields, TemplatesService
from domain.shared.actor import Actor, acting_as
from domain.shared.application import QuorumStore
from domain.shared.errors import Conflict, InvalidInput, NotFound
from tests.domain.conferencing.conftest import Licence, appended, unix, webinar

FORM = {
    "display_name": {"index": 0, "is_required": True},
    "email": {"index": 1, "is_required": True},
    "job_position": {"index": 2, "is_required": False},
}


def scheduled_webinar() -> ConferenceFields:
    """WE-21's template: a scheduled webinar with registration closing at a custom time."""
    return webinar(
        location="Main office",
        recording_enabled=True,
        waiting_room_enabled=True,
        invitations=[{"id": "bob", "is_moderator": True}, {"email": "guest@example.com"}],
        registration={
            "enabled": True,
            "close": "custom",
            "start_at": unix(datetime(2026, 3, 1, tzinfo=UTC)),
            "end_at": unix(datetime(2026, 3, 3, 9, tzinfo=UTC)),
            "participants_limit_enabled": True,
            "fields": FORM,
        },
    )


def test_the_template_owner_is_its_creator(templates: TemplatesService) -> None:
    """TPL-01: the template's Owner is who created the template, not the owner."""
    with acting_as(Actor(kind="user", name="ann")):
        template = templates.create({"topic": "Sales", "owner": "jane", "mode": "PxP"})
    shown = templates.get(str(template.id)).details()
    assert shown["template_owner"] == "ann"
    assert shown["owner"] == "jane"
    assert shown["max_participants"] == 49, "the card shows 'All on screen 49x49'"


def test_templates_are_checked_like_conferences(
    store: QuorumStore, templates: TemplatesService
) -> None:
    before = appended(store)
    with pytest.raises(InvalidInput) as bad:
        templates.create({"topic": "T", "owner": "jane", "max_podiums": 50})
    assert bad.value.problems[0].field == "max_podiums"
    with pytest.raises(InvalidInput) as with_cid:
        templates.create({"id": "fixed-cid", "topic": "T", "owner": "jane"})
    assert with_cid.value.problems[0].field == "id"
    assert appended(store) == before


def test_edit_and_delete(store: QuorumStore, templates: TemplatesService) -> None:
    """TPL-03."""
    template = templates.create({"topic": "Weekly", "owner": "jane"})
    edited, changes = templates.edit(
        str(template.id), {"topic": "Weekly sync"}, expected_version=template.version
    )
    assert changes == [{"parameter": "topic", "previous": "Weekly", "new": "Weekly sync"}]
    last = list(store.events.get(template.id))[-1]
    assert isinstance(last, ConferenceTemplate.Edited)
    with pytest.raises(Conflict):
        templates.edit(str(template.id), {"topic": "Stale"}, expected_version=template.version)
    _, none = templates.edit(str(template.id), cast(TemplateFields, edited.details()))
    assert none == []
    templates.delete(str(template.id))
    with pytest.raises(NotFound):
        templates.get(str(template.id))
    with pytest.raises(NotFound):
        templates.get("not-a-uuid")


def test_a_conference_from_a_template(
    conferences: ConferencesService, templates: TemplatesService
) -> None:
    """WE-21: a virtual room with a new CID, keeping name, mode, owner, participants,
    the advanced settings and the registration settings without the close time."""
    template = templates.create(scheduled_webinar())
    conference = templates.create_conference(str(template.id))
    assert conference.schedule["type"] == "none"
    assert conference.cid.isdigit()
    assert (conference.topic, conference.mode, conference.owner) == (
        "Product webinar",
        "S|L",
        "jane",
    )
    assert [i["id"] for i in conference.invitations] == ["bob", "#mailto:guest@example.com"]
    assert conference.param("recording_enabled") is True
    assert conference.param("location") == "Main office"
    registration = conference.registration
    assert registration is not None
    assert registration["fields"] == FORM
    assert registration["participants_limit_enabled"] is True
    assert (registration["close"], registration["start_at"], registration["end_at"]) == (
        "at_end",
        None,
        None,
    )
    assert registration["enabled"] is False, "REGN-01: a virtual room has no registration"
    assert templates.get(str(template.id)).details()["template_owner"] == "system"


def test_overrides_give_a_schedule_and_a_cid(
    conferences: ConferencesService, templates: TemplatesService
) -> None:
    template = templates.create(scheduled_webinar())
    schedule = {
        "type": "once",
        "start_time": unix(datetime(2026, 4, 7, 10, tzinfo=UTC)),
        "duration": 3600,
    }
    conference = templates.create_conference(
        str(template.id), {"id": "april-webinar", "schedule": schedule, "topic": "April"}
    )
    assert conferences.get("APRIL-webinar").id == conference.id
    assert conference.topic == "April"
    assert conference.registration is not None and conference.registration["enabled"] is True


def test_the_pin_is_an_advanced_setting_and_is_kept(templates: TemplatesService) -> None:
    template = templates.create({"topic": "Board", "owner": "jane", "pin": "453861"})
    assert templates.create_conference(str(template.id)).pin == "453861"


def test_public_templates_need_the_extension_to_make_conferences(
    templates: TemplatesService, licence: Licence
) -> None:
    template = templates.create(scheduled_webinar())
    licence.public_conferences = False
    with pytest.raises(InvalidInput) as refused:
        templates.create_conference(str(template.id))
    assert refused.value.problems[0].reason == "licenceUnavailable"


def test_save_a_conference_as_a_template(
    conferences: ConferencesService, templates: TemplatesService
) -> None:
    """§14.4.1 item 9 / TPL-03: templates can be saved while editing a conference;
    registrants and the CID are not part of them."""
    conferences.create(
        webinar(id="launch", registration={"enabled": True}, invitations=[{"id": "bob"}])
    )
    conferences.register("launch", {"display_name": "G", "email": "g@example.com"})
    template = templates.create_from_conference("launch")
    assert "id" not in template.parameters
    assert [i["id"] for i in template.parameters["invitations"]] == ["bob"]
    assert templates.create_conference(str(template.id)).cid != "launch"
