"""What OAuth applications do, and what is done to them, is on the record (guide §15,
§16.1, §16.4; issue 8 item 4): each request with a live application token is an Events
`api_call` row (application, action, result, time taken), refused ones included; each
change to an application is a Configuration Changes row; no token or secret anywhere."""

from __future__ import annotations

from typing import Any

from jose import jwt

from tests.api.test_oauth_applications import client_token, create_app
from tests.support import RunningApi, eventually

CRM = {"name": "CRM", "redirect_uri": "https://localhost/", "permissions": ["users:read"]}


def _events(api: RunningApi, admin: str, **filters: Any) -> list[dict[str, Any]]:
    with api.client(admin) as c:
        api.system.fresh("events")
        params = {"event": "api_call", "page_size": 100, "sort_order": 0, **filters}
        reply = c.get("/logs/events", params=params)
    assert reply.status_code == 200, reply.text
    rows: list[dict[str, Any]] = reply.json()["list"]
    return rows


def _calls(api: RunningApi, admin: str, count: int) -> list[dict[str, Any]]:
    """The `api_call` rows, oldest first, once `count` are there (the writer saves after
    the reply)."""
    eventually(lambda: len(_events(api, admin)) >= count)
    return _events(api, admin)


def _stream_text(api: RunningApi) -> str:
    notes = api.system.recorder.select_notifications(start=1, limit=100_000)
    return "\n".join(n.state.decode("utf-8", "replace") for n in notes)


def test_each_application_request_is_an_events_row_refusals_included(api: RunningApi) -> None:
    admin = api.admin_token()
    with api.client(admin) as c:
        assert c.post("/users", json={"id": "jane", "password": "Secret123"}).status_code == 201
    app = create_app(api, admin, CRM)
    token = client_token(api, app).json()["access_token"]
    headers = {"User-Agent": "crm-sync/2.1"}
    with api.client(token) as c:
        assert c.get("/users", headers=headers).status_code == 200
        assert c.get("/users/nobody", headers=headers).status_code == 404
        assert c.patch("/users/jane", json={"company": "x"}, headers=headers).status_code == 403
        assert c.get("/groups", headers=headers).status_code == 403
        bad_json = c.post(
            "/users",
            content=b"{not json",
            headers={**headers, "Content-Type": "application/json"},
        )
        assert bad_json.status_code in (400, 422)
    rows = _calls(api, admin, 5)
    assert [(r["details"]["action"], r["details"]["status"]) for r in rows] == [
        ("GET /api/v4/users", 200),
        ("GET /api/v4/users/{user_id}", 404),
        ("PATCH /api/v4/users/{user_id}", 403),
        ("GET /api/v4/groups", 403),
        ("POST /api/v4/users", bad_json.status_code),
    ]
    assert [r["details"]["result"] for r in rows] == [0, 1, 1, 1, 1]
    assert [r["severity"] for r in rows] == ["Low", "Low", "Medium", "Low", "Medium"]
    first = rows[0]
    assert first["source"] == "admin" and first["object_name"] == "CRM"
    assert first["ip"] == "127.0.0.1"
    details = first["details"]
    assert details["application"] == "CRM" and details["app_id"] == app["id"]
    assert details["scope"] == "server" and details["user_agent"] == "crm-sync/2.1"
    assert isinstance(details["exec_time_ms"], int) and details["exec_time_ms"] >= 0
    # Filters of the report work on the new rows.
    assert len(_events(api, admin, severity="Medium")) == 2
    assert len(_events(api, admin, object_name="CRM")) == 5
    assert token not in _stream_text(api) and app["secret"] not in _stream_text(api)


def test_a_user_scope_token_names_the_user(api: RunningApi) -> None:
    admin = api.admin_token()
    with api.client(admin) as c:
        body = {"id": "jane", "password": "Secret123", "display_name": "Jane Flowers"}
        assert c.post("/users", json=body).status_code == 201
    app = create_app(api, admin, CRM)
    form = {
        "grant_type": "password",
        "client_id": app["id"],
        "client_secret": app["secret"],
        "username": "jane",
        "password": "Secret123",
    }
    with api.client() as c:
        token = c.post("/oauth2/token", data=form).json()["access_token"]
    with api.client(token) as c:
        assert c.get("/users/jane").status_code == 200
        assert c.get("/users").status_code == 403  # a user is not an administrator
    first, second = _calls(api, admin, 2)
    assert first["source"] == "user" and first["object_name"] == "jane"
    assert first["details"]["user_id"] == "jane" and first["details"]["scope"] == "user"
    assert first["details"]["display_name"] == "Jane Flowers"
    assert first["details"]["application"] == "CRM" and first["details"]["result"] == 0
    assert second["details"]["action"] == "GET /api/v4/users"
    assert second["details"]["result"] == 1 and second["details"]["status"] == 403


