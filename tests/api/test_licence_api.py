"""The licence and PRO licences over HTTP (guide §5, §9.1.1, §9.1.2, §16.1.1, §16.4;
API.md `license`, `license/pro`, `license/pro/temporary/{user_id}`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from domain.licensing.terms import LicenceUnavailable
from domain.shared.actor import Actor, acting_as
from domain.shared.clock import process_clock
from tests.support import ROOMY_LICENCE, RunningApi, reset_streams, running_api


@pytest.fixture
def free_api(nats_url: str, tmp_path: Path) -> Iterator[RunningApi]:
    """A server nobody has registered: the free edition."""
    reset_streams(nats_url)
    with running_api(nats_url, tmp_path / "var", licence=None) as running:
        yield running


def _licence(**changes: Any) -> dict[str, Any]:
    return {**ROOMY_LICENCE, **changes}


def _group(c: httpx.Client, name: str) -> str:
    reply = c.post("/groups", json={"display_name": name})
    assert reply.status_code == 201, reply.text
    group_id: str = reply.json()["id"]
    return group_id


def _user(c: httpx.Client, user_id: str, name: str, *groups: str) -> None:
    first, _, last = name.partition(" ")
    body = {
        "id": user_id,
        "password": "Secret123",
        "first_name": first,
        "last_name": last,
        "groups": list(groups),
    }
    reply = c.post("/users", json=body)
    assert reply.status_code == 201, reply.text


def _request(api: RunningApi, user_id: str) -> dict[str, Any]:
    """The user asks for a temporary licence (what the client's request does)."""
    with acting_as(Actor(kind="user", name=user_id)):
        return api.system.licensing.request(user_id)


def _problem(reply: httpx.Response) -> tuple[str, str]:
    error = reply.json()["error"]["errors"][0]
    return error["location"], error["reason"]


def test_reads_the_counts_and_loads_a_new_licence(api: RunningApi) -> None:
    token = api.admin_token()
    with api.client(token) as c:
        before = c.get("/license").json()
        assert before["pro"] == {"total": 1000, "used": 0, "available": 1000}
        assert before["online"]["total"] == 1000 and before["gateway"]["total"] == 100
        assert before["edition"] == "annual" and before["expired"] is False
        loaded = c.put(
            "/license",
            json={
                "edition": "trial",
                "online": 50,
                "pro": 5,
                "guest": 2,
                "gateway": 3,
                "extensions": ["streaming"],
                "expires_at": "2099-12-31",
            },
        )
        assert loaded.status_code == 200, loaded.text
        _user(c, "jane", "Jane Flowers")
        _request(api, "jane")
        after = c.get("/license").json()
    assert loaded.json() == {
        "edition": "trial",
        "expires_at": "2099-12-31",
        "expired": False,
        "online": {"total": 50, "used": 0, "available": 50},
        "pro": {"total": 5, "used": 0, "available": 5},
        "guest": {"total": 2, "used": 0, "available": 2},
        "gateway": {"total": 3, "used": 0, "available": 3},
        # exactly the extensions listed: federation was not renewed
        "extensions": ["streaming"],
    }
    assert after["pro"] == {"total": 5, "used": 1, "available": 4}


def test_features_of_extensions_not_licensed_are_refused(api: RunningApi) -> None:
    """EXT-09, §4.5: webinars and simultaneous interpretation need their extensions."""
    token = api.admin_token()
    with api.client(token) as c:
        _user(c, "jane", "Jane Flowers")
        interpreted = {
            "topic": "Board",
            "owner": "jane",
            "interpretation": {"languages": ["en", "fr"], "interpreters": []},
        }
        assert c.post("/conferences", json=interpreted).status_code == 201
        assert c.put("/license", json=_licence(extensions=["ldap"])).status_code == 200
        head = api.head()
        for body, field in (
            ({"topic": "Webinar", "owner": "jane", "access": "public"}, "access"),
            (interpreted, "interpretation"),
        ):
            refused = c.post("/conferences", json=body)
            assert refused.status_code == 400, refused.text
            assert _problem(refused) == (field, "licenceUnavailable")
        assert api.head() == head
        # without `extensions` a licence has the free ones: webinars come back
        assert (
            c.put(
                "/license", json={k: v for k, v in _licence().items() if k != "extensions"}
            ).status_code
            == 200
        )
        webinar = {"topic": "Webinar", "owner": "jane", "access": "public"}
        assert c.post("/conferences", json=webinar).status_code == 201


def test_an_expired_licence_grants_nothing(api: RunningApi) -> None:
    token = api.admin_token()
    with api.client(token) as c:
        # expired whatever it counts, even with no online licence at all
        reply = c.put("/license", json=_licence(online=0, expires_at="2000-01-31"))
    assert reply.status_code == 200, reply.text
    summary = reply.json()
    assert summary["expired"] is True
    assert summary["expires_at"] == "2000-01-31"
    assert all(summary[p]["total"] == 0 for p in ("online", "pro", "guest", "gateway"))


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        (_licence(pro=-1), "pro", "invalid"),
        (_licence(online="10"), "online", "invalid"),
        (_licence(guest=2.5), "guest", "invalid"),
        (_licence(gateway=True), "gateway", "invalid"),
        (_licence(pro=10**9), "pro", "invalid"),
        ({k: v for k, v in ROOMY_LICENCE.items() if k != "guest"}, "guest", "required"),
        (_licence(seats=5), "seats", "invalid"),
        (_licence(extensions=["teleportation"]), "extensions", "invalid"),
        (_licence(extensions="streaming"), "extensions", "invalid"),
        (_licence(edition="forever"), "edition", "invalid"),
        (_licence(expires_at="next year"), "expires_at", "invalid"),
        (_licence(expires_at=20991231), "expires_at", "invalid"),
        ([1, 2, 3], "body", "invalid"),
    ],
)
def test_a_bad_licence_is_refused_naming_the_field(
    api: RunningApi, body: Any, field: str, reason: str
) -> None:
    token = api.admin_token()
    with api.client(token) as c:
        before = c.get("/license").json()
        head = api.head()
        reply = c.put("/license", json=body)
        assert reply.status_code == 400, reply.text
        assert _problem(reply) == (field, reason)
        assert api.head() == head
        assert c.get("/license").json() == before


