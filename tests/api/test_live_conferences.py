"""Joining and running conferences through the signaling gateway and the admin API
(guide §2.3, §3.5, §14.3; FEATURES WR-*, LIVE-*, CONF-07, WE-12, WE-15): a real
nats-server, real sockets."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from domain.conferencing.conference import Conference
from domain.sessions.session import LiveSession
from domain.shared.errors import Conflict
from tests.support import RunningApi, eventually
from tests.ws_client import Peer


def _setup(api: RunningApi, **conference: Any) -> str:
    """Users, an operator and the conference `room`; returns an admin's token."""
    admin = api.admin_token()
    with api.client(admin) as c:
        team = c.post("/groups", json={"display_name": "Team"}).json()["id"]
        ops = c.post("/groups", json={"display_name": "Ops", "rights": {"operator": True}})
        for user in ("jane", "ann", "bob", "carla"):
            body = {"id": user, "password": "Secret123", "groups": [team]}
            assert c.post("/users", json=body).status_code == 201
        body = {"id": "dave", "password": "Secret123", "groups": [ops.json()["id"]]}
        assert c.post("/users", json=body).status_code == 201
        body = {"id": "room", "topic": "Standup", "owner": "jane", **conference}
        created = c.post("/conferences", json=body)
        assert created.status_code == 201, created.text
    api.system.fresh("directory")
    return admin


def _session_events(api: RunningApi, session_id: str) -> list[Any]:
    return list(api.system.store.events.get(LiveSession.create_id(session_id)))


def test_joining_a_virtual_room_starts_it_and_the_last_to_leave_ends_it(
    api: RunningApi,
) -> None:
    _setup(api, invitations=[{"id": "ann"}])
    with Peer(api.base_url).login("jane") as jane, Peer(api.base_url).login("ann") as ann:
        joined = jane.ok("conference.join", cid="room")
        session_id = joined["session_id"]
        assert joined["participant"]["role"] == "owner"
        assert api.system.conferences.get("room").is_running
        started = api.system.conferences.get("room")
        assert started.session_id == session_id
        assert api.system.endpoints.status("jane") == 5  # owner of a running conference
        assert ann.ok("conference.join", cid="room")["participant"]["state"] == "joined"
        assert api.system.endpoints.status("ann") == 2
        arrived = jane.wait_for(
            "conference.participant", lambda d: d["participant"]["user_id"] == "ann"
        )
        assert arrived["change"] == "joined"
        listed = jane.ok("conference.participants", cid="room")["participants"]
        assert sorted(p["user_id"] for p in listed) == ["ann", "jane"]
        ann.ok("conference.leave", cid="room")
        left = jane.wait_for("conference.participant", lambda d: d["change"] == "left")
        assert (left["participant"]["user_id"], left["cause"]) == ("ann", "hangup")
        assert api.system.endpoints.status("ann") == 1
        jane.close()  # the socket goes away: jane leaves, the room is empty and ends
        eventually(lambda: not api.system.conferences.get("room").is_running)
    conference = api.system.conferences.get("room")
    ended = [
        e
        for e in api.system.store.events.get(conference.id)
        if isinstance(e, Conference.SessionEnded)
    ]
    assert [e.cause for e in ended] == ["empty"]
    assert [type(e).__name__ for e in _session_events(api, session_id)].count("Left") == 2


def test_a_wrong_pin_a_full_room_and_uninvited_users_are_refused(api: RunningApi) -> None:
    _setup(api, pin="453861", max_participants=3, invitations=[{"id": "ann"}, {"id": "bob"}])
    api.system.conferences.run("room")
    with Peer(api.base_url).login("ann") as ann, Peer(api.base_url).login("carla") as carla:
        head = api.head()
        assert ann.error("conference.join", cid="room")["errors"][0]["location"] == "pin"
        wrong = ann.error("conference.join", cid="room", pin="111111")
        assert (wrong["code"], wrong["errors"][0]["location"]) == (403, "pin")
        assert ann.error("conference.join", cid="nope")["code"] == 404
        assert ann.error("conference.join")["errors"][0]["location"] == "cid"
        assert api.head() == head  # refused joins append nothing
        assert (
            ann.ok("conference.join", cid="room", pin="453861")["participant"]["state"] == "joined"
        )
        refused = carla.error("conference.join", cid="room", pin="453861")
        assert "not invited" in refused["message"]
        with Peer(api.base_url).login("jane") as jane, Peer(api.base_url).login("bob") as bob:
            jane.ok("conference.join", cid="room")  # the owner: no PIN
            bob.ok("conference.join", cid="room", pin="453861")
            with Peer(api.base_url).login("dave") as dave:  # an operator: a moderator anywhere
                full = dave.error("conference.join", cid="room")
                assert full["code"] == 409 and "full" in full["message"]


