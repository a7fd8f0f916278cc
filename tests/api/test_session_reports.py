"""Call History fed by live sessions (guide §16.2.2, FEATURES SES-03/05/06, WE-26):
distinct participants on the list, one Participant List row per connection, the
Invite List with the server's start-time calls and later ones, CSV exports."""

from __future__ import annotations

import csv
import io
import secrets

from domain.sessions.sessions_service import Requester
from tests.support import RunningApi


def _endpoint() -> str:
    return secrets.token_hex(16)


def _people(api: RunningApi) -> str:
    token = api.admin_token()
    with api.client(token) as c:
        for user, first, last in (
            ("jane", "Jane", "Flowers"),
            ("bob", "Bob", "Builder"),
            ("carla", "Carla", "Devine"),
            ("dave", "Dave", "Jones"),
        ):
            body = {"id": user, "password": "Secret123", "first_name": first, "last_name": last}
            assert c.post("/users", json=body).status_code == 201
        api.system.fresh("directory")
    return token


def test_a_session_lists_its_connections_and_its_invites(api: RunningApi) -> None:
    """WE-26's shape: Carla joins twice, so 3 distinct participants but 4 connections;
    the server called the online invitees at the start, Jane called Dave later."""
    token = _people(api)
    sessions = api.system.sessions
    for online in ("bob", "carla"):  # only users with a connected endpoint are called
        api.system.endpoints.connect(online, "127.0.0.1", "gw", {})
    with api.client(token) as c:
        body = {
            "id": "brainstorm",
            "topic": "Brainstorm",
            "owner": "jane",
            "invitations": [{"id": "bob"}, {"id": "carla"}, {"id": "dave"}],
        }
        assert c.post("/conferences", json=body).status_code == 201
        session_id = c.post("/conferences/brainstorm/run").json()["session_id"]

    jane, bob, carla, carla_again = (_endpoint() for _ in range(4))
    sessions.join("brainstorm", user_id="jane", kind="user", endpoint_id=jane)
    sessions.join("brainstorm", user_id="bob", kind="user", endpoint_id=bob)
    sessions.join("brainstorm", user_id="carla", kind="user", endpoint_id=carla)
    sessions.leave("brainstorm", Requester(user_id="carla", endpoint_id=carla))
    sessions.join("brainstorm", user_id="carla", kind="user", endpoint_id=carla_again)
    sessions.invite("brainstorm", ["dave"], Requester(user_id="jane", endpoint_id=jane))

    with api.client(token) as c:
        api.system.fresh("call_history")
        running = c.get(f"/logs/calls/{session_id}").json()
        assert (running["participants"], running["end_time"]) == (3, None)
        live = c.get(f"/logs/calls/{session_id}/participants").json()
        assert live["cnt"] == 4
        assert sum(row["left_at"] is None for row in live["list"]) == 3  # Carla's first left

        c.post("/conferences/brainstorm/stop")
        api.system.fresh("call_history")
        listed = c.get("/logs/calls", params={"cid": "brainstorm"}).json()["list"]
        assert [row["participants"] for row in listed] == [3]

        rows = c.get(
            f"/logs/calls/{session_id}/participants", params={"sort_field": "date", "sort_order": 0}
        ).json()
        assert rows["cnt"] == 4
        assert [(r["user_id"], r["disconnect_cause"]) for r in rows["list"]] == [
            ("jane", "Conference ended"),
            ("bob", "Conference ended"),
            ("carla", "Hung up"),
            ("carla", "Conference ended"),
        ]
        carla_rows = [r for r in rows["list"] if r["user_id"] == "carla"]
        assert [r["endpoint_id"] for r in carla_rows] == [carla, carla_again]
        assert carla_rows[0]["display_name"] == "Carla Devine"
        assert all(r["joined_at"] and r["left_at"] for r in rows["list"])
        assert all(r["duration"] is not None and r["duration"] >= 0 for r in rows["list"])

        # filters, sorting, paging
        only_carla = c.get(f"/logs/calls/{session_id}/participants", params={"user_id": "Carla"})
        assert only_carla.json()["cnt"] == 2
        hung_up = c.get(
            f"/logs/calls/{session_id}/participants", params={"disconnect_cause": "Hung up"}
        ).json()
        assert [r["endpoint_id"] for r in hung_up["list"]] == [carla]
        by_user = c.get(
            f"/logs/calls/{session_id}/participants",
            params={"sort_field": "user_id", "sort_order": 1, "page_size": 2, "page": 2},
        ).json()
        assert by_user["cnt"] == 4
        assert [r["user_id"] for r in by_user["list"]] == ["carla", "bob"]
        bad = c.get(f"/logs/calls/{session_id}/participants", params={"sort_field": "owner"})
        assert bad.status_code in (400, 422)
        assert c.get("/logs/calls/nosuchsession/participants").status_code == 404

        invites = c.get(
            f"/logs/calls/{session_id}/invites", params={"sort_field": "date", "sort_order": 0}
        ).json()
        server = api.system.config.server_name
        assert invites["cnt"] == 3
        assert [(r["inviter"], r["recipient"], r["accepted"]) for r in invites["list"]] == [
            (server, "bob", True),
            (server, "carla", True),
            ("jane", "dave", False),
        ]
        start_calls = [r["date"] for r in invites["list"][:2]]
        assert start_calls[0][:19] == start_calls[1][:19]  # both at the start
        from_server = c.get(f"/logs/calls/{session_id}/invites", params={"inviter": server})
        assert from_server.json()["cnt"] == 2
        declined = c.get(f"/logs/calls/{session_id}/invites", params={"accepted": False})
        assert [r["recipient"] for r in declined.json()["list"]] == ["dave"]

        # CSV: the export route and Accept: text/csv give the same selection
        exported = c.get(f"/logs/calls/{session_id}/participants/export")
        assert exported.status_code == 200
        assert exported.headers["content-type"].startswith("text/csv")
        table = list(csv.reader(io.StringIO(exported.text), delimiter=_delimiter(exported.text)))
        assert table[0][:3] == ["date", "user_id", "display_name"]
        assert len(table) == 5
        assert sorted(row[6] for row in table[1:]) == [
            "Conference ended",
            "Conference ended",
            "Conference ended",
            "Hung up",
        ]
        accepted = c.get(
            f"/logs/calls/{session_id}/invites",
            params={"accepted": True},
            headers={"Accept": "text/csv"},
        )
        assert accepted.headers["content-type"].startswith("text/csv")
        assert accepted.text.count("\n") == 3
        assert c.get(f"/logs/calls/{session_id}/invites/export").text.count("\n") == 4

        # a rebuild of the read model gives the same tables
        before = [
            c.get(f"/logs/calls/{session_id}/{part}", params={"sort_field": "date"}).json()
            for part in ("participants", "invites")
        ]
        api.system.runners["call_history"].rebuild()
        api.system.fresh("call_history")
        assert before == [
            c.get(f"/logs/calls/{session_id}/{part}", params={"sort_field": "date"}).json()
            for part in ("participants", "invites")
        ]
        assert c.get(f"/logs/calls/{session_id}").json()["participants"] == 3

    # security admins read the sub-reports; users those of sessions they took part in
    api.add_admin("auditor", "security")
    with api.client(api.login("auditor")) as c:
        assert c.get(f"/logs/calls/{session_id}/participants").json()["cnt"] == 4
        assert c.get(f"/logs/calls/{session_id}/invites/export").status_code == 200
    with api.client(api.user_token("bob")) as c:
        assert c.get(f"/logs/calls/{session_id}/participants").json()["cnt"] == 4
        assert c.get(f"/logs/calls/{session_id}/invites/export").status_code == 403
        mine = c.get("/users/bob/calls").json()["list"]
        assert [(r["type"], r["session_id"]) for r in mine] == [("conference", session_id)]
    with api.client(api.user_token("dave")) as c:  # called in, never joined
        assert c.get("/users/dave/calls").json()["cnt"] == 0
        assert c.get(f"/logs/calls/{session_id}/invites").status_code == 404


