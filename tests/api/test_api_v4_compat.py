"""Compatibility with the original product's API v4 (issue 8 item 7, API.md): Quorum
driven the way public clients of that API drive it — a token from `oauth2/token`
(form-encoded like `curl -d`, or JSON like the vendor's own client), the token as
`?access_token=` or a Bearer header, `GET` with `Content-Type: application/json` and a
trailing slash, a weekly "S|L" conference with weekday names and `special_time_offset`,
`page`/`page_size`/`sort_field`/`sort_order`, `{"invitation": {...}}`, run, stop,
`logs/calls` — checking the field names and JSON types such scripts rely on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.api.test_oauth_applications import create_app
from tests.support import RunningApi, eventually

MONDAY_0700_UTC = 1_798_441_200  # Monday 2026-12-28 07:00 UTC (10:00 in Moscow)
SERVER_SCOPE = ["conferences", "conferences.invitations", "logs.calls:read"]


class V4Script:
    """What a script for the original API holds: a base URL, a token, `requests`-like
    habits (JSON content type on every call, redirects followed)."""

    def __init__(self, api: RunningApi, token: str, transport: str) -> None:
        self.token_in_query = transport == "query"
        headers = {"Content-Type": "application/json"}
        if not self.token_in_query:
            headers["Authorization"] = f"Bearer {token}"
        self.token = token
        self.headers = headers
        self.base_url = f"{api.base_url}/api/v4"

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request, like `requests.request(method, url, ...)`."""
        params = dict(kwargs.pop("params", {}))
        if self.token_in_query:
            params["access_token"] = self.token
        return httpx.request(
            method,
            self.base_url + path,
            params=params,
            headers=self.headers,
            follow_redirects=True,
            timeout=30,
            **kwargs,
        )

    def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        reply = self.call(method, path, **kwargs)
        assert reply.status_code == status, (method, path, reply.text)
        return reply.json()


def _people(api: RunningApi) -> str:
    admin = api.admin_token()
    with api.client(admin) as c:
        for user in ("jane", "bob", "carla"):
            body = {"id": user, "password": "Secret123", "display_name": user.title()}
            assert c.post("/users", json=body).status_code == 201
    api.system.fresh("directory")
    return admin


def _token(api: RunningApi, as_json: bool = False, **fields: str) -> dict[str, Any]:
    """JSON to /api/v4/oauth2/token; a form (like `curl -d`) to the original product's
    token URL at the server's root, /oauth2/v1/token."""
    with httpx.Client(base_url=api.base_url, timeout=30) as h:
        reply = (
            h.post("/api/v4/oauth2/token", json=fields)
            if as_json
            else h.post("/oauth2/v1/token", data=fields)
        )
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    assert isinstance(body["access_token"], str) and body["access_token"]
    assert body["token_type"] == "Bearer"
    assert type(body["expires_in"]) is int and body["expires_in"] == 3600
    assert isinstance(body["scope"], str)
    return body


def _is_iso(value: Any) -> bool:
    return isinstance(value, str) and datetime.fromisoformat(value).tzinfo is not None


def _check_conference(conf: dict[str, Any], listed: bool = False) -> None:
    """The conference object's fields a client reads, with their JSON types (a list's
    items lack the page's `url`)."""
    for name in ("id", "topic", "owner", "description", "access", "mode", "state"):
        assert isinstance(conf[name], str), name
    for name in ("max_podiums", "max_participants", "created_at"):
        assert type(conf[name]) is int, name
    for name in ("locked", "allow_uninvited", "waiting_room_enabled", "recording_enabled"):
        assert type(conf[name]) is bool, name
    assert conf["session_id"] is None or isinstance(conf["session_id"], str)
    if not listed:
        assert isinstance(conf["url"], str) and conf["url"].endswith(conf["id"])
    assert isinstance(conf["invitations"], list)
    for invitation in conf["invitations"]:
        _check_invitation(invitation)


def _check_invitation(invitation: dict[str, Any]) -> None:
    assert isinstance(invitation["id"], str) and isinstance(invitation["display_name"], str)
    assert type(invitation["is_moderator"]) is bool


def _weekly_v4(topic: str) -> dict[str, Any]:
    """As the vendor's v4 client sends it: weekday names, `time` in UTC with
    `special_time_offset` for the owner's zone."""
    return {
        "topic": topic,
        "owner": "jane",
        "mode": "S|L",
        "schedule": {
            "type": "week",
            "start_time": MONDAY_0700_UTC,
            "duration": 3600,
            "days": ["monday", "wednesday"],
            "time": "07:00",
            "special_time_offset": 180,
        },
    }


