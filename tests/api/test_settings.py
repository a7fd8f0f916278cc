"""Server settings over HTTP (guide §8.4, §9.1.3, §12.2) and their audit trail (§16.4)."""

from __future__ import annotations

import threading

import pytest

from tests.support import RunningApi


def test_patch_changes_a_setting_and_the_report_shows_before_and_after(api: RunningApi) -> None:
    token = api.admin_token()
    with api.client(token) as c:
        reply = c.patch("/settings/main", json={"timezone": "Europe/Berlin"})
        assert reply.status_code == 200
        assert reply.json()["timezone"] == "Europe/Berlin"
        assert c.get("/settings/main").json()["timezone"] == "Europe/Berlin"
        report = c.get("/logs/config-changes", params={"action": "edit", "username": "root"})
    body = report.json()
    assert body["cnt"] == 1
    (row,) = body["list"]
    assert row["object_type"] == "server_settings"
    assert row["object_id"] == "main"
    assert row["changes"] == [{"parameter": "timezone", "previous": "UTC", "new": "Europe/Berlin"}]


@pytest.mark.parametrize(
    ("section", "body", "field"),
    [
        ("main", {"timezone": "Mars/Olympus"}, "timezone"),
        ("main", {"timezone": 3}, "timezone"),
        ("main", {"csv_delimiter": ""}, "csv_delimiter"),
        ("main", {"token_validity_hours": "many"}, "token_validity_hours"),
        ("main", {"no_such_setting": 1}, "no_such_setting"),
        ("security", {"admin_ip_allowlist": "10.0.0.0/8"}, "admin_ip_allowlist"),
        ("security", {"localhost_without_auth": "yes"}, "localhost_without_auth"),
    ],
)
def test_malformed_settings_get_400_naming_the_field_and_append_nothing(
    api: RunningApi, section: str, body: dict[str, object], field: str
) -> None:
    token = api.admin_token()
    head = api.head()
    with api.client(token) as c:
        reply = c.patch(f"/settings/{section}", json=body)
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert error["code"] == 400
    assert [e["location"] for e in error["errors"]] == [field]
    assert api.head() == head


def test_a_body_that_is_not_an_object_is_a_400(api: RunningApi) -> None:
    token = api.admin_token()
    with api.client(token) as c:
        reply = c.patch("/settings/main", json=["timezone"])
        unknown = c.get("/settings/colours")
    assert reply.status_code == 400
    assert unknown.status_code == 404


def test_concurrent_patches_both_land_in_order(api: RunningApi) -> None:
    token = api.admin_token()
    patches = [{"timezone": "Asia/Tokyo"}, {"csv_delimiter": ";"}]
    replies: list[int] = []

    def patch(body: dict[str, str]) -> None:
        with api.client(token) as c:
            replies.append(c.patch("/settings/main", json=body).status_code)

    threads = [threading.Thread(target=patch, args=(p,)) for p in patches]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert replies == [200, 200]
    with api.client(token) as c:
        main = c.get("/settings/main").json()
        rows = c.get("/logs/config-changes", params={"username": "root"}).json()["list"]
    assert (main["timezone"], main["csv_delimiter"]) == ("Asia/Tokyo", ";")
    assert sorted(r["changes"][0]["parameter"] for r in rows) == ["csv_delimiter", "timezone"]


def test_a_patch_built_on_a_stale_version_gets_409(api: RunningApi) -> None:
    token = api.admin_token()
    with api.client(token) as c:
        etag = c.get("/settings/main").headers["etag"]
        first = c.patch(
            "/settings/main", json={"timezone": "Asia/Tokyo"}, headers={"If-Match": etag}
        )
        assert first.status_code == 200
        head = api.head()
        second = c.patch(
            "/settings/main", json={"timezone": "Europe/Paris"}, headers={"If-Match": etag}
        )
        assert second.status_code == 409
        assert second.json()["error"]["errors"][0]["reason"] == "conflict"
        assert c.get("/settings/main").json()["timezone"] == "Asia/Tokyo"
    assert api.head() == head


def test_regenerated_connection_keys_show_fingerprints_only(api: RunningApi) -> None:
    token = api.admin_token()
    with api.client(token) as c:
        before = c.get("/settings/main").json()["user_auth_key_id"]
        reply = c.post("/settings/main/user-auth-key")
        assert reply.status_code == 200
        after = c.get("/settings/main").json()["user_auth_key_id"]
        rows = c.get("/logs/config-changes", params={"username": "root"}).json()["list"]
    assert after == reply.json()["user_auth_key_id"] != before
    assert rows[0]["changes"] == [{"parameter": "user_auth_key", "previous": before, "new": after}]
    secret = api.system.keystore.read("user_auth_key")
    assert secret and secret not in str(rows)
