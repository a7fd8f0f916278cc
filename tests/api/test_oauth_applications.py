"""OAuth applications over HTTP (guide §15.3, §15.4): CRUD, the secret shown once and
regenerated, tokens listed and revoked, security admins read-only."""

from __future__ import annotations

from typing import Any

from tests.support import RunningApi

APP = {"name": "CRM", "redirect_uri": "https://localhost/", "permissions": ["users"]}


def create_app(api: RunningApi, admin: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    with api.client(admin) as c:
        reply = c.post("/oauth2/applications", json=body or APP)
    assert reply.status_code == 201, reply.text
    created: dict[str, Any] = reply.json()
    return created


def client_token(api: RunningApi, app: dict[str, Any], secret: str | None = None) -> Any:
    with api.client() as c:
        return c.post(
            "/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": app["id"],
                "client_secret": secret or app["secret"],
            },
        )


def test_create_list_edit_delete(api: RunningApi) -> None:
    admin = api.admin_token()
    app = create_app(api, admin)
    assert len(app["id"]) == 32 and app["secret"] and app["permissions"] == ["users"]
    with api.client(admin) as c:
        shown = c.get(f"/oauth2/applications/{app['id']}").json()
        assert "secret" not in shown and shown["name"] == "CRM"
        listed = c.get("/oauth2/applications", params={"sort_field": "name"}).json()
        assert listed["cnt"] == 1 and listed["applications"][0]["id"] == app["id"]
        edited = c.patch(f"/oauth2/applications/{app['id']}", json={"name": "CRM 2"})
        assert edited.json()["name"] == "CRM 2" and edited.json()["id"] == app["id"]
        fixed = c.patch(f"/oauth2/applications/{app['id']}", json={"id": "x"})
        assert fixed.status_code == 400
        assert fixed.json()["error"]["errors"][0]["location"] == "id"
        assert c.delete(f"/oauth2/applications/{app['id']}").status_code == 204
        assert c.get(f"/oauth2/applications/{app['id']}").status_code == 404
        assert c.get("/oauth2/applications").json()["cnt"] == 0


def test_bad_applications_are_400s_naming_the_field(api: RunningApi) -> None:
    admin = api.admin_token()
    head = api.head()
    with api.client(admin) as c:
        for body, field in [
            ({"redirect_uri": "https://localhost/"}, "name"),
            ({"name": "x"}, "redirect_uri"),
            ({"name": "x", "redirect_uri": "ftp://x/"}, "redirect_uri"),
            ({**APP, "permissions": ["root"]}, "permissions"),
            ({**APP, "secret": "mine"}, "secret"),
        ]:
            reply = c.post("/oauth2/applications", json=body)
            assert reply.status_code == 400, body
            assert reply.json()["error"]["errors"][0]["location"] == field
        assert c.get("/oauth2/applications", params={"sort_field": "x"}).status_code == 400
    assert api.head() == head  # refused: nothing appended


def test_security_admins_read_but_change_nothing(api: RunningApi) -> None:
    admin = api.admin_token()
    app = create_app(api, admin)
    security = api.admin_token("sec", "security")
    with api.client(security) as c:
        assert c.get("/oauth2/applications").status_code == 200
        assert c.get(f"/oauth2/applications/{app['id']}/tokens").status_code == 200
        for reply in [
            c.post("/oauth2/applications", json=APP),
            c.patch(f"/oauth2/applications/{app['id']}", json={"name": "x"}),
            c.delete(f"/oauth2/applications/{app['id']}"),
            c.post(f"/oauth2/applications/{app['id']}/secret"),
        ]:
            assert reply.status_code == 403
            assert reply.json()["error"]["errors"][0]["reason"] == "forbidden"


def test_regenerating_the_secret_keeps_issued_tokens_and_refuses_the_old_secret(
    api: RunningApi,
) -> None:
    admin = api.admin_token()
    app = create_app(api, admin)
    before = client_token(api, app).json()["access_token"]
    with api.client(admin) as c:
        regenerated = c.post(f"/oauth2/applications/{app['id']}/secret").json()
    assert regenerated["secret"] != app["secret"] and regenerated["id"] == app["id"]
    old = client_token(api, app)
    assert old.status_code == 401 and old.json()["error"] == "invalid_client"
    assert client_token(api, app, regenerated["secret"]).status_code == 200
    with api.client(before) as c:
        assert c.get("/users").status_code == 200  # issued before: still valid


def test_tokens_are_listed_and_a_revoked_one_is_refused_at_once(api: RunningApi) -> None:
    admin = api.admin_token()
    app = create_app(api, admin)
    token = client_token(api, app).json()["access_token"]
    with api.client(admin) as c:
        tokens = c.get(f"/oauth2/applications/{app['id']}/tokens").json()
    assert tokens["cnt"] == 1
    listed = tokens["tokens"][0]
    assert listed["grant"] == "client_credentials" and listed["scope"] == "server"
    assert listed["active"] and not listed["revoked"] and token not in str(tokens)
    with api.client(token) as c:
        assert c.get("/users").status_code == 200
    with api.client(admin) as c:
        path = f"/oauth2/applications/{app['id']}/tokens/{listed['id']}"
        assert c.delete(path).status_code == 204
        assert c.delete(f"/oauth2/applications/{app['id']}/tokens/nope").status_code == 404
    with api.client(token) as c:
        assert c.get("/users").status_code == 401
    with api.client(admin) as c:
        after = c.get(f"/oauth2/applications/{app['id']}/tokens").json()["tokens"][0]
    assert after["revoked"] and not after["active"]


def test_a_deleted_applications_tokens_stop_working(api: RunningApi) -> None:
    admin = api.admin_token()
    app = create_app(api, admin)
    token = client_token(api, app).json()["access_token"]
    with api.client(admin) as c:
        c.delete(f"/oauth2/applications/{app['id']}")
    with api.client(token) as c:
        assert c.get("/users").status_code == 401
    assert client_token(api, app).json()["error"] == "invalid_client"


def test_application_tokens_may_not_manage_applications(api: RunningApi) -> None:
    admin = api.admin_token()
    app = create_app(api, admin)
    token = client_token(api, app).json()["access_token"]
    with api.client(token) as c:
        reply = c.get("/oauth2/applications")
    assert reply.status_code == 403
    assert reply.json()["error"]["errors"][0]["reason"] == "forbidden"