def test_a_waiting_participant_joins_when_admitted(api: RunningApi) -> None:
    """Arrival and entry are both kept; only admitted participants are counted."""
    token = _people(api)
    with api.client(token) as c:
        body = {
            "id": "lobby",
            "topic": "Lobby",
            "owner": "jane",
            "invitations": [{"id": "bob"}, {"id": "carla"}],
            "waiting_room_enabled": True,
            "waiting_room_category": "all_except_owner_moderators",
        }
        reply = c.post("/conferences", json=body)
        assert reply.status_code == 201, reply.text
        session_id = c.post("/conferences/lobby/run").json()["session_id"]
    sessions = api.system.sessions
    sessions.join("lobby", user_id="jane", kind="user", endpoint_id=_endpoint())
    bob = sessions.join("lobby", user_id="bob", kind="user", endpoint_id=_endpoint())
    carla = sessions.join("lobby", user_id="carla", kind="user", endpoint_id=_endpoint())
    assert bob.participant["state"] == carla.participant["state"] == "waiting"
    api.system.fresh("call_history")
    with api.client(token) as c:
        assert c.get(f"/logs/calls/{session_id}").json()["participants"] == 1
        sessions.admit("lobby", bob.participant["participant_id"], Requester(admin="root"))
        api.system.fresh("call_history")
        assert c.get(f"/logs/calls/{session_id}").json()["participants"] == 2
        c.post("/conferences/lobby/stop")
        api.system.fresh("call_history")
        rows = {
            r["user_id"]: r for r in c.get(f"/logs/calls/{session_id}/participants").json()["list"]
        }
        assert rows["bob"]["joined_at"] >= rows["bob"]["date"]
        assert rows["bob"]["duration"] is not None
        never = rows["carla"]
        assert (never["joined_at"], never["duration"]) == (None, None)
        assert never["disconnect_cause"] == "Conference ended"
        assert c.get(f"/logs/calls/{session_id}").json()["participants"] == 2


