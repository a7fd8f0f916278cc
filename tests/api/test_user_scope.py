"""A user-scope token sees only that user's objects (guide §15.1, OA-05, WE-20):
conferences they own or are invited to, the sessions they took part in; someone
else's conference is "not found", an invitee may look but not change, a user's new
conference is their own and needs the right to create conferences (USR-02)."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from tests.api.test_oauth_applications import create_app
from tests.support import RunningApi

PERMISSIONS = [
    "conferences",
    "conferences.invitations",
    "conferences.participants",
    "conferences.sessions:read",
    "conferences.messages:read",
    "conferences.records",
    "templates.conferences",
    "logs.calls:read",
    "logs.calls.participants:read",
    "logs.calls.invites:read",
]
CONFERENCES: dict[str, dict[str, Any]] = {
    "ann-own": {"owner": "ann", "invitations": [{"id": "bob"}]},
    "bob-asks-ann": {"owner": "bob", "invitations": [{"id": "ann"}]},
    "bob-only": {"owner": "bob"},
}


def people(api: RunningApi) -> str:
    """Users ann and bob, and three conferences: ann's (bob invited), bob's with ann
    invited, and bob's alone. Returns an administrator's token."""
    admin = api.admin_token()
    with api.client(admin) as c:
        for user in ("ann", "bob"):
            assert c.post("/users", json={"id": user, "password": "Secret123"}).status_code == 201
        for cid, body in CONFERENCES.items():
            reply = c.post("/conferences", json={"id": cid, "topic": cid.title(), **body})
            assert reply.status_code == 201, reply.text
    api.system.fresh("directory")
    return admin


def app_tokens(api: RunningApi, admin: str, user: str = "ann") -> tuple[str, str]:
    """An application's user-scope token for `user` (password grant) and its
    server-scope token (client_credentials)."""
    name = f"Planner for {user}"
    body = {"name": name, "redirect_uri": "https://localhost/", "permissions": PERMISSIONS}
    app = create_app(api, admin, body)
    creds = {"client_id": app["id"], "client_secret": app["secret"]}
    with api.client() as c:
        password = {"grant_type": "password", "username": user, "password": "Secret123"}
        user_token = c.post("/oauth2/token", data={**password, **creds}).json()["access_token"]
        server = c.post("/oauth2/token", data={"grant_type": "client_credentials", **creds})
    return user_token, server.json()["access_token"]


def _ids(c: httpx.Client, **params: Any) -> tuple[int, set[str]]:
    reply = c.get("/conferences", params=params)
    assert reply.status_code == 200, reply.text
    found = reply.json()
    return found["cnt"], {conference["id"] for conference in found["conferences"]}


def changes_since(api: RunningApi, head: int) -> list[str]:
    """The events stored after `head`, but the audit of applications' calls."""
    appended = api.system.recorder.select_notifications(head + 1, 1000)
    topics = [n.topic.rsplit(":", 1)[-1] for n in appended]
    return [t for t in topics if not t.startswith("ApplicationCall.")]


def _reason(reply: httpx.Response) -> str:
    reason: str = reply.json()["error"]["errors"][0]["reason"]
    return reason


def test_a_user_scope_token_lists_and_reads_only_own_and_invited_conferences(
    api: RunningApi,
) -> None:
    admin = people(api)
    ann, server = app_tokens(api, admin)
    with api.client(ann) as c:
        assert _ids(c) == (2, {"ann-own", "bob-asks-ann"})
        assert _ids(c, owner="bob") == (1, {"bob-asks-ann"})  # filters still work
        assert _ids(c, participant="bob") == (2, {"ann-own", "bob-asks-ann"})
        cnt, first = _ids(c, page_size=1, sort_field="cid", sort_order=0)
        assert (cnt, first) == (2, {"ann-own"})  # cnt counts ann's only, paging works
        assert _ids(c, page=2, page_size=1, sort_field="cid", sort_order=0)[1] == {"bob-asks-ann"}
        assert c.get("/conferences/bob-asks-ann").json()["owner"] == "bob"
        hidden = c.get("/conferences/bob-only")
        assert hidden.status_code == 404 and _reason(hidden) == "notFound"
        assert c.get("/conferences/BOB-ONLY").status_code == 404
        assert c.get("/conferences/bob-asks-ann/invitations").json()["cnt"] == 1
        assert c.get("/conferences/bob-only/invitations").status_code == 404
        assert c.get("/conferences/nowhere").status_code == 404  # the same as hidden
    with api.client(server) as c:  # server scope: every conference
        assert _ids(c) == (3, set(CONFERENCES))
        assert c.get("/conferences/bob-only").status_code == 200