def test_the_waiting_room_admission_and_what_a_waiting_participant_cannot_do(
    api: RunningApi,
) -> None:
    _setup(api, allow_uninvited=True, waiting_room_enabled=True, invitations=[{"id": "ann"}])
    with Peer(api.base_url).login("jane") as jane, Peer(api.base_url).login("carla") as carla:
        jane.ok("conference.join", cid="room")
        waiting = carla.ok("conference.join", cid="room")
        assert waiting["participant"]["state"] == "waiting" and waiting["participants"] == []
        carla_id = waiting["participant"]["participant_id"]
        told = jane.wait_for("conference.participant", lambda d: d["change"] == "waiting")
        assert told["participant"]["user_id"] == "carla"
        assert carla.error("conference.participants", cid="room")["code"] == 403
        assert carla.error("conference.chat", cid="room", text="hi")["code"] == 403
        with Peer(api.base_url).login("ann") as ann:  # pre-invited: straight in
            assert ann.ok("conference.join", cid="room")["participant"]["state"] == "joined"
            listed = ann.ok("conference.participants", cid="room")["participants"]
            assert "carla" not in [p["user_id"] for p in listed]  # only moderators see her
            assert ann.error("conference.admit", cid="room", participant_id=carla_id)["code"] == 403
            jane.ok("conference.admit", cid="room", participant_id=carla_id)
            admitted = carla.wait_for("conference.participant", lambda d: d["change"] == "admitted")
            assert admitted["participant"]["state"] == "joined"
            assert len(carla.ok("conference.participants", cid="room")["participants"]) == 3


def test_the_lock_lets_in_only_those_called_after_it(api: RunningApi) -> None:
    """WE-15: ann (invited before) is refused once locked; bob, called after, joins."""
    admin = _setup(api, invitations=[{"id": "ann"}])
    api.system.conferences.run("room")
    with api.client(admin) as c:
        assert c.put("/conferences/room/lock", json={"locked": True}).status_code == 200
        with Peer(api.base_url).login("ann") as ann, Peer(api.base_url).login("bob") as bob:
            assert "locked" in ann.error("conference.join", cid="room")["message"]
            called = c.post("/conferences/room/participants", json={"participants": ["bob"]})
            assert called.json() == {"called": ["bob"]}
            invitation = bob.wait_for("conference.invitation")
            assert (invitation["cid"], invitation["from"]) == ("room", "root")
            assert bob.ok("conference.join", cid="room")["participant"]["state"] == "joined"
            bad = c.post("/conferences/room/participants", json={"participants": ["nobody"]})
            assert bad.status_code == 404 and bad.json()["error"]["errors"][0]["location"] == (
                "participants.0"
            )
    api.system.conferences.stop("room")
    api.system.conferences.run("room")
    assert not api.system.conferences.get("room").locked  # every end unlocks


def test_moderators_remove_mute_and_give_the_podium(api: RunningApi) -> None:
    _setup(api, mode="S|L", max_podiums=1, invitations=[{"id": "ann"}, {"id": "bob"}])
    with (
        Peer(api.base_url).login("jane") as jane,
        Peer(api.base_url).login("ann") as ann,
        Peer(api.base_url).login("bob") as bob,
    ):
        jane.ok("conference.join", cid="room")
        ann_id = ann.ok("conference.join", cid="room")["participant"]["participant_id"]
        bob_id = bob.ok("conference.join", cid="room")["participant"]["participant_id"]
        assert ann.error("conference.remove", cid="room", participant_id=bob_id)["code"] == 403
        made = jane.ok("conference.moderator", cid="room", participant_id=ann_id, on=True)
        assert made["participant"]["role"] == "moderator"
        ann.ok("conference.podium", cid="room", participant_id=ann_id, on=True)
        taken = ann.error("conference.podium", cid="room", participant_id=bob_id, on=True)
        assert taken["code"] == 409 and "podiums are taken" in taken["message"]
        muted = ann.ok("conference.media", cid="room", participant_id=bob_id, microphone=False)
        assert muted["participant"]["microphone"] is False
        assert bob.wait_for("conference.participant", lambda d: d["change"] == "updated")
        ann.ok("conference.remove", cid="room", participant_id=bob_id)
        removed = bob.wait_for("conference.participant", lambda d: d["change"] == "left")
        assert removed["cause"] == "removed"
        assert bob.error("conference.participants", cid="room")["code"] == 403
        session_id = api.system.conferences.get("room").session_id
        assert session_id is not None
        lefts = [e for e in _session_events(api, session_id) if isinstance(e, LiveSession.Left)]
        assert [(e.user_id, e.cause) for e in lefts] == [("bob", "removed")]
        assert ann.ok("conference.end", cid="room")["session_id"] == session_id
        ended = jane.wait_for("conference.ended")
        assert ended == {"cid": "room", "session_id": session_id}
        conference = api.system.conferences.get("room")
        stops = [
            e
            for e in api.system.store.events.get(conference.id)
            if isinstance(e, Conference.SessionEnded)
        ]
        assert [e.cause for e in stops] == ["moderator"]
        eventually(lambda: api.system.endpoints.status("jane") == 1)