def test_only_live_application_tokens_are_recorded(api: RunningApi) -> None:
    admin = api.admin_token()
    app = create_app(api, admin, CRM)
    live = client_token(api, app).json()["access_token"]
    revoked = client_token(api, app).json()["access_token"]
    with api.client(admin) as c:
        tokens = c.get(f"/oauth2/applications/{app['id']}/tokens").json()["tokens"]
        assert c.get("/users").status_code == 200  # an administrator: not an application
    revoked_id = jwt.get_unverified_claims(revoked)["jti"]
    assert revoked_id in {t["id"] for t in tokens}
    with api.client(admin) as c:
        path = f"/oauth2/applications/{app['id']}/tokens/{revoked_id}"
        assert c.delete(path).status_code == 204
    forged = jwt.encode(jwt.get_unverified_claims(live), "another key", algorithm="HS256")
    for bearer in (revoked, forged, "not.a.jwt"):
        with api.client(bearer) as c:
            assert c.get("/users").status_code == 401
            bad = c.post("/users", content=b"{", headers={"Content-Type": "application/json"})
            assert bad.status_code in (400, 401, 422)
    with api.client(live) as c:
        assert c.get("/users").status_code == 200
    rows = _calls(api, admin, 1)
    assert len(rows) == 1 and rows[0]["details"]["status"] == 200


def test_application_changes_are_configuration_changes_without_secrets(api: RunningApi) -> None:
    admin = api.admin_token()
    app = create_app(api, admin, CRM)
    token = client_token(api, app).json()["access_token"]
    with api.client(admin) as c:
        base = f"/oauth2/applications/{app['id']}"
        assert c.patch(base, json={"name": "CRM 2", "permissions": ["users"]}).status_code == 200
        secret = c.post(f"{base}/secret").json()["secret"]
        token_id = c.get(f"{base}/tokens").json()["tokens"][0]["id"]
        assert c.delete(f"{base}/tokens/{token_id}").status_code == 204
        assert c.delete(base).status_code == 204
        api.system.fresh("config_changes")
        rows = c.get(
            "/logs/config-changes", params={"username": "root", "sort_order": 0, "page_size": 100}
        ).json()["list"]
    ours = [r for r in rows if r["object_type"] in ("oauth_application", "oauth_token")]
    assert [(r["action"], r["object_type"]) for r in ours] == [
        ("create", "oauth_application"),
        ("edit", "oauth_application"),
        ("edit", "oauth_application"),
        ("delete", "oauth_token"),
        ("delete", "oauth_application"),
    ]
    created, edited, regenerated, revoked, deleted = ours
    assert {c["parameter"] for c in created["changes"]} >= {"id", "name", "permissions"}
    assert created["object_id"] == app["id"]
    changed = {c["parameter"]: (c["previous"], c["new"]) for c in edited["changes"]}
    assert changed["name"] == ("CRM", "CRM 2")
    assert changed["permissions"] == (["users:read"], ["users"])
    assert changed["id"] == (app["id"], app["id"])
    assert [c["parameter"] for c in regenerated["changes"]] == ["id", "secret"]
    assert revoked["object_id"] == token_id
    assert deleted["changes"] == [{"parameter": "id", "previous": app["id"], "new": None}]
    text = str(rows) + _stream_text(api)
    for value in (app["secret"], secret, token):
        assert value not in text


def test_security_admins_read_the_rows_but_change_nothing(api: RunningApi) -> None:
    admin = api.admin_token()
    auditor = api.admin_token("auditor", "security")
    app = create_app(api, admin, CRM)
    token = client_token(api, app).json()["access_token"]
    with api.client(token) as c:
        assert c.get("/users").status_code == 200
    eventually(lambda: len(_events(api, auditor)) == 1)
    with api.client(auditor) as c:
        head = api.head()
        assert c.patch(f"/oauth2/applications/{app['id']}", json={"name": "x"}).status_code == 403
        assert c.delete("/logs/events", params={"event": "api_call"}).status_code == 403
    assert api.head() == head
