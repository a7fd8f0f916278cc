"""LDAP mode end to end over HTTP, against the real slapd (guide §13.6 to §13.9)."""

from __future__ import annotations

import httpx

from tests.ldap.directory import (
    AD_SERVICE_DN,
    AD_SERVICE_PASSWORD,
    AD_SUFFIX,
    AD_TC_USERS,
    OL_ENGINEERING,
    OL_SERVICE_DN,
    OL_SERVICE_PASSWORD,
    OL_SUFFIX,
)
from tests.ldap.slapd import Slapd
from tests.support import RunningApi

TOKEN_FORM = {"grant_type": "password", "client_id": "quorum-client"}


def _sign_in(c: httpx.Client, user: str, password: str) -> httpx.Response:
    return c.post("/oauth2/token", data={**TOKEN_FORM, "username": user, "password": password})


def _openldap(slapd: Slapd) -> dict[str, object]:
    return {
        "server_type": "openldap",
        "host": "127.0.0.1",
        "port": slapd.port,
        "bind_dn": OL_SERVICE_DN,
        "bind_password": OL_SERVICE_PASSWORD,
        "base_dn": OL_SUFFIX,
    }


def test_switching_to_ldap_and_back_keeps_registry_data(api: RunningApi, slapd: Slapd) -> None:
    admin = api.admin_token()
    with api.client(admin) as c:
        local = {"id": "alice", "password": "Secret123", "company": "Registry Inc."}
        assert c.post("/users", json=local).status_code == 201
        ldap = c.patch("/settings/ldap", json=_openldap(slapd))
        assert ldap.status_code == 200
        assert ldap.json()["bind_password_set"] is True
        assert "bind_password" not in ldap.json()
        found = c.get("/settings/ldap/groups", params={"search": "engin"}).json()["groups"]
        assert [g["name"] for g in found] == ["Engineering"]
        imported = c.post("/groups/import", json={"dn": OL_ENGINEERING})
        assert imported.status_code == 201
        engineering = imported.json()["id"]
        assert c.post("/groups/import", json={"dn": OL_ENGINEERING}).status_code == 409

        switched = c.patch("/settings/user-storage", json={"mode": "ldap"})
        assert switched.status_code == 200, switched.text
        assert sorted(switched.json()["sync"]["created"]) == ["alice", "bob", "carol", "dave"]
        users = c.get("/users").json()["users"]
        assert {u["id"] for u in users} == {"alice", "bob", "carol", "dave"}
        alice = c.get("/users/alice").json()
        assert alice["company"] is None  # the directory's alice, not the Registry's
        assert alice["email"] == "alice@example.com"
        assert {g["id"] for g in alice["groups"]} == {engineering}

        # In LDAP mode the directory owns accounts and memberships (§13.8, §13.3.2).
        assert c.post("/users", json={"id": "zed", "password": "Secret123"}).status_code == 409
        assert c.patch("/users/alice", json={"company": "x"}).status_code == 409
        assert c.post("/groups", json={"display_name": "Local"}).status_code == 409
        rights = c.patch(f"/groups/{engineering}", json={"rights": {"slideshow": False}})
        assert rights.status_code == 200

        carol = _sign_in(c, "carol", "carol-pw")
        assert carol.status_code == 200, carol.text
        assert _sign_in(c, "carol", "wrong").status_code == 401
        assert _sign_in(c, "nobody", "x").status_code == 401
        with api.client(carol.json()["access_token"]) as as_carol:
            me = as_carol.get("/users/carol").json()
            assert me["rights"]["slideshow"] is False

        events = c.get("/logs/events", params={"event": ["connect", "login"]}).json()["list"]
        kinds = {(e["event"], e["object_name"]) for e in events}
        assert ("connect", f"ldap://127.0.0.1:{slapd.port}") in kinds
        assert ("login", "carol") in kinds

        back = c.patch(
            "/settings/user-storage", json={"mode": "registry", "import_users": True}
        ).json()
        assert sorted(back["imported"]) == ["bob", "carol", "dave"]
        assert c.get("/users/alice").json()["company"] == "Registry Inc."
        bob = c.get("/users/bob").json()
        assert bob["is_active"] is False  # imported without a password, inactive (§13.8)
        assert _sign_in(c, "alice", "Secret123").status_code == 200


def test_directory_errors_are_reported_clearly(api: RunningApi, slapd: Slapd) -> None:
    admin = api.admin_token()
    with api.client(admin) as c:
        wrong = {**_openldap(slapd), "bind_password": "not-it"}
        assert c.patch("/settings/ldap", json=wrong).status_code == 200
        refused = c.patch("/settings/user-storage", json={"mode": "ldap"})
        assert refused.status_code == 502
        assert "LDAP error 49" in refused.json()["error"]["message"]
        assert c.get("/settings/user-storage").json()["mode"] == "registry"

        closed = {**_openldap(slapd), "port": 1}
        assert c.patch("/settings/ldap", json=closed).status_code == 200
        down = c.get("/settings/ldap/groups")
        assert down.status_code == 502
        assert "LDAP error 81" in down.json()["error"]["message"]
        rows = c.get("/logs/events", params={"event": "disconnect"}).json()
        assert rows["cnt"] >= 1
        assert "LDAP error" in rows["list"][0]["details"]["error"]
        bad = c.patch("/settings/ldap", json={"server_type": "novell"})
        assert bad.status_code == 400
        assert bad.json()["error"]["errors"][0]["location"] == "server_type"


def test_active_directory_mapping_signs_in_by_samaccountname(api: RunningApi, slapd: Slapd) -> None:
    admin = api.admin_token()
    with api.client(admin) as c:
        settings = {
            "server_type": "active_directory",
            "host": "127.0.0.1",
            "port": slapd.port,
            "bind_dn": AD_SERVICE_DN,
            "bind_password": AD_SERVICE_PASSWORD,
            "base_dn": AD_SUFFIX,
            "allowed_group_dn": AD_TC_USERS,
        }
        assert c.patch("/settings/ldap", json=settings).status_code == 200
        switched = c.patch("/settings/user-storage", json={"mode": "ldap"})
        assert switched.status_code == 200, switched.text
        # Only enabled members of the allowed group: jsmith (dan is disabled, jroe outside).
        assert switched.json()["sync"]["created"] == ["jsmith"]
        assert _sign_in(c, "jsmith", "jsmith-pw").status_code == 200
        assert _sign_in(c, "jroe", "jroe-pw").status_code == 401
        assert c.get("/users/jsmith").json()["display_name"] == "John Smith"


def test_the_directory_is_synchronised_periodically(api: RunningApi, slapd: Slapd) -> None:
    import time

    from adapters.directory_sync import DirectorySyncer
    from domain.identity.storage import DirectoryLink
    from domain.shared.application import find

    admin = api.admin_token()
    with api.client(admin) as c:
        assert c.patch("/settings/ldap", json=_openldap(slapd)).status_code == 200
        assert c.patch("/settings/user-storage", json={"mode": "ldap"}).status_code == 200
    store = api.system.store

    def syncs() -> int:
        link = find(store, DirectoryLink.create_id(), DirectoryLink)
        assert link is not None
        return sum(isinstance(e, DirectoryLink.Synced) for e in store.events.get(link.id))

    before = syncs()
    syncer = DirectorySyncer(api.system.storage, lambda: 0.2)
    syncer.start()
    try:
        deadline = time.monotonic() + 10
        while syncs() < before + 2:
            assert time.monotonic() < deadline, "no periodic synchronisation happened"
            time.sleep(0.1)
    finally:
        syncer.stop()
