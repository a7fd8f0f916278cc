"""The Configuration Changes report (guide §16.4): filters, sort, pages, CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from domain.settings.rules import SECTIONS
from tests.support import RunningApi


def _edit(api: RunningApi, token: str, *bodies: Mapping[str, object]) -> None:
    with api.client(token) as c:
        for body in bodies:
            assert c.patch("/settings/main", json=body).status_code == 200


def test_filters_by_action_object_type_username_and_dates(api: RunningApi) -> None:
    root = api.admin_token("root")
    other = api.admin_token("other")
    _edit(api, root, {"timezone": "Asia/Tokyo"})
    _edit(api, other, {"csv_delimiter": ";"})
    with api.client(root) as c:
        everything = c.get("/logs/config-changes").json()
        by_other = c.get("/logs/config-changes", params={"username": "other"}).json()
        creates = c.get(
            "/logs/config-changes", params={"action": "create", "object_type": "server_settings"}
        ).json()
        future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        none_yet = c.get("/logs/config-changes", params={"date_from": future}).json()
        as_unix = c.get(
            "/logs/config-changes", params={"date_to": str(int(datetime.now(UTC).timestamp()) + 5)}
        ).json()
        bad_date = c.get("/logs/config-changes", params={"date_from": "yesterday"})
    assert by_other["cnt"] == 1
    assert by_other["list"][0]["changes"][0]["new"] == ";"
    # settings creation: one row per section, every parameter from nothing to its default
    assert {r["object_id"] for r in creates["list"]} == set(SECTIONS)
    assert creates["cnt"] == len(SECTIONS)
    assert none_yet["cnt"] == 0
    assert as_unix["cnt"] == everything["cnt"]
    assert bad_date.status_code == 400
    assert bad_date.json()["error"]["errors"][0]["location"] == "date_from"


def test_sorts_and_pages(api: RunningApi) -> None:
    token = api.admin_token()
    _edit(api, token, *({"token_validity_hours": h} for h in range(1, 8)))
    with api.client(token) as c:
        newest = c.get("/logs/config-changes", params={"username": "root", "page_size": 3}).json()
        page3 = c.get(
            "/logs/config-changes",
            params={"username": "root", "page_size": 3, "page": 3, "sort_order": 0},
        ).json()
        bad_sort = c.get("/logs/config-changes", params={"sort_field": "password"})
    assert newest["cnt"] == 7
    assert [r["changes"][0]["new"] for r in newest["list"]] == [7, 6, 5]
    assert [r["changes"][0]["new"] for r in page3["list"]] == [7]
    assert bad_sort.status_code == 400


def test_dates_render_in_the_viewers_time_zone(api: RunningApi) -> None:
    token = api.admin_token()
    _edit(api, token, {"csv_delimiter": ";"})
    with api.client(token) as c:
        utc = c.get("/logs/config-changes", params={"username": "root"}).json()["list"][0]
        tokyo = c.get(
            "/logs/config-changes", params={"username": "root", "timezone": "Asia/Tokyo"}
        ).json()["list"][0]
        assert c.get("/logs/config-changes", params={"timezone": "Nowhere"}).status_code == 400
    assert utc["date"].endswith("+00:00")
    assert tokyo["date"].endswith("+09:00")
    assert datetime.fromisoformat(utc["date"]) == datetime.fromisoformat(tokyo["date"])


def test_csv_export_uses_the_viewers_encoding_and_delimiter_and_the_same_filters(
    api: RunningApi,
) -> None:
    token = api.admin_token()
    with api.client(token) as c:
        assert c.patch(
            "/admin/preferences", json={"csv_encoding": "cp1251", "csv_delimiter": ";"}
        ).is_success
        assert c.patch("/settings/main", json={"timezone": "Europe/Moscow"}).is_success
        exported = c.get("/logs/config-changes/export", params={"username": "root"})
        negotiated = c.get(
            "/logs/config-changes", params={"username": "root"}, headers={"Accept": "text/csv"}
        )
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv; charset=cp1251")
    assert exported.content == negotiated.content
    rows = list(csv.reader(io.StringIO(exported.content.decode("cp1251")), delimiter=";"))
    assert rows[0] == [
        "date",
        "action",
        "object_type",
        "object_id",
        "username",
        "changes_in",
        "changes",
    ]
    assert len(rows) == 2
    assert rows[1][1:6] == ["edit", "server_settings", "main", "root", "timezone"]
    assert rows[1][6] == 'timezone: "UTC" -> "Europe/Moscow"'
