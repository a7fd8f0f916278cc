"""Admin access (API.md 'Who may call what', guide §12.2, §18): tokens, roles, logout."""

from __future__ import annotations

from tests.support import RunningApi


def test_server_status_needs_no_token(api: RunningApi) -> None:
    with api.client() as c:
        reply = c.get("/server/status")
    assert reply.status_code == 200
    assert reply.json()["state"] == "running"


def test_every_other_route_needs_a_token(api: RunningApi) -> None:
    with api.client() as c:
        for method, path in [
            ("GET", "/settings/main"),
            ("PATCH", "/settings/main"),
            ("GET", "/logs/config-changes"),
            ("GET", "/admin/preferences"),
            ("POST", "/settings/security/api-secret"),
        ]:
            reply = c.request(method, path, json={})
            assert reply.status_code == 401, (method, path)
            assert reply.json()["error"]["errors"][0]["reason"] == "accessTokenInvalid"


def test_login_with_a_wrong_password_is_refused_and_recorded(api: RunningApi) -> None:
    api.add_admin("root")
    head = api.head()
    with api.client() as c:
        reply = c.post("/admin/session", json={"login": "root", "password": "nope"})
        unknown = c.post("/admin/session", json={"login": "nobody", "password": "nope"})
    assert reply.status_code == 401
    assert unknown.status_code == 401
    assert reply.json()["error"]["message"] == unknown.json()["error"]["message"]
    assert api.head() == head + 1  # the LoginFailed on root's account


def test_login_and_logout_are_events_and_logout_ends_the_token(api: RunningApi) -> None:
    token = api.admin_token()
    with api.client(token) as c:
        assert c.get("/settings/main").status_code == 200
        head = api.head()
        assert c.delete("/admin/session").status_code == 204
        assert api.head() == head + 1
        assert c.get("/settings/main").status_code == 401


def test_a_tampered_token_is_refused(api: RunningApi) -> None:
    token = api.admin_token()
    with api.client(token[:-2] + ("AA" if not token.endswith("AA") else "BB")) as c:
        assert c.get("/settings/main").status_code == 401


def test_security_admin_reads_but_never_changes(api: RunningApi) -> None:
    token = api.admin_token("auditor", role="security")
    head = api.head()
    with api.client(token) as c:
        assert c.get("/settings/main").status_code == 200
        assert c.get("/settings/security").status_code == 200
        assert c.get("/logs/config-changes").status_code == 200
        for method, path, body in [
            ("PATCH", "/settings/main", {"timezone": "Europe/Berlin"}),
            ("PATCH", "/settings/security", {"localhost_without_auth": True}),
            ("POST", "/settings/security/api-secret", None),
            ("POST", "/settings/main/user-auth-key", None),
        ]:
            reply = c.request(method, path, json=body)
            assert reply.status_code == 403, (method, path)
            assert reply.json()["error"]["errors"][0]["reason"] == "forbidden"
    assert api.head() == head


def test_the_api_secret_key_works_until_regenerated(api: RunningApi) -> None:
    """Guide §12.2: a server-wide key, valid until regenerated; the old one stops at once."""
    secret = api.system.keystore.read("api_secret")
    assert secret
    with api.client(secret) as c:
        assert c.get("/settings/main").status_code == 200
        reply = c.post("/settings/security/api-secret")
        assert reply.status_code == 200
        new_secret = reply.json()["api_secret"]
        assert c.get("/settings/main").status_code == 401
    with api.client(new_secret) as c:
        assert c.get("/settings/main").status_code == 200
    assert api.system.keystore.read("api_secret") == new_secret


def test_admin_ip_allowlist_refuses_other_networks(api: RunningApi) -> None:
    token = api.admin_token()
    with api.client(token) as c:
        reply = c.patch(
            "/settings/security",
            json={"admin_ip_allowlist_enabled": True, "admin_ip_allowlist": ["10.0.0.0/8"]},
        )
        assert reply.status_code == 200
        assert c.get("/settings/main").status_code == 403
    with api.client() as c:
        login = c.post("/admin/session", json={"login": "root", "password": "correct horse"})
        assert login.status_code == 403


def test_localhost_without_authentication_when_enabled(api: RunningApi) -> None:
    token = api.admin_token()
    with api.client(token) as c:
        assert c.patch("/settings/security", json={"localhost_without_auth": True}).is_success
    with api.client() as c:
        assert c.get("/settings/main").status_code == 200


def test_preferences_are_the_callers_own(api: RunningApi) -> None:
    token = api.admin_token("auditor", role="security")
    with api.client(token) as c:
        reply = c.patch("/admin/preferences", json={"timezone": "Asia/Tokyo"})
        assert reply.status_code == 200
        assert c.get("/admin/preferences").json()["timezone"] == "Asia/Tokyo"
        bad = c.patch("/admin/preferences", json={"csv_delimiter": ""})
        assert bad.status_code == 400
        assert bad.json()["error"]["errors"][0]["location"] == "csv_delimiter"
