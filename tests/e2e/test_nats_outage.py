"""NATS goes away and comes back (issue: 'Bad input and faults')."""

from __future__ import annotations

import time
from pathlib import Path

from adapters.nats_server import EmbeddedNats
from tests.support import running_api


def test_api_answers_503_while_nats_is_down_then_resumes_without_loss(tmp_path: Path) -> None:
    nats = EmbeddedNats(tmp_path / "nats", sync_always=True).start()
    try:
        with running_api(nats.url, tmp_path / "var") as api:
            token = api.admin_token()
            with api.client(token) as c:
                assert c.patch("/settings/main", json={"timezone": "Asia/Tokyo"}).is_success
                assert c.get("/logs/config-changes", params={"username": "root"}).json()["cnt"] == 1
                head = api.head()

                nats.stop()
                started = time.monotonic()
                down = c.patch("/settings/main", json={"timezone": "Europe/Paris"})
                assert down.status_code == 503
                assert time.monotonic() - started < 10
                assert "unavailable" in down.json()["error"]["message"]
                assert c.get("/server/status").json()["event_store_connected"] is False

                nats = EmbeddedNats(tmp_path / "nats", sync_always=True, port=nats.port).start()
                deadline = time.monotonic() + 20
                while not api.system.recorder.client.is_connected():
                    assert time.monotonic() < deadline, "did not reconnect to NATS"
                    time.sleep(0.1)

                assert api.head() == head  # the refused change left nothing behind
                assert c.get("/settings/main").json()["timezone"] == "Asia/Tokyo"
                assert c.patch("/settings/main", json={"csv_delimiter": ";"}).is_success
                rows = c.get("/logs/config-changes", params={"username": "root"}).json()
            assert [r["changes"][0]["parameter"] for r in rows["list"]] == [
                "csv_delimiter",
                "timezone",
            ]
            assert api.head() == head + 1
    finally:
        nats.stop()
