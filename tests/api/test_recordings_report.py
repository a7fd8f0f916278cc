"""The Conference Recordings report and its downloads and deletions (guide §16.5, §9.6,
§18.9.5; FEATURES RECR-01..04, REC-05, REC-07), fed by the facts a media node records,
on a real NATS (event stream and Object Store)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from domain.recordings import Recording
from domain.shared.actor import SYSTEM, acting_as
from domain.shared.clock import process_clock
from tests.support import RunningApi

DAY1 = datetime(2026, 5, 19, 13, 0, tzinfo=UTC)
DAY2 = datetime(2026, 5, 20, 8, 0, tzinfo=UTC)
MB = 1024 * 1024


def _record(
    api: RunningApi,
    cid: str,
    name: str,
    owner: str,
    start: datetime,
    data: bytes,
    duration: int = 60,
) -> Recording:
    """What a media node does: the start, then the file and the finish."""
    with acting_as(SYSTEM):
        started = api.system.recordings.record_started(
            f"session-{start.timestamp():.0f}", cid, name, owner, start
        )
        return api.system.recordings.record_finished(
            started.recording_id, duration, "webm", io.BytesIO(data)
        )


def _list(c: httpx.Client, path: str = "/logs/recordings", **params: Any) -> dict[str, Any]:
    reply = c.get(path, params=params)
    assert reply.status_code == 200, reply.text
    found: dict[str, Any] = reply.json()
    return found


def _names(found: dict[str, Any]) -> list[str]:
    return [r["conference_name"] for r in found["list"]]


def _location(reply: httpx.Response) -> str:
    location: str = reply.json()["error"]["errors"][0]["location"]
    return location


def _event_rows(api: RunningApi, token: str, event: str) -> list[dict[str, Any]]:
    api.system.fresh("events")
    with api.client(token) as c:
        rows: list[dict[str, Any]] = _list(c, "/logs/events", event=event)["list"]
    for row in rows:
        if isinstance(row["details"], str):
            row["details"] = json.loads(row["details"])
    return rows


def _three(api: RunningApi) -> dict[str, Recording]:
    made = {
        "Webinar": _record(api, "webinar", "Webinar", "klintz", DAY2, b"w" * (3 * MB), 3591),
        "(no title)": _record(api, "", "", "joe", DAY2 - timedelta(hours=1), b"p" * 1000, 161),
        "Brainstorm": _record(api, "785724251543", "Brainstorm", "joe", DAY1, b"b" * MB, 1384),
    }
    with acting_as(SYSTEM):  # still recording: not in the report
        api.system.recordings.record_started("live", "1", "Live", "joe", DAY2)
    api.system.fresh("recordings")
    return made


def test_the_report_lists_filters_sorts_and_pages(api: RunningApi) -> None:
    made = _three(api)
    admin = api.admin_token()
    with api.client(admin) as c:
        found = _list(c)
        assert found["cnt"] == 3
        assert _names(found) == ["Webinar", "(no title)", "Brainstorm"]  # newest first
        webinar = found["list"][0]
        assert webinar == {
            "recording_id": made["Webinar"].recording_id,
            "conference_name": "Webinar",
            "session_id": made["Webinar"].session_id,
            "date": DAY2.isoformat(),
            "duration": 3591,
            "owner": "klintz",
            "conference_id": "webinar",
            "size_mb": 3.0,
            "size": 3 * MB,
            "file_format": "webm",
        }
        assert found["list"][1]["conference_id"] == ""
        # filters: date range, conference name, conference ID (parts, any case)
        assert _names(_list(c, date_to=DAY1.isoformat())) == ["Brainstorm"]
        since = _list(c, date_from=(DAY2 - timedelta(minutes=1)).isoformat())
        assert _names(since) == ["Webinar"]
        assert _names(_list(c, conference_name="BRAIN")) == ["Brainstorm"]
        assert _names(_list(c, conference_id="7857")) == ["Brainstorm"]
        assert _list(c, conference_name="nothing")["cnt"] == 0
        # sort by any column, both ways
        assert _names(_list(c, sort_field="size_mb", sort_order=0)) == [
            "(no title)",
            "Brainstorm",
            "Webinar",
        ]
        assert _names(_list(c, sort_field="conference_name", sort_order=1)) == [
            "Webinar",
            "Brainstorm",
            "(no title)",
        ]
        owners = [r["owner"] for r in _list(c, sort_field="owner", sort_order=0)["list"]]
        assert owners == ["joe", "joe", "klintz"]
        assert _names(_list(c, sort_field="duration", sort_order=0))[0] == "(no title)"
        # pages
        second = _list(c, page=2, page_size=2)
        assert (second["cnt"], _names(second)) == (3, ["Brainstorm"])
        # the viewer's time zone
        berlin = _list(c, timezone="Europe/Berlin")["list"][0]["date"]
        assert berlin == "2026-05-20T10:00:00+02:00"


def test_bad_queries_and_csv_are_refused_naming_the_field(api: RunningApi) -> None:
    _three(api)
    admin = api.admin_token()
    with api.client(admin) as c:
        for params, field in (
            ({"sort_field": "bogus"}, "sort_field"),
            ({"date_from": "yesterday"}, "date_from"),
            ({"date_to": "2026-13-01"}, "date_to"),
            ({"page": 0}, "page"),
            ({"page_size": 100_000}, "page_size"),
            ({"timezone": "Mars/Olympus"}, "timezone"),
        ):
            refused = c.get("/logs/recordings", params=params)
            assert refused.status_code == 400, refused.text
            assert _location(refused) == field
        # RECR-04: no CSV, by either way of asking
        for reply in (
            c.get("/logs/recordings/export"),
            c.get("/logs/recordings", headers={"Accept": "text/csv"}),
        ):
            assert reply.status_code == 406, reply.text
            assert "CSV" in reply.json()["error"]["message"]
        as_csv = c.get("/users/joe/recordings", headers={"Accept": "text/csv"})
        assert as_csv.status_code == 406
        missing = c.get("/logs/recordings/not-a-recording/download")
        assert missing.status_code == 404
        assert _location(missing) == "recording_id"
    with api.client() as anonymous:  # who asks is checked first
        assert anonymous.get("/logs/recordings/export").status_code == 401


def test_download_and_delete_by_administrators(api: RunningApi) -> None:
    made = _three(api)
    brainstorm = made["Brainstorm"]
    admin = api.admin_token()
    api.add_admin("auditor", "security")
    auditor = api.login("auditor")
    with api.client(auditor) as c:  # security admins view and download (§18.9.5) ...
        assert _list(c)["cnt"] == 3
        got = c.get(f"/logs/recordings/{brainstorm.recording_id}/download")
        assert got.status_code == 200, got.text
        assert got.content == b"b" * MB
        assert got.headers["content-type"] == "video/webm"
        # ... but never delete
        refused = c.delete(f"/logs/recordings/{brainstorm.recording_id}")
        assert refused.status_code == 403, refused.text
    head = api.head()
    with api.client(admin) as c:
        got = c.get(f"/logs/recordings/{made['Webinar'].recording_id}/download")
        assert got.content == b"w" * (3 * MB)
        gone = c.delete(f"/logs/recordings/{brainstorm.recording_id}")
        assert gone.status_code == 204, gone.text
        assert head < api.head()
        assert _names(_list(c)) == ["Webinar", "(no title)"]
        again = c.delete(f"/logs/recordings/{brainstorm.recording_id}")
        assert again.status_code == 404
        assert _location(again) == "recording_id"
        download = c.get(f"/logs/recordings/{brainstorm.recording_id}/download")
        assert download.status_code == 404
        assert c.delete("/logs/recordings/nonsense").status_code == 404
    assert not api.system.recording_files.get(brainstorm.recording_id, io.BytesIO())
    rows = _event_rows(api, admin, "delete_video_recording")
    assert len(rows) == 1
    row = rows[0]
    assert (row["source"], row["severity"], row["object_name"]) == (
        "admin",
        "High",
        brainstorm.session_id,
    )
    assert row["details"]["count"] == 1
    assert row["details"]["recording_id"] == brainstorm.recording_id
    assert row["details"]["actor"] == "root"
    # the deletion is on the stream: a rebuilt report leaves the row out again
    api.system.runners["recordings"].rebuild()
    api.system.fresh("recordings")
    with api.client(admin) as c:
        assert _list(c)["cnt"] == 2


def test_owners_see_their_recordings_and_download_unless_forbidden(api: RunningApi) -> None:
    admin = api.admin_token()
    with api.client(admin) as c:
        for user in ("jane", "ann"):
            assert c.post("/users", json={"id": user, "password": "Secret123"}).status_code == 201
    mine = _record(api, "42", "Planning", "jane", DAY1, b"jane's meeting")
    _record(api, "43", "Other", "ann", DAY2, b"ann's meeting")
    api.system.fresh("recordings")
    jane, ann = api.user_token("jane"), api.user_token("ann")
    download = f"/users/jane/recordings/{mine.recording_id}/download"
    with api.client(jane) as c:
        found = _list(c, "/users/jane/recordings")
        assert _names(found) == ["Planning"]
        assert found["list"][0]["downloadable"] is True
        got = c.get(download)
        assert got.status_code == 200, got.text
        assert got.content == b"jane's meeting"
        assert c.get("/users/ann/recordings").status_code == 403
    with api.client(ann) as c:  # not hers (a moderator of jane's meeting neither, CONF-07)
        assert c.get(download).status_code == 403
        theirs = c.get(f"/users/ann/recordings/{mine.recording_id}/download")
        assert theirs.status_code == 404
    with api.client(admin) as c:
        bad = c.patch("/settings/recordings", json={"forbid_owner_download": "yes"})
        assert bad.status_code == 400
        assert _location(bad) == "forbid_owner_download"
        api.add_admin("auditor", "security")
        with api.client(api.login("auditor")) as sec:
            refused = sec.patch("/settings/recordings", json={"forbid_owner_download": True})
            assert refused.status_code == 403
        ok = c.patch("/settings/recordings", json={"forbid_owner_download": True})
        assert ok.status_code == 200, ok.text
        assert ok.json()["forbid_owner_download"] is True
    with api.client(jane) as c:
        assert _list(c, "/users/jane/recordings")["list"][0]["downloadable"] is False
        forbidden = c.get(download)
        assert forbidden.status_code == 403
        assert _location(forbidden) == "forbid_owner_download"
    with api.client(admin) as c:  # administrators still may, from the user's list too
        assert c.get(download).content == b"jane's meeting"
        api.system.fresh("config_changes")
        changes = _list(c, "/logs/config-changes", object_type="server_settings")["list"]
        edits = [r for r in changes if r["action"] == "edit" and r["object_id"] == "recordings"]
        assert edits[0]["changes"] == [
            {"parameter": "forbid_owner_download", "previous": False, "new": True}
        ]


def test_recordings_are_deleted_automatically_after_n_days(api: RunningApi) -> None:
    admin = api.admin_token()
    today = datetime.now(UTC)
    old = _record(api, "1", "Old", "joe", today - timedelta(days=5), b"old")
    young = _record(api, "2", "Young", "joe", today, b"young")
    api.system.fresh("recordings")
    jobs = api.system.recording_jobs
    assert jobs.sweep() is None  # unchecked by default: kept forever
    with api.client(admin) as c:
        for days in (0, -1, "x", 10_001):
            bad = c.patch("/settings/recordings", json={"auto_delete_days": days})
            assert bad.status_code == 400
            assert _location(bad) == "auto_delete_days"
        ok = c.patch("/settings/recordings", json={"auto_delete_days": 10})
        assert ok.status_code == 200, ok.text
    jobs.last_run = None
    jobs.tick()
    api.system.fresh("recordings")
    with api.client(admin) as c:
        assert _list(c)["cnt"] == 2  # both younger than 10 days
    later = today + timedelta(days=8)  # `old` ended 13 days ago, `young` 8
    with process_clock(lambda: later):
        jobs.last_run = later - timedelta(days=1)
        jobs.tick()
        api.system.fresh("recordings")
        admin = api.login("root")
        with api.client(admin) as c:
            assert _names(_list(c)) == ["Young"]
        jobs.tick()  # once a day: nothing more now
    assert not api.system.recording_files.get(old.recording_id, io.BytesIO())
    assert api.system.recording_files.get(young.recording_id, io.BytesIO())
    rows = _event_rows(api, admin, "delete_video_recordings")
    assert len(rows) == 1
    assert (rows[0]["source"], rows[0]["severity"]) == ("server", "High")
    assert rows[0]["details"]["count"] == 1
    assert rows[0]["details"]["keep_days"] == 10
    assert _event_rows(api, admin, "delete_video_recording") == []
