"""Licences enforced live, through the signaling gateway, the device link and the
admin API (guide §5, §9.1.2; FEATURES K, WE-01…WE-09), on a real nats-server with
the server's clock moved by the test instead of waiting a day."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nats
import pytest

from domain.shared.clock import process_clock
from domain.shared.errors import DomainError
from tests.support import RunningApi, eventually, running_api
from tests.ws_client import Peer


class MovableClock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Iterator[MovableClock]:
    with process_clock(MovableClock()) as moved:
        assert isinstance(moved, MovableClock)
        yield moved


def _setup(
    api: RunningApi,
    licence: dict[str, Any],
    users: tuple[str, ...] = ("jane", "ann", "bob", "carla", "user"),
    groups: dict[str, list[str]] | None = None,
    **conference: Any,
) -> str:
    """The licence, users (some in groups) and the virtual room `room` owned by jane."""
    admin = api.admin_token()
    with api.client(admin) as c:
        loaded = c.put("/license", json={"edition": "annual", **licence})
        assert loaded.status_code == 200, loaded.text
        member_of: dict[str, list[str]] = {}
        for name, members in (groups or {}).items():
            group = c.post("/groups", json={"display_name": name})
            assert group.status_code == 201, group.text
            for member in members:
                member_of.setdefault(member, []).append(group.json()["id"])
        for user in users:
            body: dict[str, Any] = {
                "id": user,
                "password": "Secret123",
                "groups": member_of.get(user, []),
            }
            assert c.post("/users", json=body).status_code == 201
        body = {"id": "room", "topic": "Standup", "owner": "jane", **conference}
        created = c.post("/conferences", json=body)
        assert created.status_code == 201, created.text
        for extra in ("second", "third"):
            body = {"id": extra, "topic": extra, "owner": "jane", "allow_uninvited": True}
            assert c.post("/conferences", json=body).status_code == 201
    api.system.fresh("directory")
    return admin


def _used(api: RunningApi, admin: str) -> dict[str, int]:
    with api.client(admin) as c:
        reply = c.get("/license")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    return {pool: body[pool]["used"] for pool in ("online", "pro", "guest", "gateway")}


def _pro(api: RunningApi, admin: str) -> dict[str, Any]:
    with api.client(admin) as c:
        reply = c.get("/license/pro")
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def _pro_used_after(api: RunningApi, clock: MovableClock, **delta: float) -> int:
    """PRO licences in use once the server's clock has moved on by `delta` (a fresh
    admin token: sessions are judged on the same clock)."""
    clock.advance(**delta)
    return _used(api, api.login("root"))["pro"]


def _group_id(c: Any, name: str) -> str:
    return str(
        next(g["id"] for g in c.get("/groups").json()["groups"] if g["display_name"] == name)
    )


PAID = {"online": 150, "pro": 10, "guest": 5, "gateway": 5}


def test_case_1_one_temporary_licence_released_24_hours_after_leaving(
    api: RunningApi, clock: MovableClock
) -> None:
    """WE-01: 10 PRO, no permanent groups, 4 users signed in on one device each."""
    admin = _setup(api, PAID, allow_uninvited=True)
    peers = [Peer(api.base_url).login(u) for u in ("jane", "ann", "bob", "user")]
    try:
        assert _used(api, admin) == {"online": 4, "pro": 0, "guest": 0, "gateway": 0}
        peers[3].ok("conference.join", cid="room")
        assert _used(api, admin)["pro"] == 1
        with api.client(admin) as c:
            assert c.get("/license").json()["pro"]["available"] == 9
        assert peers[3].ok("license.get")["pro"] == "temporary"
        peers[3].ok("conference.leave", cid="room")
        assert _pro_used_after(api, clock, hours=23, minutes=59) == 1
        assert _pro_used_after(api, clock, minutes=1) == 0
        assert peers[3].ok("license.get")["pro"] is None
    finally:
        for peer in peers:
            peer.close()


def test_case_2_permanent_groups_reserve_their_licences(api: RunningApi) -> None:
    """WE-02: IT has 3 permanent licences; 2 other users signed in, one joins."""
    admin = _setup(
        api,
        PAID,
        users=("jane", "ann", "it1", "it2", "it3"),
        groups={"IT": ["it1", "it2", "it3"]},
        allow_uninvited=True,
    )
    with api.client(admin) as c:
        it = _group_id(c, "IT")
        assert c.put("/license/pro", json={"groups": [it]}).status_code == 200
        assert c.post("/license/pro/redistribute").status_code == 200
    with Peer(api.base_url).login("jane") as jane, Peer(api.base_url).login("ann"):
        jane.ok("conference.join", cid="room")
        assert _used(api, admin) == {"online": 2, "pro": 4, "guest": 0, "gateway": 0}
        with api.client(admin) as c:
            assert c.get("/license").json()["pro"]["available"] == 6
        view = _pro(api, admin)
        assert [p["user_id"] for p in view["permanent"]] == ["it1", "it2", "it3"]
        assert [t["user_id"] for t in view["temporary"]] == ["jane"]
        assert view["temporary"][0]["in_conference"] is True


def test_case_3_one_pro_licence_per_account_whatever_the_devices(
    api: RunningApi, clock: MovableClock
) -> None:
    """WE-03: `user` on two devices in two conferences; three others signed in."""
    admin = _setup(api, PAID, allow_uninvited=True)
    phone, pc = Peer(api.base_url).login("user"), Peer(api.base_url).login("user")
    others = [Peer(api.base_url).login(u) for u in ("jane", "ann", "bob")]
    try:
        phone.ok("conference.join", cid="room")
        pc.ok("conference.join", cid="second")
        assert _used(api, admin) == {"online": 5, "pro": 1, "guest": 0, "gateway": 0}
        phone.ok("conference.leave", cid="room")
        assert _pro_used_after(api, clock, hours=30) == 1  # still in the second: renewed
        pc.ok("conference.leave", cid="second")
        assert _pro_used_after(api, clock, hours=23, minutes=59) == 1
        assert _pro_used_after(api, clock, minutes=1) == 0
    finally:
        for peer in (phone, pc, *others):
            peer.close()


def _device(api: RunningApi, subject: str, **body: Any) -> dict[str, Any]:
    """What the SIP/H.323/RTSP gateway asks over NATS, and the reply."""

    async def ask() -> dict[str, Any]:
        client = await nats.connect(api.system.store.env["QUORUM_NATS_URL"])
        try:
            reply = await client.request(subject, json.dumps(body).encode(), timeout=10)
            answer: dict[str, Any] = json.loads(reply.data)
            return answer
        finally:
            await client.close()

    return asyncio.run(ask())


def test_sip_case_1_devices_take_gateway_licences_only(api: RunningApi) -> None:
    """WE-04: 2 SIP endpoints and an RTSP camera invited by a signed-in user."""
    devices = ["#sip:10.0.0.5", "#sip:10.0.0.6", "#rtsp:cam1.example.net"]
    admin = _setup(api, {**PAID, "pro": 100}, invitations=[{"id": d} for d in devices])
    with Peer(api.base_url).login("jane") as jane:
        jane.ok("conference.join", cid="room")
        for device in devices:
            joined = _device(api, "quorum.devices.join", cid="room", call_string=device)
            assert joined["result"]["state"] == "joined", joined
        used = _used(api, admin)
        assert (used["online"], used["gateway"]) == (1, 3)
        # a hang-up gives the licence back
        participants = jane.ok("conference.participants", cid="room")["participants"]
        camera = next(p for p in participants if p["user_id"] == devices[2])
        left = _device(
            api, "quorum.devices.leave", cid="room", participant_id=camera["participant_id"]
        )
        assert left == {"result": {"left": True}}
        assert _used(api, admin)["gateway"] == 2


def test_sip_case_2_a_device_signed_in_as_a_user_takes_an_online_licence_too(
    api: RunningApi,
) -> None:
    """WE-05: one of two SIP endpoints is registered with a server account."""
    admin = _setup(api, {**PAID, "pro": 100})
    with Peer(api.base_url).login("jane") as jane:
        jane.ok("conference.join", cid="room")
        plain = _device(api, "quorum.devices.join", cid="room", call_string="#sip:10.0.0.5")
        signed = _device(
            api, "quorum.devices.join", cid="room", call_string="#sip:bob@pbx", account="bob"
        )
        assert "result" in plain and "result" in signed, (plain, signed)
        used = _used(api, admin)
        assert (used["online"], used["gateway"]) == (2, 2)
        unknown = _device(
            api, "quorum.devices.join", cid="room", call_string="#sip:x@pbx", account="nobody"
        )
        assert unknown["error"]["errors"][0]["location"] == "account"


def test_sip_devices_need_a_free_gateway_licence(api: RunningApi) -> None:
    """LIC-SIP-01: always allowed in, but only with a free SIP/H.323/RTSP licence."""
    admin = _setup(api, {**PAID, "gateway": 1})
    with Peer(api.base_url).login("jane") as jane:
        jane.ok("conference.join", cid="room")
        assert "result" in _device(api, "quorum.devices.join", cid="room", call_string="#sip:a")
        refused = _device(api, "quorum.devices.join", cid="room", call_string="#h323:b")
        assert refused["error"]["code"] == 403
        assert refused["error"]["errors"][0]["reason"] == "licenceUnavailable"
        assert _used(api, admin)["gateway"] == 1


def test_guest_example_guests_take_guest_licences_only(api: RunningApi) -> None:
    """WE-06: a user invites 3 guests to a public conference and takes part."""
    admin = _setup(api, {**PAID, "pro": 100}, access="public")
    with Peer(api.base_url).login("jane") as jane:
        jane.ok("conference.join", cid="room")
        guests = [Peer(api.base_url) for _ in range(3)]
        try:
            for i, guest in enumerate(guests):
                guest.ok("auth", guest_name=f"Visitor {i}")
                assert guest.ok("conference.join", cid="room")["participant"]["kind"] == "guest"
            assert _used(api, admin) == {"online": 1, "pro": 1, "guest": 3, "gateway": 0}
            # no chat outside the conference, no point-to-point call (§5.4)
            guest_id = guests[0].ok("conference.participants", cid="room")["participants"]
            assert guests[0].error("chat.send", to="jane", text="hi")["code"] == 403
            guest_user = next(p["user_id"] for p in guest_id if p["kind"] == "guest")
            assert jane.error("call.invite", to=guest_user)["code"] in (400, 403, 404)
            guests[0].close()
            eventually(lambda: _used(api, admin)["guest"] == 2)
        finally:
            for guest in guests:
                guest.close()


def test_guests_beyond_the_guest_licences_are_refused(api: RunningApi) -> None:
    admin = _setup(api, {**PAID, "guest": 1}, access="public")
    with Peer(api.base_url) as first, Peer(api.base_url) as second:
        first.ok("auth", guest_name="First")
        second.ok("auth", guest_name="Second")
        first.ok("conference.join", cid="room")
        refused = second.error("conference.join", cid="room")
        assert refused["code"] == 403
        assert refused["errors"][0]["reason"] == "licenceUnavailable"
        assert _used(api, admin)["guest"] == 1
        with api.client(admin) as c:  # the session's end gives every licence back
            assert c.post("/conferences/room/stop").status_code == 200
        assert _used(api, admin)["guest"] == 0
        assert second.ok("conference.join", cid="room")["participant"]["kind"] == "guest"


def test_online_licences_per_device_refusal_disconnect_and_sleep(api: RunningApi) -> None:
    """LIC-ON-01/02: one per device; none free refuses the login with its reason; an
    admin disconnect frees them; a sleeping client holds none."""
    admin = _setup(api, {**PAID, "online": 2})
    jane_pc, jane_phone = Peer(api.base_url).login("jane"), Peer(api.base_url).login("jane")
    try:
        assert _used(api, admin)["online"] == 2
        with Peer(api.base_url) as ann:
            refused = ann.error("auth", login="ann", password="Secret123")
            assert (refused["code"], refused["errors"][0]["location"]) == (403, "login")
            assert refused["errors"][0]["reason"] == "licenceUnavailable"
        assert jane_phone.ok("endpoint.sleep", sleeping=True)["sleeping"] is True
        assert _used(api, admin)["online"] == 1
        assert jane_phone.error("conference.join", cid="room")["code"] == 409
        with Peer(api.base_url).login("ann"):
            woke = jane_phone.error("endpoint.sleep", sleeping=False)
            assert woke["errors"][0]["reason"] == "licenceUnavailable"
        eventually(lambda: _used(api, admin)["online"] == 1)
        jane_phone.ok("endpoint.sleep", sleeping=False)
        assert _used(api, admin)["online"] == 2
        with api.client(admin) as c:
            assert c.post("/users/jane/disconnect").status_code in (200, 204)
        eventually(lambda: _used(api, admin)["online"] == 0)
    finally:
        jane_pc.close()
        jane_phone.close()


def test_exhausted_pro_admits_permanent_and_valid_temporary_refuses_others(
    api: RunningApi, clock: MovableClock
) -> None:
    """WE-07: 0 available; P permanent, T temporary, N neither."""
    admin = _setup(
        api,
        {**PAID, "pro": 2},
        users=("jane", "p", "t", "n"),
        groups={"Staff": ["p"]},
        allow_uninvited=True,
    )
    with api.client(admin) as c:
        staff = _group_id(c, "Staff")
        assert c.put("/license/pro", json={"groups": [staff]}).status_code == 200
        assert c.post("/license/pro/redistribute").status_code == 200
    with (
        Peer(api.base_url).login("p") as p,
        Peer(api.base_url).login("t") as t,
        Peer(api.base_url).login("n") as n,
    ):
        assert t.ok("license.request")["pro"] == "temporary"
        assert _pro(api, admin)["available"] == 0
        p.ok("conference.join", cid="room")
        t.ok("conference.join", cid="room")
        refused = n.error("conference.join", cid="room")
        assert (refused["code"], refused["errors"][0]["reason"]) == (403, "licenceUnavailable")
        call = n.ok("call.invite", to="t")  # calls and chat still work
        assert call["state"] in ("ringing", "missed")
        assert "message_id" in n.ok("chat.send", to="t", text="can't join, call me")
        listed = _pro(api, admin)["temporary_not_licensed"]
        assert [u["user_id"] for u in listed] == ["n"]
        api.system.fresh("events")
        with api.client(admin) as c:
            rows = c.get("/logs/events", params={"event": "pro_license_limit"}).json()["list"]
        assert any("n" in json.dumps(row) for row in rows), rows
        clock.advance(hours=24, minutes=1)
        admin = api.login("root")
        assert _pro(api, admin)["temporary_not_licensed"] == []


def test_revoking_a_temporary_licence_removes_its_holder_from_the_conference(
    api: RunningApi,
) -> None:
    """WE-08."""
    admin = _setup(api, PAID, allow_uninvited=True)
    with Peer(api.base_url).login("jane") as jane, Peer(api.base_url).login("ann") as ann:
        jane.ok("conference.join", cid="room")
        ann.ok("conference.join", cid="room")
        assert _used(api, admin)["pro"] == 2
        with api.client(admin) as c:
            assert c.delete("/license/pro/temporary/ann").status_code == 204
        left = jane.wait_for(
            "conference.participant",
            lambda d: d["change"] == "left" and d["participant"]["user_id"] == "ann",
        )
        assert left["cause"] == "licence revoked"
        assert _used(api, admin)["pro"] == 1
        api.system.fresh("events")
        with api.client(admin) as c:
            rows = c.get("/logs/events", params={"event": "pro_license_revocation"}).json()
        assert rows["cnt"] == 1


def test_the_24_hour_redistribution_takes_back_shortest_validity_first(
    api: RunningApi, clock: MovableClock
) -> None:
    """WE-09: the permanent group grows so the pool no longer covers A (2 h left, in
    a conference) and B (20 h left); only those who lose a licence leave meetings."""
    admin = _setup(
        api,
        {**PAID, "pro": 4},
        users=("jane", "a", "b", "m1", "m2", "newcomer"),
        groups={"Staff": ["m1", "m2"]},
        allow_uninvited=True,
    )
    jobs = api.system.licence_jobs
    with api.client(admin) as c:
        staff = _group_id(c, "Staff")
        assert c.put("/license/pro", json={"groups": [staff]}).status_code == 200
    jobs.at_start()
    assert [p["user_id"] for p in _pro(api, admin)["permanent"]] == ["m1", "m2"]
    with (
        Peer(api.base_url).login("a") as a,
        Peer(api.base_url).login("b") as b,
        Peer(api.base_url).login("m1") as m1,
    ):
        a.ok("conference.join", cid="room")  # a temporary licence until start + 24 h
        m1.ok("conference.join", cid="room")
        clock.advance(hours=18)
        b.ok("license.request")  # until start + 42 h
        clock.advance(hours=4)  # a: 2 h left (in a conference), b: 20 h left
        with api.client(api.login("root")) as c:
            added = c.post(f"/groups/{staff}/users", json={"user_id": "newcomer"})
            assert added.status_code == 201, added.text
        jobs.tick()  # 22 h after the start: not yet
        admin = api.login("root")
        assert "newcomer" not in [p["user_id"] for p in _pro(api, admin)["permanent"]]
        clock.advance(hours=2)
        jobs.tick()
        admin = api.login("root")
        view = _pro(api, admin)
        assert [p["user_id"] for p in view["permanent"]] == ["m1", "m2", "newcomer"]
        assert [t["user_id"] for t in view["temporary"]] == ["b"]
        left = m1.wait_for(
            "conference.participant",
            lambda d: d["change"] == "left" and d["participant"]["user_id"] == "a",
        )
        assert left["cause"] == "licence lost"
        listed = m1.ok("conference.participants", cid="room")["participants"]
        assert [p["user_id"] for p in listed] == ["m1"]  # the meeting goes on
        api.system.fresh("events")
        with api.client(admin) as c:
            rows = c.get("/logs/events", params={"event": "pro_license_limit"}).json()["list"]
        assert any('"a"' in json.dumps(row) or row.get("object_name") == "a" for row in rows), rows


def test_simultaneous_joins_on_two_gateways_never_exceed_the_pro_licences(
    api: RunningApi, tmp_path: Path
) -> None:
    """Issue 6 item 5: the licence pool is one aggregate saved in the same atomic batch
    as each join: 12 users race for 5 PRO licences through two server processes."""
    users = tuple(f"u{i:02d}" for i in range(12))
    admin = _setup(api, {**PAID, "pro": 5}, users=("jane", *users), allow_uninvited=True)
    api.system.conferences.run("room")
    nats_url = api.system.store.env["QUORUM_NATS_URL"]
    with running_api(nats_url, tmp_path / "second", licence=None) as other:
        systems = [api.system, other.system]
        outcomes: list[str] = []
        barrier = threading.Barrier(len(users), timeout=60)

        def join(i: int, user: str) -> None:
            barrier.wait()
            try:
                systems[i % 2].sessions.join(
                    "room", user_id=user, kind="user", endpoint_id=f"{i:032X}"
                )
                outcomes.append("joined")
            except DomainError as refused:
                reason = refused.problems[0].reason if refused.problems else refused.message
                outcomes.append(reason)

        threads = [threading.Thread(target=join, args=(i, u)) for i, u in enumerate(users)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert sorted(outcomes) == ["joined"] * 5 + ["licenceUnavailable"] * 7
    assert _used(api, admin)["pro"] == 5


def test_simultaneous_logins_on_two_gateways_never_exceed_the_online_licences(
    api: RunningApi, tmp_path: Path
) -> None:
    users = tuple(f"u{i:02d}" for i in range(10))
    admin = _setup(api, {**PAID, "online": 4}, users=("jane", *users))
    with running_api(api.system.store.env["QUORUM_NATS_URL"], tmp_path / "b", licence=None) as b:
        servers = [api, b]  # each signs tokens with its own key: ask the one connected to
        outcomes: list[str] = []
        barrier = threading.Barrier(len(users), timeout=60)

        def login(i: int, user: str) -> None:
            server = servers[i % 2]
            token = server.user_token(user)
            with Peer(server.base_url) as peer:
                barrier.wait()
                frame = peer.call("auth", token=token)
                outcomes.append(
                    "in"
                    if "result" in frame
                    else (frame["error"]["errors"] or [{"reason": frame["error"]["message"]}])[0][
                        "reason"
                    ]
                )
                barrier_done.wait()

        barrier_done = threading.Barrier(len(users) + 1, timeout=60)
        threads = [threading.Thread(target=login, args=(i, u)) for i, u in enumerate(users)]
        for thread in threads:
            thread.start()
        eventually(lambda: len(outcomes) == len(users), timeout=60)
        assert sorted(outcomes) == ["in"] * 4 + ["licenceUnavailable"] * 6
        assert _used(api, admin)["online"] == 4
        barrier_done.wait()
        for thread in threads:
            thread.join(timeout=30)
    eventually(lambda: _used(api, admin)["online"] == 0)
