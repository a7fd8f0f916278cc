"""Conferences over HTTP (guide §3.4, §14; API.md `conferences`)."""

from __future__ import annotations

import contextvars
import threading
from datetime import UTC, datetime, timedelta

import httpx

from domain.shared.clock import using_clock
from tests.support import RunningApi


def _setup(api: RunningApi) -> str:
    token = api.admin_token()
    with api.client(token) as c:
        assert c.post("/users", json={"id": "jane", "password": "Secret123"}).status_code == 201
    return token


def _create(c: httpx.Client, body: dict[str, object]) -> dict[str, object]:
    reply = c.post("/conferences", json=body)
    assert reply.status_code == 201, reply.text
    created: dict[str, object] = reply.json()
    return created


def test_create_list_run_stop_and_the_audit_trail(api: RunningApi) -> None:
    token = _setup(api)
    with api.client(token) as c:
        room = _create(c, {"topic": "Standup", "owner": "jane", "mode": "S|L Auto"})
        cid = str(room["id"])
        assert cid.isdigit() and len(cid) == 10
        assert room["state"] == "stopped"
        assert room["owner"] == "jane"
        named = _create(c, {"id": "board_meeting-1", "topic": "Board", "owner": "jane"})
        assert c.get("/conferences/BOARD_MEETING-1").json()["topic"] == "Board"

        run = c.post(f"/conferences/{cid}/run")
        assert run.status_code == 200
        first_session = run.json()["session_id"]
        assert len(first_session) == 16
        listed = c.get("/conferences").json()["conferences"]
        assert listed[0]["id"] == cid  # ongoing first (§14.1)
        by_jane = c.get("/conferences", params={"participant": "jane", "page_size": 1}).json()
        assert by_jane["cnt"] == 2 and len(by_jane["conferences"]) == 1
        assert c.get("/conferences", params={"participant": "nobody"}).json()["cnt"] == 0
        assert c.patch(f"/conferences/{cid}", json={"topic": "x"}).status_code == 409
        assert c.delete(f"/conferences/{cid}").status_code == 409
        assert c.put(f"/conferences/{cid}/lock", json={"locked": True}).json()["locked"] is True
        assert c.put(f"/conferences/{cid}/pin", json={"pin": True}).json()["pin"]
        assert c.post(f"/conferences/{cid}/stop").json()["locked"] is False  # §14.3.1
        second = c.post(f"/conferences/{cid}/run").json()["session_id"]
        assert second != first_session
        c.post(f"/conferences/{cid}/stop")

        edited = c.patch(f"/conferences/{cid}", json={"topic": "Daily standup"})
        assert edited.json()["topic"] == "Daily standup"
        rows = c.get(
            "/logs/config-changes", params={"object_type": "conference", "action": "edit"}
        ).json()["list"]
        topic_row = next(r for r in rows if any(ch["parameter"] == "topic" for ch in r["changes"]))
        assert topic_row["changes"][0] == {"parameter": "id", "previous": cid, "new": cid}
        assert {"parameter": "topic", "previous": "Standup", "new": "Daily standup"} in (
            topic_row["changes"]
        )
        assert c.delete(f"/conferences/{named['id']}").status_code == 204
        assert c.get(f"/conferences/{named['id']}").status_code == 404


def test_bad_conferences_are_refused_naming_the_field(api: RunningApi) -> None:
    token = _setup(api)
    head = api.head()
    base = {"topic": "T", "owner": "jane"}
    with api.client(token) as c:
        cases = [
            ({**base, "id": "bad id!"}, "id"),
            ({**base, "mode": "S|L", "max_podiums": 50}, "max_podiums"),
            (
                {**base, "mode": "PxP", "interpretation": {"languages": ["en", "de"]}},
                "interpretation",
            ),
            (
                {
                    **base,
                    "schedule": {
                        "type": "week",
                        "start_time": 1_900_000_000,
                        "duration": 3600,
                        "days": [],
                    },
                },
                "schedule.days",
            ),
            ({**base, "owner": "nobody"}, "owner"),
            ({**base, "colour": "red"}, "colour"),
        ]
        for body, field in cases:
            reply = c.post("/conferences", json=body)
            assert reply.status_code == 400, (field, reply.text)
            fields = [e["location"] for e in reply.json()["error"]["errors"]]
            assert field in fields, (field, fields)
        assert api.head() == head
        _create(c, {**base, "id": "taken"})
        dup = c.post("/conferences", json={**base, "id": "TAKEN"})
        assert dup.status_code == 409
        assert dup.json()["error"]["errors"][0]["reason"] == "uniqueValueAlreadyInUse"
        access = c.patch("/conferences/taken", json={"access": "public"})
        assert access.status_code == 400
        assert access.json()["error"]["errors"][0]["location"] == "access"