def test_bad_pro_settings_are_refused_naming_the_field(api: RunningApi) -> None:
    token = api.admin_token()
    with api.client(token) as c:
        devs = _group(c, "Developers")
        before = c.get("/license/pro").json()
        head = api.head()
        for body, field in (
            ({"groups": ["no-such-group"]}, "groups"),
            ({"groups": [devs, "no-such-group"]}, "groups"),
            ({"groups": [devs, devs]}, "groups"),
            ({"groups": devs}, "groups"),
            ({"allow_request": "yes"}, "allow_request"),
            ({"show_info": 1}, "show_info"),
            ({"users": ["jane"]}, "users"),
        ):
            reply = c.put("/license/pro", json=body)
            assert reply.status_code == 400, (body, reply.text)
            assert _problem(reply) == (field, "invalid"), body
        assert api.head() == head
        assert c.get("/license/pro").json() == before


def test_permanent_licences_go_to_the_chosen_groups_by_priority(api: RunningApi) -> None:
    token = api.admin_token()
    with api.client(token) as c:
        assert c.put("/license", json=_licence(pro=2)).status_code == 200
        devs = _group(c, "Developers")
        ops = _group(c, "Operators")
        _user(c, "carol", "Carol Zed", devs)
        _user(c, "alice", "Alice Young", devs)
        _user(c, "bob", "Bob Hubbard", ops)
        _user(c, "dave", "Dave Nogroup")
        initial = c.get("/license/pro").json()
        changed = c.put(
            "/license/pro", json={"groups": [ops, devs], "allow_request": True, "show_info": False}
        )
        assert changed.status_code == 200, changed.text
        # applied at the next distribution, not at once (§9.1.2)
        assert changed.json()["permanent"] == []
        assert changed.json()["groups"] == [ops, devs]
        assert changed.json()["show_info"] is False
        ran = c.post("/license/pro/redistribute")
        assert ran.status_code == 200, ran.text
        with pytest.raises(LicenceUnavailable):
            _request(api, "dave")
        view = c.get("/license/pro").json()
    assert initial["permanent"] == [] and initial["permanent_not_licensed"] == []
    assert initial["without_licence"] == 0
    assert ran.json()["lost"] == []
    assert ran.json()["view"]["permanent"] == view["permanent"]
    # Operators first, then Developers sorted by display name: Carol is left out
    assert view["permanent"] == [
        {
            "user_id": "bob",
            "display_name": "Bob Hubbard",
            "groups": [{"id": ops, "display_name": "Operators"}],
        },
        {
            "user_id": "alice",
            "display_name": "Alice Young",
            "groups": [{"id": devs, "display_name": "Developers"}],
        },
    ]
    assert [u["user_id"] for u in view["permanent_not_licensed"]] == ["carol"]
    assert view["permanent_not_licensed"][0]["display_name"] == "Carol Zed"
    assert view["distributed_at"] > initial["distributed_at"]
    assert (view["total"], view["used"], view["available"]) == (2, 2, 0)
    assert view["temporary"] == []
    assert [(u["user_id"], u["display_name"]) for u in view["temporary_not_licensed"]] == [
        ("dave", "Dave Nogroup")
    ]
    assert view["without_licence"] == 2