def test_only_the_owner_changes_a_conference_and_refusals_append_nothing(
    api: RunningApi,
) -> None:
    admin = people(api)
    ann, _ = app_tokens(api, admin)
    before = api.head()
    with api.client(ann) as c:
        for cid, status in (("bob-only", 404), ("bob-asks-ann", 403)):
            assert c.patch(f"/conferences/{cid}", json={"topic": "Mine"}).status_code == status
            assert c.delete(f"/conferences/{cid}").status_code == status
            assert c.post(f"/conferences/{cid}/run").status_code == status
            assert c.put(f"/conferences/{cid}/pin", json={"pin": "123456"}).status_code == status
            assert c.put(f"/conferences/{cid}/id", json={"id": "taken-over"}).status_code == status
            invite = {"invitations": [{"id": "ann"}]}
            assert c.post(f"/conferences/{cid}/invitations", json=invite).status_code == status
            assert c.delete(f"/conferences/{cid}/invitations/ann").status_code == status
        handover = c.patch("/conferences/ann-own", json={"owner": "bob"})
        assert handover.status_code == 403
        assert c.post("/conferences", json={"topic": "For bob", "owner": "bob"}).status_code == 403
        assert c.get("/templates/conferences").status_code == 403  # admin-only for users
        assert c.get("/conferences/ann-own/registrations").status_code == 403
        assert c.get("/aliases").status_code == 403
    assert changes_since(api, before) == []

    with api.client(ann) as c:
        edited = c.patch("/conferences/ann-own", json={"topic": "Ann's weekly"})
        assert edited.status_code == 200 and edited.json()["topic"] == "Ann's weekly"
        added = c.post("/conferences/ann-own/invitations", json={"invitations": [{"id": "cy"}]})
        assert added.status_code == 201, added.text
        running = c.post("/conferences/ann-own/run")
        assert running.status_code == 200 and running.json()["state"] == "running"
        assert c.put("/conferences/ann-own/lock", json={"locked": True}).json()["locked"] is True
        assert c.get("/conferences/ann-own/participants").status_code == 200
        assert c.post("/conferences/ann-own/stop").json()["state"] == "stopped"
        created = c.post("/conferences", json={"id": "ann-new", "topic": "New"})
        assert created.status_code == 201 and created.json()["owner"] == "ann"
        assert c.delete("/conferences/ann-new").status_code == 204
    security = api.admin_token("auditor", role="security")
    with api.client(security) as c:  # reads everything, changes nothing
        assert c.get("/conferences/bob-only").status_code == 200
        assert c.patch("/conferences/bob-only", json={"topic": "x"}).status_code == 403


def test_an_invitee_manages_participants_only_as_a_moderator_taking_part(
    api: RunningApi,
) -> None:
    admin = people(api)
    ann, _ = app_tokens(api, admin)
    api.system.conferences.run("bob-asks-ann")
    bob_endpoint = secrets.token_hex(16)
    api.system.sessions.join("bob-asks-ann", user_id="bob", kind="user", endpoint_id=bob_endpoint)
    with api.client(ann) as c:  # invited, not taking part: the domain refuses
        assert c.get("/conferences/bob-asks-ann/participants").status_code == 403
        assert c.post("/conferences/bob-asks-ann/invite").status_code == 403
        assert c.get("/conferences/bob-only/participants").status_code == 404
    api.system.sessions.join("bob-asks-ann", user_id="ann", kind="user", endpoint_id="e-ann")
    with api.client(ann) as c:  # taking part: sees who is in, moderates nothing
        listed = c.get("/conferences/bob-asks-ann/participants").json()
        assert {p["user_id"] for p in listed["list"]} == {"ann", "bob"}
        bob = next(p for p in listed["list"] if p["user_id"] == "bob")
        mute = c.patch(
            f"/conferences/bob-asks-ann/participants/{bob['participant_id']}",
            json={"microphone": False},
        )
        assert mute.status_code == 403