@pytest.mark.parametrize("transport", ["query", "bearer"])
def test_a_server_scope_script_runs_unchanged(api: RunningApi, transport: str) -> None:
    admin = _people(api)
    body = {"name": "Scheduler", "redirect_uri": "https://localhost/", "permissions": SERVER_SCOPE}
    app = create_app(api, admin, body)
    creds = {"client_id": app["id"], "client_secret": app["secret"]}
    as_json = _token(api, as_json=True, grant_type="client_credentials", **creds)
    assert as_json["scope"] == " ".join(SERVER_SCOPE)
    issued = _token(api, grant_type="client_credentials", **creds)
    script = V4Script(api, issued["access_token"], transport)

    created = script.ok("POST", "/conferences", 201, json=_weekly_v4("Weekly sync"))
    _check_conference(created)
    cid = created["id"]
    assert (created["mode"], created["state"], created["owner"]) == ("S|L", "stopped", "jane")
    assert created["schedule"] == {
        "type": "week",
        "start_time": MONDAY_0700_UTC,
        "duration": 3600,
        "days": [1, 3],  # Monday, Wednesday (0 = Sunday)
        "time": "10:00",  # 07:00 UTC at +180 minutes
        "time_offset": 180,
    }
    native = {**_weekly_v4("Weekly sync, native"), "schedule": created["schedule"]}
    same = script.ok("POST", "/conferences", 201, json=native)["schedule"]
    assert same == created["schedule"]
    assert script.ok("GET", f"/conferences/{cid}") == created

    # Paging and ordering over several conferences, the trailing slash as scripts write it.
    for topic in ("Alpha", "Bravo", "Charlie"):
        script.ok("POST", "/conferences", 201, json={"topic": topic, "owner": "jane"})
    every: list[str] = []
    for page in (1, 2, 3):
        query = {"page": page, "page_size": 2, "sort_field": "topic", "sort_order": 0}
        listed = script.ok("GET", "/conferences/", params=query)
        assert type(listed["cnt"]) is int and listed["cnt"] == 5
        assert len(listed["conferences"]) == (2 if page < 3 else 1)
        for conf in listed["conferences"]:
            _check_conference(conf, listed=True)
        every += [c["topic"] for c in listed["conferences"]]
    assert every == ["Alpha", "Bravo", "Charlie", "Weekly sync", "Weekly sync, native"]
    query = {"page_size": 5, "sort_field": "topic", "sort_order": 1}
    descending = script.ok("GET", "/conferences", params=query)["conferences"]
    assert [c["topic"] for c in descending] == every[::-1]

    # Invitations: one at a time as the v4 client adds them, or several at once.
    one = script.ok(
        "POST",
        f"/conferences/{cid}/invitations",
        201,
        json={"invitation": {"id": "bob", "display_name": "Bob B."}},
    )
    assert one["invitation"] == {"id": "bob", "display_name": "Bob B.", "is_moderator": False}
    script.ok(
        "POST", f"/conferences/{cid}/invitations", 201, json={"invitations": [{"id": "carla"}]}
    )
    invited = script.ok("GET", f"/conferences/{cid}/invitations")
    assert type(invited["cnt"]) is int and invited["cnt"] == 2
    assert [i["id"] for i in invited["invitations"]] == ["bob", "carla"]
    for invitation in invited["invitations"]:
        _check_invitation(invitation)
    again = script.call(
        "POST", f"/conferences/{cid}/invitations", json={"invitation": {"id": "bob"}}
    )
    assert again.status_code == 409
    assert again.json()["error"]["errors"][0]["reason"] == "uniqueValueAlreadyInUse"

    # Run: the state and the session ID, found in the running list like scripts look it up.
    running = script.ok("POST", f"/conferences/{cid}/run")
    session_id = running["session_id"]
    assert running["state"] == "running" and isinstance(session_id, str) and session_id
    assert script.ok("GET", f"/conferences/{cid}")["session_id"] == session_id
    live = script.ok("GET", "/conferences/", params={"state": "running", "page_size": 1000})
    assert [(c["id"], c["session_id"]) for c in live["conferences"]] == [(cid, session_id)]
    stopped = script.ok("POST", f"/conferences/{cid}/stop")
    assert (stopped["state"], stopped["session_id"]) == ("stopped", None)

    # logs/calls: the session, with the types of its fields.
    def logged() -> bool:
        rows = script.ok("GET", "/logs/calls", params={"page_size": 1000})["list"]
        return any(r["session_id"] == session_id and r["end_time"] for r in rows)

    eventually(logged)
    calls = script.ok("GET", "/logs/calls", params={"sort_field": "date", "sort_order": 1})
    assert type(calls["cnt"]) is int and calls["cnt"] == 1
    row = calls["list"][0]
    assert (row["session_id"], row["cid"], row["topic"]) == (session_id, cid, "Weekly sync")
    assert (row["owner"], row["mode"], row["kind"]) == ("jane", "S|L", "conference")
    assert type(row["participants"]) is int and type(row["duration"]) is int
    assert _is_iso(row["date"]) and _is_iso(row["end_time"])
    assert datetime.fromisoformat(row["end_time"]) >= datetime.fromisoformat(row["date"])
    assert script.ok("GET", f"/logs/calls/{session_id}")["session_id"] == session_id

    # Errors in the original's body: a script tells "not found" by its reason.
    missing = script.call("GET", "/conferences/nosuchconference")
    assert missing.status_code == 404
    error = missing.json()["error"]
    assert error["code"] == 404 and error["errors"][0]["reason"] == "notFound"