def test_a_point_to_point_call_has_its_two_connections(api: RunningApi) -> None:
    """The caller's connection from the call's creation, the callee's from the answer;
    both leave when the call ends. A missed call has the caller alone."""
    token = _people(api)
    calls = api.system.calls
    jane, _ = api.system.endpoints.connect("jane", "127.0.0.1", "gw", {})
    bob, _ = api.system.endpoints.connect("bob", "127.0.0.1", "gw", {})
    call = calls.invite("jane", jane.endpoint_id, "bob")
    calls.accept(str(call.id), "bob", bob.endpoint_id)
    calls.hang_up(str(call.id), "bob")
    missed = calls.invite("jane", jane.endpoint_id, "dave")  # offline: missed at once
    api.system.fresh("call_history")
    with api.client(token) as c:
        answered = c.get(f"/logs/calls/{call.session_id}").json()
        assert answered["participants"] == 2
        rows = c.get(
            f"/logs/calls/{call.session_id}/participants",
            params={"sort_field": "date", "sort_order": 0},
        ).json()["list"]
        assert [(r["user_id"], r["endpoint_id"], r["disconnect_cause"]) for r in rows] == [
            ("jane", jane.endpoint_id, "Hung up"),
            ("bob", bob.endpoint_id, "Hung up"),
        ]
        assert rows[0]["left_at"] == rows[1]["left_at"]
        alone = c.get(f"/logs/calls/{missed.session_id}/participants").json()["list"]
        assert [(r["user_id"], r["disconnect_cause"]) for r in alone] == [("jane", "Missed")]
        assert c.get(f"/logs/calls/{call.session_id}/invites").json()["cnt"] == 0


def _delimiter(text: str) -> str:
    header = text.splitlines()[0]
    return next(d for d in (";", ",", "\t") if d in header)
