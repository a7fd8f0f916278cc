"""The authorize form accepts only posts of a form this server rendered for this browser
(anti-CSRF token bound to a cookie nonce and to the request), and is never framed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from api import authorize_form as csrf
from tests.api.test_oauth_grants import CALLBACK, _setup, form_token
from tests.support import RunningApi

SIGN_IN = {"username": "jane", "password": "Secret123"}


def _query(app: dict[str, Any], state: str = "s1") -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": app["id"],
        "redirect_uri": CALLBACK,
        "state": state,
    }


def _codes_issued(api: RunningApi) -> int:
    notes = api.system.recorder.select_notifications(start=1, limit=100_000)
    return sum(1 for n in notes if n.topic.endswith("OAuthApplication.CodeIssued"))


def _refused(reply: httpx.Response) -> None:
    assert reply.status_code == 403, reply.text
    assert "location" not in reply.headers and "code=" not in reply.text
    assert "expired or did not come from this server" in reply.text


def test_the_page_is_never_framed_and_sets_a_strict_cookie(api: RunningApi) -> None:
    _, app = _setup(api, ["users:read"])
    with api.client() as c:
        page = c.get("/oauth2/authorize", params=_query(app))
        unknown = c.get("/oauth2/authorize", params={**_query(app), "client_id": "f" * 32})
    assert page.status_code == 200
    for reply in (page, unknown):
        assert reply.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in reply.headers["content-security-policy"]
        assert reply.headers["cache-control"] == "no-store"
    cookie = page.headers["set-cookie"].lower()
    assert "quorum_authorize=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert "path=/api/v4/oauth2/authorize" in cookie
    assert form_token(page.text)["csrf_token"]


def test_a_post_without_the_form_token_or_cookie_is_refused(api: RunningApi) -> None:
    _, app = _setup(api, ["users:read"])
    query = _query(app)
    with api.client() as c:
        token = form_token(c.get("/oauth2/authorize", params=query).text)
        _refused(c.post("/oauth2/authorize", data={**query, **SIGN_IN}))  # no token
        wrong = {"csrf_token": token["csrf_token"][:-4] + "0000"}
        _refused(c.post("/oauth2/authorize", data={**query, **SIGN_IN, **wrong}))
        _refused(c.post("/oauth2/authorize", data={**query, **SIGN_IN, "csrf_token": "x.y"}))
        # The token is bound to the request it was rendered for.
        other = {**query, "state": "attacker"}
        _refused(c.post("/oauth2/authorize", data={**other, **SIGN_IN, **token}))
    with api.client() as fresh:  # another browser: the token without its cookie
        _refused(fresh.post("/oauth2/authorize", data={**query, **SIGN_IN, **token}))
        denied = fresh.post("/oauth2/authorize", data={**query, **token, "decision": "deny"})
        _refused(denied)
    assert _codes_issued(api) == 0


def test_a_token_fetched_by_another_browser_is_useless(api: RunningApi) -> None:
    """Login CSRF: the attacker renders the page for themselves and posts its token from
    the victim's browser, which has its own nonce (or none)."""
    _, app = _setup(api, ["users:read"])
    query = _query(app)
    with api.client() as attacker:
        stolen = form_token(attacker.get("/oauth2/authorize", params=query).text)
    with api.client() as victim:
        victim.get("/oauth2/authorize", params=query)
        _refused(victim.post("/oauth2/authorize", data={**query, **SIGN_IN, **stolen}))
    assert _codes_issued(api) == 0


def test_the_form_as_rendered_signs_in_and_two_tabs_both_work(api: RunningApi) -> None:
    _, app = _setup(api, ["users:read"])
    with api.client() as c:
        first = form_token(c.get("/oauth2/authorize", params=_query(app, "tab1")).text)
        second = form_token(c.get("/oauth2/authorize", params=_query(app, "tab2")).text)
        back = [
            c.post("/oauth2/authorize", data={**_query(app, state), **SIGN_IN, **token})
            for state, token in (("tab1", first), ("tab2", second))
        ]
    for reply, state in zip(back, ("tab1", "tab2"), strict=True):
        assert reply.status_code == 302, reply.text
        params = parse_qs(urlsplit(reply.headers["location"]).query)
        assert params["state"] == [state] and params["code"][0]
    assert _codes_issued(api) == 2


def test_an_expired_form_is_refused(api: RunningApi) -> None:
    key = csrf.form_key(api.system.keystore)
    nonce = csrf.new_nonce()
    _, app = _setup(api, ["users:read"])
    query = _query(app)
    past = datetime.now(UTC) - csrf.VALIDITY - timedelta(seconds=5)
    old = csrf.issue(key, nonce, query, past)
    assert not csrf.valid(key, nonce, old, query, datetime.now(UTC))
    assert csrf.valid(key, nonce, csrf.issue(key, nonce, query, past), query, past)
    with api.client() as c:
        c.cookies.set(csrf.COOKIE, nonce, path="/api/v4/oauth2/authorize")
        _refused(c.post("/oauth2/authorize", data={**query, **SIGN_IN, "csrf_token": old}))
        assert _codes_issued(api) == 0
        fresh = csrf.issue(key, nonce, query, datetime.now(UTC))  # same cookie, in time
        back = c.post("/oauth2/authorize", data={**query, **SIGN_IN, "csrf_token": fresh})
    assert back.status_code == 302 and _codes_issued(api) == 1
