"""OAuth grants over HTTP (guide §15.1, WE-20): lifetimes and scopes, the authorization
code page, permissions on routes, and the abuse list, each refused with RFC 6749's error
body and an Events row, never a 500."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from jose import jwt

from adapters.rate_limit import TokenBuckets
from tests.api.test_oauth_applications import create_app
from tests.support import RunningApi

CALLBACK = "https://app.example/callback"


def _token(api: RunningApi, **form: str) -> Any:
    with api.client() as c:
        return c.post("/oauth2/token", data=form)


def _setup(api: RunningApi, permissions: list[str]) -> tuple[str, dict[str, Any]]:
    admin = api.admin_token()
    with api.client(admin) as c:
        assert c.post("/users", json={"id": "jane", "password": "Secret123"}).status_code == 201
    body = {"name": "CRM", "redirect_uri": CALLBACK, "permissions": permissions}
    return admin, create_app(api, admin, body)


def _creds(app: dict[str, Any]) -> dict[str, str]:
    return {"client_id": app["id"], "client_secret": app["secret"]}


def test_client_credentials_server_scope_one_hour_and_permissions(api: RunningApi) -> None:
    _, app = _setup(api, ["users:read"])
    reply = _token(api, grant_type="client_credentials", **_creds(app)).json()
    assert reply["expires_in"] == 3600 and reply["refresh_token"] is None
    assert reply["scope"] == "users:read"
    with api.client(reply["access_token"]) as c:
        assert c.get("/users").json()["cnt"] == 1  # server-wide: every user
        assert c.patch("/users/jane", json={"company": "x"}).status_code == 403
        assert c.get("/groups").status_code == 403  # no groups permission
        assert c.get("/conferences").status_code == 403  # route declares no permission


def test_password_grant_user_scope_and_refresh(api: RunningApi) -> None:
    _, app = _setup(api, ["users"])
    form = {"grant_type": "password", "username": "jane", "password": "Secret123"}
    tokens = _token(api, **form, **_creds(app)).json()
    assert tokens["expires_in"] == 3600 and tokens["refresh_token"]
    with api.client(tokens["access_token"]) as c:
        assert c.get("/users/jane").status_code == 200  # acts as jane
        assert c.get("/users").status_code == 403  # not an administrator
    refreshed = _token(
        api, grant_type="refresh_token", refresh_token=tokens["refresh_token"], **_creds(app)
    ).json()
    assert refreshed["expires_in"] == 86400 and refreshed["refresh_token"] is None
    assert refreshed["scope"] == "users"
    claims = jwt.get_unverified_claims(refreshed["access_token"])
    assert claims["scope"] == "user" and claims["app"] == app["id"] and claims["sub"] == "jane"
    wrong = _token(api, **{**form, "password": "nope"}, **_creds(app))
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"


def test_authorization_code_page_redirect_state_and_single_use(api: RunningApi) -> None:
    _, app = _setup(api, ["users:read"])
    query = {
        "response_type": "code",
        "client_id": app["id"],
        "redirect_uri": CALLBACK,
        "state": "xyz 1",
    }
    with api.client() as c:
        page = c.get("/oauth2/authorize", params=query)
        assert page.status_code == 200 and "<form" in page.text and "CRM" in page.text
        query |= form_token(page.text)  # the form's anti-CSRF token (its cookie is in `c`)
        assert (
            c.get("/oauth2/authorize", params={**query, "redirect_uri": CALLBACK + "x"}).status_code
            == 400
        )
        refused = c.post("/oauth2/authorize", data={**query, "username": "jane", "password": "x"})
        assert refused.status_code == 401 and "<form" in refused.text
        back = c.post(
            "/oauth2/authorize", data={**query, "username": "jane", "password": "Secret123"}
        )
    assert back.status_code == 302
    location = urlsplit(back.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    params = parse_qs(location.query)
    assert params["state"] == ["xyz 1"]
    code = params["code"][0]
    exchange = {"grant_type": "authorization_code", "code": code, **_creds(app)}
    mismatch = _token(api, **exchange, redirect_uri=CALLBACK + "x")
    assert mismatch.json()["error"] == "invalid_grant"
    tokens = _token(api, **exchange, redirect_uri=CALLBACK).json()
    assert tokens["expires_in"] == 3600 and tokens["refresh_token"]
    with api.client(tokens["access_token"]) as c:
        assert c.get("/users/jane").status_code == 200
    reused = _token(api, **exchange, redirect_uri=CALLBACK)
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    with api.client(tokens["access_token"]) as c:
        assert c.get("/users/jane").status_code == 401  # revoked with the reused code
    with api.client() as c:
        token = form_token(c.get("/oauth2/authorize", params=query).text)
        denied = c.post("/oauth2/authorize", data={**query, **token, "decision": "deny"})
    assert parse_qs(urlsplit(denied.headers["location"]).query)["error"] == ["access_denied"]


def form_token(page: str) -> dict[str, str]:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the authorize form has no csrf_token"
    return {"csrf_token": found.group(1)}


def _alg_none(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def test_abuse_is_refused_with_oauth_errors_and_events_rows(api: RunningApi) -> None:
    admin, app = _setup(api, ["users"])
    good = _token(api, grant_type="client_credentials", **_creds(app)).json()["access_token"]
    claims = jwt.get_unverified_claims(good)
    forged = jwt.encode({**claims, "kind": "app_refresh"}, "another key", algorithm="HS256")
    creds = _creds(app)
    cc = {"grant_type": "client_credentials"}
    refresh = {"grant_type": "refresh_token", **creds}
    none_token = _alg_none({**claims, "kind": "app_refresh"})
    code = {"grant_type": "authorization_code", "code": "nope", "redirect_uri": CALLBACK}
    password = {"grant_type": "password", "username": "jane", "password": "Secret123"}
    live = _token(api, **password, **creds).json()["refresh_token"]
    was = api.system.tokens.verify(live)
    assert was.token_id and was.app_id and was.scope
    expired = api.system.tokens.issue_app(
        "app_refresh",
        was.subject,
        was.session_id,
        datetime.now(UTC) - timedelta(seconds=1),
        was.token_id,
        was.app_id,
        was.scope,
        list(was.permissions or ()),
    )
    cases = [
        ({**cc, "client_id": app["id"], "client_secret": "x"}, 401, "invalid_client"),
        ({**cc, "client_id": "f" * 32, "client_secret": "x"}, 401, "invalid_client"),
        ({"grant_type": "magic", **creds}, 400, "unsupported_grant_type"),
        (creds, 400, "invalid_request"),
        ({**cc, "scope": "groups", **creds}, 400, "invalid_scope"),
        ({**code, **creds}, 400, "invalid_grant"),
        ({**refresh, "refresh_token": "not.a.jwt"}, 400, "invalid_grant"),
        ({**refresh, "refresh_token": forged}, 400, "invalid_grant"),
        ({**refresh, "refresh_token": none_token}, 400, "invalid_grant"),
        ({**refresh, "refresh_token": good}, 400, "invalid_grant"),  # an access token
        ({**refresh, "refresh_token": expired}, 400, "invalid_grant"),
    ]
    for form, status, error in cases:
        reply = _token(api, **form)
        assert reply.status_code == status, (form, reply.text)
        assert reply.json()["error"] == error and reply.json()["error_description"]
    for bearer in ["not.a.jwt", forged.replace("app_refresh", "app"), _alg_none(claims)]:
        with api.client(bearer) as c:
            assert c.get("/users").status_code == 401
    with api.client(admin) as c:
        api.system.fresh("events")
        rows = c.get("/logs/events", params={"event": "oauth_token", "page_size": 100}).json()
    refused = [r for r in rows["list"] if r["details"]["result"] == 1]
    assert len(refused) == len(cases)
    assert {r["details"]["error"] for r in refused} >= {"invalid_client", "invalid_grant"}
    issued = [r for r in rows["list"] if r["details"]["result"] == 0]
    assert {r["details"]["application"] for r in issued} == {"CRM"}
    assert sorted(r["details"]["action"] for r in issued) == ["client_credentials", "password"]


def test_the_token_endpoint_is_rate_limited_per_client(api: RunningApi) -> None:
    _, app = _setup(api, [])
    api.system.token_limits.per_client = TokenBuckets(3, 0.01)
    codes = [
        _token(api, grant_type="client_credentials", **_creds(app)).status_code for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    limited = _token(api, grant_type="client_credentials", **_creds(app))
    assert limited.json()["error"] == "too_many_requests"
    assert int(limited.headers["retry-after"]) >= 1
    api.system.token_limits.per_ip = TokenBuckets(1, 0.01)
    with api.client() as c:
        c.post("/oauth2/token", data={"grant_type": "password", "client_id": "quorum-client"})
        again = c.post(
            "/oauth2/token", data={"grant_type": "password", "client_id": "quorum-client"}
        )
    assert again.status_code == 429 and "retry-after" in again.headers