def test_temporary_holders_are_listed_with_their_validity(api: RunningApi) -> None:
    token = api.admin_token()
    with api.client(token) as c:
        _user(c, "jane", "Jane Flowers")
        granted = _request(api, "jane")
        view = c.get("/license/pro").json()
    assert granted["pro"] == "temporary"
    assert len(view["temporary"]) == 1
    holder = view["temporary"][0]
    assert (holder["user_id"], holder["display_name"], holder["in_conference"]) == (
        "jane",
        "Jane Flowers",
        False,
    )
    until = datetime.fromisoformat(holder["valid_until"])
    assert timedelta(hours=23) < until - datetime.now(UTC) <= timedelta(hours=24)
    assert view["used"] == 1 and view["available"] == 999


def test_revoking_returns_the_licence_and_refuses_what_cannot_be_revoked(
    api: RunningApi,
) -> None:
    token = api.admin_token()
    with api.client(token) as c:
        ops = _group(c, "Operators")
        _user(c, "bob", "Bob Hubbard", ops)
        _user(c, "jane", "Jane Flowers")
        _user(c, "joe", "Joe Nolicence")
        assert c.put("/license/pro", json={"groups": [ops]}).status_code == 200
        assert c.post("/license/pro/redistribute").status_code == 200
        _request(api, "jane")
        assert c.get("/license").json()["pro"]["used"] == 2
        head = api.head()
        permanent = c.delete("/license/pro/temporary/bob")
        nothing = c.delete("/license/pro/temporary/joe")
        nobody = c.delete("/license/pro/temporary/ghost")
        assert api.head() == head
        revoked = c.delete("/license/pro/temporary/jane")
        again = c.delete("/license/pro/temporary/jane")
        view = c.get("/license/pro").json()
        used = c.get("/license").json()["pro"]["used"]
    assert permanent.status_code == 409
    assert _problem(permanent) == ("user_id", "conflict")
    assert nothing.status_code == 404 and _problem(nothing) == ("user_id", "notFound")
    assert nobody.status_code == 404
    assert revoked.status_code == 204
    assert again.status_code == 404
    assert view["temporary"] == []
    assert [u["user_id"] for u in view["permanent"]] == ["bob"]
    assert used == 1
    assert api.system.licensing.licence_of("jane") == {"pro": None}


def test_security_admins_read_both_views_and_change_nothing(api: RunningApi) -> None:
    api.add_admin("root")
    token = api.admin_token("watcher", role="security")
    with api.client(token) as c:
        assert c.get("/license").status_code == 200
        assert c.get("/license/pro").status_code == 200
        head = api.head()
        refused = [
            c.put("/license", json=_licence(pro=1)),
            c.put("/license/pro", json={"allow_request": False}),
            c.post("/license/pro/redistribute"),
            c.delete("/license/pro/temporary/jane"),
        ]
        assert api.head() == head
    assert [r.status_code for r in refused] == [403] * 4
    assert {r.json()["error"]["errors"][0]["reason"] for r in refused} == {"forbidden"}


def test_users_and_strangers_may_not_read_the_licence(api: RunningApi) -> None:
    token = api.admin_token()
    with api.client(token) as c:
        _user(c, "jane", "Jane Flowers")
    with api.client(api.user_token("jane")) as c:
        assert c.get("/license").status_code == 403
        assert c.get("/license/pro").status_code == 403
        assert c.delete("/license/pro/temporary/jane").status_code == 403
    with api.client() as c:
        assert c.get("/license").status_code == 401


def test_the_free_edition_cannot_reserve_permanent_licences(free_api: RunningApi) -> None:
    token = free_api.admin_token()
    with free_api.client(token) as c:
        summary = c.get("/license").json()
        devs = _group(c, "Developers")
        head = free_api.head()
        refused = c.put("/license/pro", json={"groups": [devs]})
        assert free_api.head() == head
        switched = c.put("/license/pro", json={"allow_request": False})
    assert summary["edition"] == "free"
    assert summary["guest"]["total"] == 1 and summary["gateway"]["total"] == 1
    assert refused.status_code == 403
    assert _problem(refused) == ("groups", "licenceUnavailable")
    assert switched.status_code == 200, switched.text
    assert switched.json()["allow_request"] is False and switched.json()["groups"] == []


