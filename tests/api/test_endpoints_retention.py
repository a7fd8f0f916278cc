"""Deleting old connection logs from the Endpoints report (guide §16.6, WE-14): gone
endpoints older than N days (180 by default) go, each deletion is an Events row
`delete_connections` with its count, security admins may not, and a rebuilt report
deletes the same rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from domain.shared.clock import process_clock
from tests.support import RunningApi
from tests.ws_client import Peer


def _rows(api: RunningApi, token: str) -> list[dict[str, object]]:
    with api.client(token) as c:
        listed: list[dict[str, object]] = c.get("/logs/endpoints").json()["list"]
    return listed


def test_old_connection_logs_are_deleted_and_the_deletion_is_an_event(api: RunningApi) -> None:
    admin = api.admin_token()
    with api.client(admin) as c:
        for user in ("jane", "ann"):
            assert c.post("/users", json={"id": user, "password": "Secret123"}).status_code == 201
    Peer(api.base_url).login("jane").close()
    Peer(api.base_url).login("ann").close()
    with Peer(api.base_url).login("jane"):  # still connected: never deleted
        api.system.fresh("endpoints")
        assert len(_rows(api, admin)) == 3
        with api.client(admin) as c:
            nothing = c.delete("/logs/endpoints")  # 180 days: all are recent
            assert nothing.status_code == 200, nothing.text
            assert nothing.json()["deleted"] == 0
            for bad in ("0", "-3", "x"):
                refused = c.delete("/logs/endpoints", params={"older_than_days": bad})
                assert refused.status_code == 400, refused.text
                assert refused.json()["error"]["errors"][0]["location"] == "older_than_days"
        api.add_admin("auditor", "security")
        with api.client(api.login("auditor")) as c:
            assert c.delete("/logs/endpoints").status_code == 403
        later = datetime.now(UTC) + timedelta(days=200)
        with process_clock(lambda: later):
            admin = api.login("root")
            with api.client(admin) as c:
                deleted = c.delete("/logs/endpoints", params={"older_than_days": 180})
        assert deleted.status_code == 200, deleted.text
        assert deleted.json()["deleted"] == 2
        left = _rows(api, admin)
        assert [(r["user_id"], r["disconnected_at"]) for r in left] == [("jane", None)]
        api.system.fresh("events")
        with api.client(admin) as c:
            rows = c.get("/logs/events", params={"event": "delete_connections"}).json()["list"]
        counts = [
            json.loads(r["details"])["count"]
            if isinstance(r["details"], str)
            else r["details"]["count"]
            for r in rows
        ]
        assert sorted(counts) == [0, 2]
        assert {(r["source"], r["severity"]) for r in rows} == {("admin", "High")}
        # the deletion is on the stream: a rebuilt report deletes the same rows
        api.system.runners["endpoints"].rebuild()
        api.system.fresh("endpoints")
        assert [r["user_id"] for r in _rows(api, admin)] == ["jane"]
