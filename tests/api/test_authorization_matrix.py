"""Who may call what (API.md, guide §12.2, §15, §18): every route of the API's own route
table (its OpenAPI document) against every kind of caller: no token, an expired or a
revoked token, another user's, an application lacking the permission, a security
administrator (reads everything, changes nothing), an administrator. A route needs a
rule here, so a new route without one fails `test_every_route_has_a_rule` until someone
decides who may call it.

Rules:
- public: no token needed (signing in, webinar registration, server status).
- reader: administrators and security administrators read.
- writer: administrators only.
- own_account: any administrator, on their own admin account.
- user_object: administrators, or the user named by `{user_id}` (their own account).
- user_list: administrators see all; a user sees only their own objects in the list.
- user_object_of: administrators, or a user who owns or is invited to the conference/took
  part in the session named in the path.
- client: users only, from their client application (sending a file into a chat).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from domain.oauth.permissions import PERMISSIONS, expand
from tests.api.test_oauth_applications import create_app
from tests.support import RunningApi

PUBLIC, READER, WRITER, OWN_ACCOUNT = "public", "reader", "writer", "own_account"
USER_OBJECT, USER_LIST, USER_OBJECT_OF = "user_object", "user_list", "user_object_of"
CLIENT = "client"

RULES: dict[tuple[str, str], str] = {
    ("GET", "/server/status"): PUBLIC,
    ("POST", "/server/restart"): WRITER,
    ("POST", "/admin/session"): PUBLIC,
    ("DELETE", "/admin/session"): OWN_ACCOUNT,
    ("GET", "/admin/preferences"): OWN_ACCOUNT,
    ("PATCH", "/admin/preferences"): OWN_ACCOUNT,
    ("GET", "/settings/{section}"): READER,
    ("PATCH", "/settings/{section}"): WRITER,
    ("POST", "/settings/security/api-secret"): WRITER,
    ("POST", "/settings/main/{key}"): WRITER,
    ("POST", "/settings/ldap/sync"): WRITER,
    ("GET", "/settings/ldap/groups"): READER,
    ("GET", "/users"): READER,
    ("POST", "/users"): WRITER,
    ("GET", "/users/export"): READER,
    ("GET", "/users/{user_id}"): USER_OBJECT,
    ("PATCH", "/users/{user_id}"): USER_OBJECT,
    ("DELETE", "/users/{user_id}"): WRITER,
    ("POST", "/users/{user_id}/disconnect"): WRITER,
    ("POST", "/users/{user_id}/unlock"): WRITER,
    ("GET", "/users/{user_id}/app-settings"): USER_OBJECT,
    ("PATCH", "/users/{user_id}/app-settings"): WRITER,
    ("GET", "/users/{user_id}/addressbook"): USER_OBJECT,
    ("POST", "/users/{user_id}/addressbook"): USER_OBJECT,
    ("DELETE", "/users/{user_id}/addressbook/{entry_id}"): USER_OBJECT,
    ("GET", "/users/{user_id}/calls"): USER_OBJECT,
    ("GET", "/users/{user_id}/recordings"): USER_OBJECT,
    ("GET", "/users/{user_id}/recordings/{recording_id}/download"): USER_OBJECT,
    ("GET", "/groups"): READER,
    ("POST", "/groups"): WRITER,
    ("POST", "/groups/import"): WRITER,
    ("GET", "/groups/{group_id}"): READER,
    ("PATCH", "/groups/{group_id}"): WRITER,
    ("DELETE", "/groups/{group_id}"): WRITER,
    ("GET", "/groups/{group_id}/users"): READER,
    ("POST", "/groups/{group_id}/users"): WRITER,
    ("DELETE", "/groups/{group_id}/users/{user_id}"): WRITER,
    ("GET", "/groups/{group_id}/addressbook"): READER,
    ("PATCH", "/groups/{group_id}/addressbook"): WRITER,
    ("GET", "/groups/{group_id}/app-settings"): READER,
    ("PATCH", "/groups/{group_id}/app-settings"): WRITER,
    ("GET", "/aliases"): READER,
    ("POST", "/aliases"): WRITER,
    ("GET", "/aliases/{alias}"): READER,
    ("DELETE", "/aliases/{alias}"): WRITER,
    ("GET", "/conferences"): USER_LIST,
    ("POST", "/conferences"): USER_LIST,
    ("GET", "/conferences/{cid}"): USER_OBJECT_OF,
    ("PATCH", "/conferences/{cid}"): USER_OBJECT_OF,
    ("DELETE", "/conferences/{cid}"): USER_OBJECT_OF,
    ("POST", "/conferences/{cid}/run"): USER_OBJECT_OF,
    ("POST", "/conferences/{cid}/stop"): USER_OBJECT_OF,
    ("PUT", "/conferences/{cid}/id"): USER_OBJECT_OF,
    ("PUT", "/conferences/{cid}/pin"): USER_OBJECT_OF,
    ("PUT", "/conferences/{cid}/lock"): USER_OBJECT_OF,
    ("PUT", "/conferences/{cid}/layout"): USER_OBJECT_OF,
    ("GET", "/conferences/{cid}/invitations"): USER_OBJECT_OF,
    ("POST", "/conferences/{cid}/invitations"): USER_OBJECT_OF,
    ("DELETE", "/conferences/{cid}/invitations/{invitation_id}"): USER_OBJECT_OF,
    ("POST", "/conferences/{cid}/registrations"): PUBLIC,
    ("GET", "/conferences/{cid}/registrations"): READER,
    ("GET", "/conferences/{cid}/participants"): USER_OBJECT_OF,
    ("POST", "/conferences/{cid}/participants"): USER_OBJECT_OF,
    ("POST", "/conferences/{cid}/invite"): USER_OBJECT_OF,
    ("PATCH", "/conferences/{cid}/participants/{participant_id}"): USER_OBJECT_OF,
    ("DELETE", "/conferences/{cid}/participants/{participant_id}"): USER_OBJECT_OF,
    ("GET", "/conferences/{cid}/sessions"): USER_OBJECT_OF,
    ("GET", "/conferences/{cid}/messages"): USER_OBJECT_OF,
    ("GET", "/conferences/{cid}/recordings"): USER_OBJECT_OF,
    ("DELETE", "/conferences/{cid}/recordings/{recording_id}"): USER_OBJECT_OF,
    ("GET", "/templates/conferences"): READER,
    ("POST", "/templates/conferences"): WRITER,
    ("GET", "/templates/conferences/{template_id}"): READER,
    ("PATCH", "/templates/conferences/{template_id}"): WRITER,
    ("DELETE", "/templates/conferences/{template_id}"): WRITER,
    ("POST", "/templates/conferences/{template_id}/conferences"): WRITER,
    ("GET", "/license"): READER,
    ("PUT", "/license"): WRITER,
    ("GET", "/license/pro"): READER,
    ("PUT", "/license/pro"): WRITER,
    ("POST", "/license/pro/redistribute"): WRITER,
    ("DELETE", "/license/pro/temporary/{user_id}"): WRITER,
    ("POST", "/oauth2/token"): PUBLIC,
    ("POST", "/oauth2/v1/token"): PUBLIC,  # the original product's token URL
    ("POST", "/oauth2/revoke"): PUBLIC,
    ("GET", "/oauth2/authorize"): PUBLIC,
    ("POST", "/oauth2/authorize"): PUBLIC,
    ("GET", "/oauth2/applications"): READER,
    ("POST", "/oauth2/applications"): WRITER,
    ("GET", "/oauth2/applications/{app_id}"): READER,
    ("PATCH", "/oauth2/applications/{app_id}"): WRITER,
    ("DELETE", "/oauth2/applications/{app_id}"): WRITER,
    ("POST", "/oauth2/applications/{app_id}/secret"): WRITER,
    ("GET", "/oauth2/applications/{app_id}/tokens"): READER,
    ("DELETE", "/oauth2/applications/{app_id}/tokens/{token_id}"): WRITER,
    ("GET", "/logs/events"): READER,
    ("GET", "/logs/events/export"): READER,
    ("DELETE", "/logs/events"): WRITER,
    ("GET", "/logs/config-changes"): READER,
    ("GET", "/logs/config-changes/export"): READER,
    ("DELETE", "/logs/config-changes"): WRITER,
    ("GET", "/logs/endpoints"): READER,
    ("DELETE", "/logs/endpoints"): WRITER,
    ("GET", "/logs/endpoints/{endpoint_id}"): READER,
    ("GET", "/logs/calls"): USER_LIST,
    ("GET", "/logs/calls/export"): READER,
    ("DELETE", "/logs/calls"): WRITER,
    ("GET", "/logs/calls/{session_id}"): USER_OBJECT_OF,
    ("GET", "/logs/calls/{session_id}/participants"): USER_OBJECT_OF,
    ("GET", "/logs/calls/{session_id}/participants/export"): READER,
    ("GET", "/logs/calls/{session_id}/invites"): USER_OBJECT_OF,
    ("GET", "/logs/calls/{session_id}/invites/export"): READER,
    ("GET", "/logs/calls/{session_id}/files"): USER_OBJECT_OF,
    ("GET", "/logs/calls/{session_id}/files/export"): READER,
    ("GET", "/logs/chat"): READER,
    ("GET", "/logs/chat/export"): READER,
    ("DELETE", "/logs/chat"): WRITER,
    ("GET", "/logs/recordings"): READER,
    ("GET", "/logs/recordings/export"): READER,
    ("GET", "/logs/recordings/{recording_id}/download"): READER,
    ("DELETE", "/logs/recordings/{recording_id}"): WRITER,
    ("POST", "/files"): CLIENT,
    ("GET", "/files/{file_id}"): USER_OBJECT,
    ("DELETE", "/files/{file_id}"): WRITER,
}
"""(method, path under /api/v4) → rule. Keep in the order of the route modules."""

DENIED = (401, 403)
SIGN_OUT = ("DELETE", "/admin/session")
AUDIT_OF_APPLICATION_CALLS = "domain.oauth.calls:ApplicationCall"


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    permissions: tuple[str, ...]
    """The OAuth permissions its OpenAPI `security` requirement names; () = none."""


def _routes(api: RunningApi) -> list[Route]:
    document: dict[str, Any] = httpx.get(f"{api.base_url}/openapi.json", timeout=30).json()
    routes = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            scopes = [
                s
                for requirement in operation.get("security", [])
                for s in requirement.get("OAuth2", [])
            ]
            routes.append(Route(method.upper(), path.removeprefix("/api/v4"), tuple(scopes)))
    return routes


def test_every_route_has_a_rule(api: RunningApi) -> None:
    routes = {(r.method, r.path) for r in _routes(api)}
    assert routes - RULES.keys() == set(), "routes without a rule in RULES"
    assert RULES.keys() - routes == set(), "rules for routes that no longer exist"


def _concrete(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: ids.get(m.group(1), "matrix-x"), path)


@dataclass
class World:
    """Alice owns a conference that has had a session; Bob is another user."""

    admin: str
    security: str
    expired: str
    revoked: str
    bob: str
    """Bob's user-scope token from an application that has every permission."""
    all_permissions: str
    """A server-scope token with every permission."""
    ids: dict[str, str]