def test_lowering_pro_below_use_redistributes_and_reports_who_lost_theirs(
    api: RunningApi,
) -> None:
    token = api.admin_token()
    with api.client(token) as c:
        _user(c, "jane", "Jane Flowers")
        _user(c, "joe", "Joe Black")
        # Jane's licence was granted earlier, so it runs out first: hers is taken (5.1).
        earlier = datetime.now(UTC) - timedelta(hours=2)
        with process_clock(lambda: earlier):
            _request(api, "jane")
        _request(api, "joe")
        lowered = c.put("/license", json=_licence(pro=1))
        view = c.get("/license/pro").json()
        limits = c.get("/logs/events", params={"event": "pro_license_limit"}).json()
    assert lowered.status_code == 200, lowered.text
    assert lowered.json()["pro"] == {"total": 1, "used": 1, "available": 0}
    assert [h["user_id"] for h in view["temporary"]] == ["joe"]
    assert view["distributed_at"] is not None
    assert api.system.licensing.licence_of("jane") == {"pro": None}
    assert limits["cnt"] == 1
    row = limits["list"][0]
    assert (row["source"], row["object_name"], row["severity"]) == ("server", "jane", "Medium")
    assert row["details"]["users"] == ["jane"]
    assert row["details"]["reason"] == "redistribution"


def test_events_report_shows_revocations_and_refusals(api: RunningApi) -> None:
    token = api.admin_token()
    with api.client(token) as c:
        _user(c, "jane", "Jane Flowers")
        _user(c, "bob", "Bob Hubbard")
        _request(api, "jane")
        assert c.delete("/license/pro/temporary/jane").status_code == 204
        assert c.put("/license", json=_licence(pro=0)).status_code == 200
        with pytest.raises(LicenceUnavailable):
            _request(api, "bob")
        revocations = c.get("/logs/events", params={"event": "pro_license_revocation"}).json()
        limits = c.get("/logs/events", params={"event": "pro_license_limit"}).json()
        both = c.get(
            "/logs/events", params={"event": ["pro_license_limit", "pro_license_revocation"]}
        ).json()
        by_user = c.get(
            "/logs/events", params={"event": "pro_license_limit", "source": "user"}
        ).json()
    assert revocations["cnt"] == 1
    revoked = revocations["list"][0]
    assert (revoked["source"], revoked["object_name"]) == ("admin", "jane")
    assert revoked["details"]["actor"] == "root"
    assert revoked["details"]["user_id"] == "jane"
    assert limits["cnt"] == 1
    refused = limits["list"][0]
    assert (refused["source"], refused["object_name"]) == ("user", "bob")
    assert refused["details"]["reason"] == "none free"
    assert refused["details"]["actor"] == "bob"
    assert both["cnt"] == 2
    assert by_user["cnt"] == 1


def test_configuration_changes_report_shows_licence_changes(api: RunningApi) -> None:
    token = api.admin_token()
    with api.client(token) as c:
        assert c.put("/license", json=_licence(pro=5, gateway=7)).status_code == 200
        assert c.put("/license/pro", json={"allow_request": False}).status_code == 200
        rows = c.get(
            "/logs/config-changes",
            params={"object_type": "license", "username": "root", "sort_order": 0},
        ).json()
    assert rows["cnt"] == 2
    loaded, settings = rows["list"]
    assert (loaded["action"], loaded["object_id"]) == ("edit", "license")
    assert sorted(loaded["changes"], key=lambda ch: ch["parameter"]) == [
        {"parameter": "gateway", "previous": 100, "new": 7},
        {"parameter": "pro", "previous": 1000, "new": 5},
    ]
    assert settings["object_id"] == "license/pro"
    assert settings["changes"] == [{"parameter": "allow_request", "previous": True, "new": False}]


def test_a_body_that_is_not_json_or_missing_is_refused(api: RunningApi) -> None:
    token = api.admin_token()
    with api.client(token) as c:
        head = api.head()
        for path in ("/license", "/license/pro"):
            broken = c.put(path, content=b"{pro: 5", headers={"content-type": "application/json"})
            missing = c.put(path)
            assert broken.status_code == 400, broken.text
            assert missing.status_code == 400, missing.text
            assert _problem(missing) == ("body", "required")
        assert api.head() == head