def test_admins_manage_a_running_conference(api: RunningApi) -> None:
    """§14.3.2: the participants list, admit, podium, remove, call again; a security
    admin reads but changes nothing."""
    admin = _setup(
        api,
        mode="S|L",
        waiting_room_enabled=True,
        waiting_room_category="all_except_owner_moderators",
        invitations=[{"id": "ann"}, {"id": "bob"}],
    )
    security = api.admin_token("sec", role="security")
    with api.client(admin) as c, Peer(api.base_url).login("ann") as ann:
        assert c.get("/conferences/room/participants").status_code == 409  # not running
        c.post("/conferences/room/run")
        ann_id = ann.ok("conference.join", cid="room")["participant"]["participant_id"]
        listed = c.get("/conferences/room/participants").json()
        assert [(p["user_id"], p["state"]) for p in listed["list"]] == [("ann", "waiting")]
        assert sorted(i["id"] for i in listed["not_joined"]) == ["bob", "jane"]
        with api.client(security) as s:
            assert s.get("/conferences/room/participants").status_code == 200
            refused = s.patch(f"/conferences/room/participants/{ann_id}", json={"admitted": True})
            assert refused.status_code == 403
        bad = c.patch(f"/conferences/room/participants/{ann_id}", json={"podium": "yes"})
        assert bad.status_code == 400 and bad.json()["error"]["errors"][0]["location"] == "podium"
        unknown = c.patch(f"/conferences/room/participants/{ann_id}", json={"volume": 3})
        assert unknown.status_code == 400
        admitted = c.patch(
            f"/conferences/room/participants/{ann_id}", json={"admitted": True, "podium": True}
        )
        assert admitted.status_code == 200, admitted.text
        assert (admitted.json()["state"], admitted.json()["podium"]) == ("joined", True)
        assert ann.wait_for("conference.participant", lambda d: d["change"] == "admitted")
        with Peer(api.base_url).login("bob") as bob:
            again = c.post("/conferences/room/invite")
            assert sorted(again.json()["called"]) == ["bob", "jane"]
            assert bob.wait_for("conference.invitation")["cid"] == "room"
            assert bob.ok("conference.join", cid="room")["participant"]["state"] == "waiting"
            assert c.delete(f"/conferences/room/participants/{ann_id}").status_code == 204
            assert ann.wait_for("conference.participant", lambda d: d["change"] == "left")
            assert c.delete(f"/conferences/room/participants/{ann_id}").status_code == 404


def test_guests_join_public_conferences_only_within_their_permissions(api: RunningApi) -> None:
    admin = _setup(
        api,
        access="public",
        guests_limit=1,
        guest_permissions={"send_messages": False},
    )
    with api.client(admin) as c:
        body = {"id": "private", "topic": "Board", "owner": "jane"}
        assert c.post("/conferences", json=body).status_code == 201
    with Peer(api.base_url) as guest, Peer(api.base_url) as second:
        assert guest.error("auth", guest_name="")["errors"][0]["location"] == "guest_name"
        guest_id = guest.ok("auth", guest_name="Visitor")["user_id"]
        assert guest_id.startswith("#guest:")
        assert guest.error("conference.join", cid="private")["code"] == 403
        assert guest.error("chat.send", to="jane", text="hi")["code"] == 403
        joined = guest.ok("conference.join", cid="room")
        assert joined["participant"]["kind"] == "guest"
        assert joined["participant"]["display_name"] == "Visitor"
        assert (
            "guests may not send"
            in guest.error("conference.chat", cid="room", text="hi")["message"]
        )
        second.ok("auth", guest_name="Another")
        assert "guest limit" in second.error("conference.join", cid="room")["message"]