def test_a_stale_edit_gets_409_and_loses_nothing(api: RunningApi) -> None:
    token = _setup(api)
    with api.client(token) as c:
        _create(c, {"id": "weekly", "topic": "T", "owner": "jane"})
        etag = c.get("/conferences/weekly").headers["etag"]
        replies: list[int] = []

        def edit(topic: str) -> None:
            with api.client(token) as other:
                replies.append(
                    other.patch(
                        "/conferences/weekly", json={"topic": topic}, headers={"If-Match": etag}
                    ).status_code
                )

        threads = [threading.Thread(target=edit, args=(t,)) for t in ("A", "B")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(replies) == [200, 409]
        assert c.get("/conferences/weekly").json()["topic"] in ("A", "B")


def test_templates_make_conferences(api: RunningApi) -> None:
    token = _setup(api)
    with api.client(token) as c:
        made = c.post("/templates/conferences", json={"topic": "Retro", "owner": "jane"})
        assert made.status_code == 201, made.text
        template_id = made.json()["id"]
        assert c.get("/templates/conferences").json()["cnt"] == 1
        conference = c.post(f"/templates/conferences/{template_id}/conferences", json={})
        assert conference.status_code == 201, conference.text
        assert conference.json()["topic"] == "Retro"
        assert conference.json()["schedule"]["type"] == "none"
        assert c.delete(f"/templates/conferences/{template_id}").status_code == 204


def test_webinar_registration_adds_registrants_to_the_invitations(api: RunningApi) -> None:
    token = _setup(api)
    with api.client(token) as c:
        start = int((datetime.now(UTC) + timedelta(days=2)).timestamp())
        webinar = {
            "id": "launch",
            "topic": "Launch",
            "owner": "jane",
            "access": "public",
            "schedule": {"type": "once", "start_time": start, "duration": 3600},
            "registration": {
                "enabled": True,
                "participants_limit_enabled": True,
                "participants_limit": 2,
            },  # the owner and one guest
        }
        created = c.post("/conferences", json=webinar)
        assert created.status_code == 201, created.text
        pin = c.put("/conferences/launch/pin", json={"pin": "1234"})
        assert pin.status_code == 400
        assert pin.json()["error"]["errors"][0]["location"] == "pin"
    with api.client() as guest:
        registered = guest.post(
            "/conferences/launch/registrations",
            json={"display_name": "Guest One", "email": "one@example.com"},
        )
        assert registered.status_code == 201, registered.text
        full = guest.post(
            "/conferences/launch/registrations",
            json={"display_name": "Guest Two", "email": "two@example.com"},
        )
        assert full.status_code == 409
    with api.client(token) as c:
        invited = c.get("/conferences/launch/invitations").json()["list"]
        assert any(i["id"].startswith("#guest2:") for i in invited)
        assert c.get("/conferences/launch/registrations").json()["cnt"] == 1


def test_the_scheduler_starts_and_ends_a_conference_once(api: RunningApi) -> None:
    """§14.4.1: a one-time conference starts and ends on its own, once, even with two
    schedulers (two API processes) looking at the same moment."""
    token = _setup(api)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    with api.client(token) as c:
        schedule = {"type": "once", "start_time": int(start.timestamp()), "duration": 1800}
        _create(c, {"id": "planned", "topic": "Planned", "owner": "jane", "schedule": schedule})
    api.system.fresh("conferences")
    jobs = api.system.conference_jobs
    with using_clock(lambda: start - timedelta(minutes=1)):
        assert jobs.follow_schedules() == []
    started: list[list[tuple[str, str]]] = []
    with using_clock(lambda: start + timedelta(seconds=5)):
        contexts = [contextvars.copy_context() for _ in range(2)]  # both see the clock
        workers = [
            threading.Thread(target=lambda ctx=ctx: started.append(ctx.run(jobs.follow_schedules)))
            for ctx in contexts
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    assert sorted(action for done in started for action in done) == [("planned", "start")]
    with api.client(token) as c:
        assert c.get("/conferences/planned").json()["state"] == "running"
    api.system.fresh("conferences")
    with using_clock(lambda: start + timedelta(minutes=31)):
        assert jobs.follow_schedules() == [("planned", "stop")]
    with api.client(token) as c:
        assert c.get("/conferences/planned").json()["state"] == "stopped"


def test_old_virtual_rooms_are_deleted_when_the_settings_say_so(api: RunningApi) -> None:
    """§14.7.1: virtual rooms not launched for N days go, by a job that records it."""
    token = _setup(api)
    with api.client(token) as c:
        _create(c, {"id": "dusty", "topic": "Dusty", "owner": "jane"})
        bad = c.patch("/settings/conferences", json={"delete_virtual_rooms_after_days": 0})
        assert bad.status_code == 400
        assert c.patch(
            "/settings/conferences",
            json={"delete_virtual_rooms_enabled": True, "delete_virtual_rooms_after_days": 1},
        ).is_success
    api.system.fresh("conferences")
    jobs = api.system.conference_jobs
    assert jobs.sweep() == []
    with using_clock(lambda: datetime.now(UTC) + timedelta(days=2)):
        assert jobs.sweep() == ["dusty"]
    with api.client(token) as c:
        assert c.get("/conferences/dusty").status_code == 404
        rows = c.get(
            "/logs/config-changes", params={"object_type": "conference", "action": "delete"}
        ).json()["list"]
        assert rows[0]["object_id"] == "dusty" and rows[0]["username"] == "system"


def test_the_conference_page_data_round_trips_through_an_edit(api: RunningApi) -> None:
    token = _setup(api)
    with api.client(token) as c:
        _create(c, {"id": "page", "topic": "Page", "owner": "jane"})
        shown = c.get("/conferences/page").json()
        assert shown["url"].endswith("/c/page")
        assert shown["effective_join_methods"] == ["client_apps", "webrtc", "qr_code", "sip_h323"]
        head = api.head()
        assert c.patch("/conferences/page", json=shown).status_code == 200
        assert api.head() == head  # nothing changed, nothing appended