def test_a_user_without_the_right_to_create_conferences_is_refused(api: RunningApi) -> None:
    admin = people(api)
    with api.client(admin) as c:
        body = {"display_name": "Viewers", "rights": {"create_conferences": False}}
        viewers = c.post("/groups", json=body).json()["id"]
        assert c.post(f"/groups/{viewers}/users", json={"user_id": "bob"}).status_code == 201
    bob, _ = app_tokens(api, admin, user="bob")
    before = api.head()
    with api.client(bob) as c:
        refused = c.post("/conferences", json={"topic": "Not allowed"})
        assert refused.status_code == 403 and _reason(refused) == "forbidden"
        assert c.patch("/conferences/bob-only", json={"topic": "Still his"}).status_code == 200
    assert changes_since(api, before) == ["Conference.Edited"]  # the edit only


def test_the_built_in_client_user_sees_the_same_as_a_user_scope_token(api: RunningApi) -> None:
    people(api)
    with api.client(api.user_token("bob")) as c:
        assert _ids(c) == (3, set(CONFERENCES))
    with api.client(api.user_token("ann")) as c:
        assert _ids(c) == (2, {"ann-own", "bob-asks-ann"})
        assert c.delete("/conferences/bob-asks-ann").status_code == 403


def test_logs_calls_shows_a_user_the_sessions_they_took_part_in(api: RunningApi) -> None:
    admin = people(api)
    ann, server = app_tokens(api, admin)
    sessions, conferences = api.system.sessions, api.system.conferences
    own = conferences.run("ann-own")  # ann owns it, stays away; bob joins
    sessions.join("ann-own", user_id="bob", kind="user", endpoint_id=secrets.token_hex(16))
    joined = conferences.run("bob-asks-ann")  # ann invited, and joins
    sessions.join("bob-asks-ann", user_id="ann", kind="user", endpoint_id=secrets.token_hex(16))
    hidden = conferences.run("bob-only")
    for cid in CONFERENCES:
        conferences.stop(cid)
    api.system.fresh("call_history")
    with api.client(ann) as c:
        listed = c.get("/logs/calls", params={"sort_field": "date", "sort_order": 0}).json()
        assert (listed["cnt"], [r["session_id"] for r in listed["list"]]) == (2, [own, joined])
        assert c.get("/logs/calls", params={"owner": "bob"}).json()["cnt"] == 1
        assert c.get("/logs/calls", params={"participant": "bob"}).json()["cnt"] == 2
        assert c.get("/logs/calls", params={"cid": "bob-only"}).json()["cnt"] == 0
        assert c.get(f"/logs/calls/{joined}").json()["cid"] == "bob-asks-ann"
        for path in ("", "/participants", "/invites", "/files"):
            refused = c.get(f"/logs/calls/{hidden}{path}")
            assert refused.status_code == 404 and _reason(refused) == "notFound", path
            assert c.get(f"/logs/calls/{own}{path}").status_code == 200, path
            if path:  # administrators' CSV
                assert c.get(f"/logs/calls/{own}{path}/export").status_code == 403, path
        assert c.get("/logs/calls/export").status_code == 403
        assert c.delete("/logs/calls", params={"all": "true"}).status_code == 403
    with api.client(server) as c:
        assert c.get("/logs/calls").json()["cnt"] == 3
        assert c.get(f"/logs/calls/{hidden}").status_code == 200