def test_bad_v4_schedules_are_refused_naming_the_field(api: RunningApi) -> None:
    admin = _people(api)
    app = create_app(
        api, admin, {"name": "S", "redirect_uri": "https://localhost/", "permissions": SERVER_SCOPE}
    )
    creds = {"client_id": app["id"], "client_secret": app["secret"]}
    token = _token(api, grant_type="client_credentials", **creds)["access_token"]
    script = V4Script(api, token, "bearer")
    head = api.head()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"days": ["funday"]}, "schedule.days"),
        ({"days": ["monday", "Monday"]}, "schedule.days"),
        ({"special_time_offset": "180"}, "schedule.special_time_offset"),
        ({"special_time_offset": 180, "time_offset": 120}, "schedule.special_time_offset"),
        ({"time": "7am"}, "schedule.time"),
    ]
    for change, field in cases:
        body = _weekly_v4("Bad")
        body["schedule"] = {**body["schedule"], **change}
        reply = script.call("POST", "/conferences", json=body)
        assert reply.status_code == 400, (change, reply.text)
        assert reply.json()["error"]["errors"][0]["location"] == field
    # A refused command appends nothing but the application's own call records.
    appended = api.system.recorder.select_notifications(head + 1, 100)
    assert all("ApplicationCall" in n.topic for n in appended), [n.topic for n in appended]


def test_a_user_scope_script_acts_for_its_user(api: RunningApi) -> None:
    admin = _people(api)
    body = {
        "name": "Calendar",
        "redirect_uri": "https://localhost/",
        "permissions": ["conferences", "conferences.invitations"],
    }
    app = create_app(api, admin, body)
    issued = _token(
        api,
        grant_type="password",
        client_id=app["id"],
        client_secret=app["secret"],
        username="jane",
        password="Secret123",
    )
    assert isinstance(issued["refresh_token"], str) and issued["refresh_token"]
    script = V4Script(api, issued["access_token"], "query")

    created = script.ok("POST", "/conferences", 201, json=_weekly_v4("Jane's weekly"))
    _check_conference(created)
    cid = created["id"]
    assert created["owner"] == "jane"
    listed = script.ok("GET", "/conferences", params={"page": 1, "page_size": 50})
    assert cid in [c["id"] for c in listed["conferences"]]
    added = script.ok(
        "POST", f"/conferences/{cid}/invitations", 201, json={"invitation": {"id": "bob"}}
    )
    assert added["invitation"]["id"] == "bob"
    assert script.ok("GET", f"/conferences/{cid}/invitations")["cnt"] == 1
    running = script.ok("POST", f"/conferences/{cid}/run")
    assert running["state"] == "running" and isinstance(running["session_id"], str)
    assert script.ok("POST", f"/conferences/{cid}/stop")["state"] == "stopped"
    # The application was not given logs.calls: the report is closed to its token.
    assert script.call("GET", "/logs/calls").status_code == 403
