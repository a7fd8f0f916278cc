"""Users signing in (guide §13.5, §13.10.2, §15.1, §16.1): tokens, lockout, zones,
sessions, and the Events report rows they leave."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.support import RunningApi
from tests.ws_client import Peer

TOKEN_FORM = {"grant_type": "password", "client_id": "quorum-client"}


def _sign_in(api: RunningApi, user: str, password: str) -> httpx.Response:
    with api.client() as c:
        return c.post("/oauth2/token", data={**TOKEN_FORM, "username": user, "password": password})


def _user(api: RunningApi, admin: str, body: dict[str, object]) -> None:
    with api.client(admin) as c:
        assert c.post("/users", json=body).status_code == 201


def test_password_grant_refresh_and_revoke(api: RunningApi) -> None:
    admin = api.admin_token()
    _user(api, admin, {"id": "jane", "password": "Secret123"})
    reply = _sign_in(api, "jane", "Secret123")
    assert reply.status_code == 200
    tokens = reply.json()
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 720 * 3600
    with api.client(tokens["access_token"]) as c:
        assert c.get("/users/jane").json()["id"] == "jane"
        assert c.get("/users").status_code == 403  # not an administrator
        assert c.patch("/users/jane", json={"company": "ACME"}).status_code == 200
        assert c.patch("/users/jane", json={"is_active": False}).status_code == 400
    with api.client() as c:
        refreshed = c.post(
            "/oauth2/token",
            json={
                "grant_type": "refresh_token",
                "client_id": "quorum-client",
                "refresh_token": tokens["refresh_token"],
            },
        ).json()
        assert refreshed["expires_in"] == 24 * 3600
        assert refreshed["refresh_token"] is None
        assert c.post("/oauth2/revoke", data={"token": tokens["access_token"]}).status_code == 200
    with api.client(refreshed["access_token"]) as c:
        assert c.get("/users/jane").status_code == 401  # the whole session is gone


def test_bad_token_requests_are_400s_naming_the_field(api: RunningApi) -> None:
    with api.client() as c:
        missing = c.post("/oauth2/token", data={"grant_type": "password"})
        assert missing.status_code == 400
        assert missing.json()["error"]["errors"][0]["location"] == "client_id"
        wrong_client = c.post("/oauth2/token", data={**TOKEN_FORM, "client_id": "x"})
        # Any other client ID is an OAuth application's: RFC 6749's body (issue 8).
        assert wrong_client.json()["error"] == "invalid_client"
        assert wrong_client.json()["errors"][0]["location"] == "client_id"
        grant = c.post("/oauth2/token", data={**TOKEN_FORM, "grant_type": "magic"})
        assert grant.json()["error"]["errors"][0]["location"] == "grant_type"
        no_password = c.post("/oauth2/token", data={**TOKEN_FORM, "username": "jane"})
        assert no_password.json()["error"]["errors"][0]["location"] == "password"


def test_a_burst_of_wrong_passwords_locks_once_and_records_every_attempt(
    api: RunningApi,
) -> None:
    admin = api.admin_token()
    _user(api, admin, {"id": "jane", "password": "Secret123"})
    with ThreadPoolExecutor(max_workers=10) as pool:
        replies = list(pool.map(lambda _: _sign_in(api, "jane", "wrong"), range(100)))
    codes = [r.status_code for r in replies]
    assert all(code < 500 for code in codes)
    assert set(codes) <= {401, 423, 403}
    locked = _sign_in(api, "jane", "Secret123")
    assert locked.status_code == 423
    assert locked.json()["error"]["errors"][0]["reason"] == "locked"
    with api.client(admin) as c:
        assert c.get("/users/jane").json()["locked_until"] is not None
        locks = c.get("/logs/events", params={"event": "lock"}).json()
        logins = c.get("/logs/events", params={"event": "login", "object_name": "jane"}).json()
        assert locks["cnt"] == 1
        assert logins["cnt"] == 101
        assert c.post("/users/jane/unlock").status_code == 200
        unlocks = c.get("/logs/events", params={"event": "unlock"}).json()["list"]
        assert unlocks[0]["source"] == "admin"
    assert _sign_in(api, "jane", "Secret123").status_code == 200


def test_inactive_users_and_closed_zones_are_told_why(api: RunningApi) -> None:
    admin = api.admin_token()
    _user(api, admin, {"id": "jane", "password": "Secret123", "is_active": False})
    inactive = _sign_in(api, "jane", "Secret123")
    assert inactive.status_code == 403
    assert "deactivated" in inactive.json()["error"]["message"]
    with api.client(admin) as c:
        c.patch("/users/jane", json={"is_active": True})
        token = api.user_token("jane")
        zones = {"zones": {"external": {"enabled": False}}}
        assert c.patch("/settings/auth-zones", json=zones).is_success
    closed = _sign_in(api, "jane", "Secret123")  # 127.0.0.1 is in the external zone
    assert closed.status_code == 403
    assert "unavailable" in closed.json()["error"]["message"]
    with api.client(token) as c:  # issued tokens stay valid until they expire
        assert c.get("/users/jane").status_code == 200


def test_disconnect_ends_every_session(api: RunningApi) -> None:
    admin = api.admin_token()
    _user(api, admin, {"id": "jane", "password": "Secret123"})
    phone, laptop = api.user_token("jane"), api.user_token("jane")
    with api.client(admin) as c:
        assert c.post("/users/jane/disconnect").json() == {"ended_sessions": 2}
    for token in (phone, laptop):
        with api.client(token) as c:
            assert c.get("/users/jane").status_code == 401


def test_the_events_report_shows_logins_with_their_details(api: RunningApi) -> None:
    admin = api.admin_token()
    _user(api, admin, {"id": "jane", "password": "Secret123", "display_name": "Jane"})
    api.user_token("jane")
    _sign_in(api, "jane", "nope")
    _sign_in(api, "ghost", "nope")
    with api.client(admin) as c:
        rows = c.get("/logs/events", params={"source": "user", "sort_order": 0}).json()["list"]
        by_admin = c.get("/logs/events", params={"source": "admin", "event": "login"}).json()
        bad = c.get("/logs/events", params={"severity": "Extreme"})
        csv = c.get("/logs/events/export", params={"event": ["login"], "object_name": "ghost"})
    ok, wrong, ghost = rows
    assert (ok["event"], ok["severity"], ok["ip"]) == ("login", "Low", "127.0.0.1")
    assert ok["details"]["result"] == 0 and ok["details"]["method"] == "login_password"
    assert len(ok["details"]["rights"]) == 10
    assert (wrong["details"]["result"], wrong["details"]["reason"]) == (1, "wrong_password")
    assert (ghost["object_name"], ghost["details"]["reason"]) == ("ghost", "unknown_id")
    assert by_admin["list"][0]["details"]["admin_type"] == "sysadmin"
    assert bad.status_code == 400
    assert csv.text.count("\n") == 2 and "ghost" in csv.text
    assert ok["details"]["display_name"] == wrong["details"]["display_name"] == "Jane"
    assert ok["details"]["user_agent"].startswith("python-httpx/")
    assert by_admin["list"][0]["details"]["user_agent"].startswith("python-httpx/")


def test_a_client_sign_in_names_its_endpoint_and_application(api: RunningApi) -> None:
    """§16.1 detail fields: the endpoint that signed in, the application, the user agent,
    the login as typed and the real user ID."""
    admin = api.admin_token()
    _user(api, admin, {"id": "jane", "password": "Secret123", "display_name": "Jane"})
    with Peer(api.base_url, user_agent="QuorumDesktop/1.0") as peer:
        signed_in = peer.ok("auth", login="JANE", password="Secret123", app_name="Quorum Desktop")
    with api.client(admin) as c:
        login = c.get("/logs/events", params={"event": "login", "source": "user"}).json()
    details = login["list"][0]["details"]
    assert details["endpoint_id"] == signed_in["endpoint_id"]
    assert (details["application"], details["user_agent"]) == (
        "Quorum Desktop",
        "QuorumDesktop/1.0",
    )
    assert (details["login"], details["user_id"]) == ("JANE", "jane")