def _token(api: RunningApi, **form: str) -> str:
    with api.client() as c:
        reply = c.post("/oauth2/token", data=form)
    assert reply.status_code == 200, reply.text
    token: str = reply.json()["access_token"]
    return token


def _server_token(api: RunningApi, admin: str, permissions: list[str]) -> str:
    body = {"name": "Matrix", "redirect_uri": "https://localhost/", "permissions": permissions}
    app = create_app(api, admin, body)
    return _token(
        api, grant_type="client_credentials", client_id=app["id"], client_secret=app["secret"]
    )


@pytest.fixture
def world(api: RunningApi) -> World:
    admin = api.admin_token()
    with api.client(admin) as c:
        for user in ("alice", "bob"):
            assert c.post("/users", json={"id": user, "password": "Secret123"}).status_code == 201
        body: dict[str, Any] = {"id": "alices-room", "topic": "Alice's room", "owner": "alice"}
        assert c.post("/conferences", json=body).status_code == 201
        session_id = c.post("/conferences/alices-room/run").json()["session_id"]
        assert c.post("/conferences/alices-room/stop").status_code == 200

    everything = list(PERMISSIONS)
    body = {"name": "Everything", "redirect_uri": "https://localhost/", "permissions": everything}
    full = create_app(api, admin, body)
    creds = {"client_id": full["id"], "client_secret": full["secret"]}
    bob = _token(api, grant_type="password", username="bob", password="Secret123", **creds)
    revoked = _token(api, grant_type="client_credentials", **creds)
    token_id = api.system.tokens.verify(revoked).token_id
    with api.client(admin) as c:
        reply = c.delete(f"/oauth2/applications/{full['id']}/tokens/{token_id}")
        assert reply.status_code == 204, reply.text

    session = api.system.tokens.verify(admin).session_id
    past = datetime.now(UTC) - timedelta(minutes=1)
    return World(
        admin=admin,
        security=api.admin_token("auditor", role="security"),
        expired=api.system.tokens.issue("root", "admin", session, past),
        revoked=revoked,
        bob=bob,
        all_permissions=_token(api, grant_type="client_credentials", **creds),
        ids={"user_id": "alice", "cid": "alices-room", "session_id": session_id},
    )