def test_a_user_invited_at_the_start_is_called_by_the_server(api: RunningApi) -> None:
    admin = _setup(api, invitations=[{"id": "ann"}, {"id": "bob"}])
    with Peer(api.base_url).login("ann") as ann:
        with api.client(admin) as c:
            session_id = c.post("/conferences/room/run").json()["session_id"]
        invitation = ann.wait_for("conference.invitation")
        assert (invitation["session_id"], invitation["from"]) == (session_id, "server")
    invited = [e for e in _session_events(api, session_id) if isinstance(e, LiveSession.Invited)]
    assert [(e.recipient, e.by) for e in invited] == [("ann", "server")]  # bob was offline


def test_simultaneous_joins_on_two_gateways_never_exceed_the_cap(
    api: RunningApi, tmp_path: Path
) -> None:
    """The session aggregate is the consistency point: 16 guests race for 5 places
    through two server processes' services at once."""
    from tests.support import running_api

    _setup(api, access="public", max_participants=5)
    api.system.conferences.run("room")
    nats_url = api.system.store.env["QUORUM_NATS_URL"]
    with running_api(nats_url, tmp_path / "second") as other:
        systems = [api.system, other.system]
        outcomes: list[str] = []

        def join(i: int) -> None:
            try:
                systems[i % 2].sessions.join(
                    "room", user_id=f"#guest:{i:016x}", kind="guest", endpoint_id=f"{i:032X}"
                )
                outcomes.append("joined")
            except Conflict as refused:
                outcomes.append("full" if "full" in refused.message else refused.message)

        threads = [threading.Thread(target=join, args=(i,)) for i in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert sorted(outcomes) == ["full"] * 11 + ["joined"] * 5
    session_id = api.system.conferences.get("room").session_id
    assert session_id is not None
    joins = [e for e in _session_events(api, session_id) if isinstance(e, LiveSession.Joined)]
    assert len(joins) == 5


def test_group_chat_reaches_the_joined_and_files_follow_the_download_right(
    api: RunningApi,
) -> None:
    """§16.3, §13.3.1: each recipient gets the file's link, or the notice when their
    groups do not allow downloading files."""
    admin = _setup(api, invitations=[{"id": "ann"}, {"id": "carla"}])
    with api.client(admin) as c:
        no_files = c.post("/groups", json={"display_name": "NoFiles"}).json()["id"]
        c.patch(f"/groups/{no_files}", json={"rights": {"file_download": False}})
        c.patch("/users/carla", json={"groups": [no_files]})
    with api.client(api.user_token("jane")) as c:
        upload = c.post("/files", files={"file": ("slides.pdf", b"%PDF-1.7", "application/pdf")})
        assert upload.status_code == 201, upload.text
        file_id = upload.json()["file_id"]
    with (
        Peer(api.base_url).login("jane") as jane,
        Peer(api.base_url).login("ann") as ann,
        Peer(api.base_url).login("carla") as carla,
    ):
        for peer in (jane, ann, carla):
            peer.ok("conference.join", cid="room")
        sent = jane.ok("conference.chat", cid="room", text="Slides", file_id=file_id)
        got = ann.wait_for("conference.message")
        assert (got["message_id"], got["cid"], got["text"]) == (
            sent["message_id"],
            "room",
            "Slides",
        )
        assert got["file"]["url"] == f"/api/v4/files/{file_id}"
        notice = carla.wait_for("conference.message")["file"]
        assert notice["available"] is False and "url" not in notice
        assert jane.error("conference.chat", cid="room", text="")["errors"][0]["location"] == "text"
        personal = jane.ok("chat.send", to="carla", text="also here", file_id=file_id)
        direct = carla.wait_for("chat.message")
        assert (
            direct["message_id"] == personal["message_id"] and direct["file"]["available"] is False
        )


def test_a_guest_socket_is_limited_to_what_signaling_md_lists(api: RunningApi) -> None:
    """docs/signaling.md: a guest's socket can use only `conference.*`,
    `endpoint.update`, `ping` and `logout`; a user's presence is not a guest's to see."""
    _setup(api, access="public")
    with Peer(api.base_url) as guest:
        guest.ok("auth", guest_name="Visitor")
        assert guest.ok("ping")["pong"] is True
        assert guest.error("status.get", users=["jane"])["code"] == 403
        assert guest.error("license.get")["code"] == 403
        assert guest.ok("logout")["logged_out"] is True