def _lacking(permissions: tuple[str, ...]) -> list[str]:
    """Every permission except those that would grant one of `permissions`."""
    return [p for p in PERMISSIONS if not expand([p]) & set(permissions)]


def test_every_route_refuses_whom_its_rule_refuses(api: RunningApi, world: World) -> None:
    routes = [r for r in _routes(api) if RULES.get((r.method, r.path)) not in (None, PUBLIC)]
    wrong: list[str] = []

    def check(
        who: str,
        token: str | None,
        route: Route,
        allowed: set[int] | None,
        refused: set[int] | None,
        ids: dict[str, str],
    ) -> httpx.Response:
        with api.client(token) as c:
            reply = c.request(route.method, _concrete(route.path, ids), json={})
        status = reply.status_code
        if status >= 500 and status not in (502, 503):
            wrong.append(f"{who}: {route.method} {route.path} → {status} {reply.text[:200]}")
        elif refused is not None and status not in refused:
            wrong.append(
                f"{who}: {route.method} {route.path} → {status}, expected {sorted(refused)}"
            )
        elif allowed is not None and status in DENIED:
            wrong.append(f"{who}: {route.method} {route.path} → {status} {reply.text[:200]}")
        elif status == 403 and reply.json()["error"]["errors"][0]["reason"] != "forbidden":
            wrong.append(f"{who}: {route.method} {route.path} → 403 without reason forbidden")
        return reply

    lacking_tokens = {
        r.permissions: _server_token(api, world.admin, _lacking(r.permissions))
        for r in routes
        if r.permissions
    }
    head = api.head()
    for route in routes:
        rule = RULES[(route.method, route.path)]
        ids = world.ids
        check("no token", None, route, None, {401}, ids)
        check("expired token", world.expired, route, None, {401}, ids)
        check("revoked token", world.revoked, route, None, {401}, ids)
        if route.permissions:
            check(
                "app lacking the permission",
                lacking_tokens[route.permissions],
                route,
                None,
                {403},
                ids,
            )
        else:
            check(
                "app (routes without a permission are closed to apps)",
                world.all_permissions,
                route,
                None,
                {403},
                ids,
            )
        if rule in (READER, WRITER, OWN_ACCOUNT):
            check("another user", world.bob, route, None, {403}, ids)
        elif rule in (USER_OBJECT, USER_OBJECT_OF):
            check("another user", world.bob, route, None, {403, 404}, ids)
        elif rule == USER_LIST and route.method == "GET":
            reply = check("another user", world.bob, route, {200}, None, ids)
            if reply.status_code == 200:
                text = reply.text
                if "alices-room" in text or world.ids["session_id"] in text:
                    wrong.append(f"another user: GET {route.path} lists Alice's objects")
        if (route.method, route.path) == SIGN_OUT:
            continue  # allowed to every administrator; it would end the token's session
        if route.method == "GET" or rule == OWN_ACCOUNT:
            check("security admin", world.security, route, set(), None, ids)
        else:
            check("security admin", world.security, route, None, {403}, ids)
    appended = [n.topic for n in api.system.recorder.select_notifications(head + 1, 10_000)]
    # Only the audit rows of the applications' refused calls (guide §16.1: their results).
    changes = [topic for topic in appended if not topic.startswith(AUDIT_OF_APPLICATION_CALLS)]
    assert changes == [], "a refused request appended events"

    # Those allowed, on placeholder objects so that nothing real is changed or deleted.
    for route in routes:
        rule = RULES[(route.method, route.path)]
        if (route.method, route.path) == SIGN_OUT:
            continue
        if rule == CLIENT:
            check("admin", world.admin, route, None, {403}, {})
            continue
        check("admin", world.admin, route, set(), None, {})
        if route.permissions:
            check("app with the permission", world.all_permissions, route, set(), None, {})
    assert not wrong, "\n".join(wrong)
