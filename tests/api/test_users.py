"""User accounts over HTTP (guide §13.1, §13.2; API.md users)."""

from __future__ import annotations

import csv
import io

import pytest

from tests.support import RunningApi


def _create(c: object, body: dict[str, object]) -> dict[str, object]:
    reply = c.post("/users", json=body)  # type: ignore[attr-defined]
    assert reply.status_code == 201, reply.text
    result: dict[str, object] = reply.json()
    return result


def test_create_read_search_edit_delete(api: RunningApi) -> None:
    token = api.admin_token()
    with api.client(token) as c:
        jane = _create(
            c,
            {
                "id": "Jane.Flowers",
                "password": "Secret123",
                "email": "jane@example.com",
                "first_name": "Jane",
                "last_name": "Flowers",
                "company": "ACME",
            },
        )
        assert jane["id"] == "jane.flowers"
        assert jane["uid"] == f"jane.flowers@{api.system.config.server_name}"
        assert jane["display_name"] == "Jane Flowers"
        assert jane["groups"] == [{"id": "@no_group", "display_name": "Users without group"}]
        assert jane["status"] == 0
        assert "password" not in jane and "password_hash" not in jane
        _create(c, {"id": "bob", "password": "Secret123", "last_name": "Builder"})
        found = c.get("/users", params={"search": "flow"}).json()
        assert [u["id"] for u in found["users"]] == ["jane.flowers"]
        assert c.get("/users", params={"last_name": "build"}).json()["cnt"] == 1
        edited = c.patch("/users/jane.flowers", json={"company": "Initech", "is_active": False})
        assert edited.json()["company"] == "Initech"
        assert edited.json()["status"] == -2
        assert c.patch("/users/jane.flowers", json={"id": "jane2"}).status_code == 400
        assert c.delete("/users/bob").status_code == 204
        assert c.get("/users/bob").status_code == 404
        assert c.delete("/users/bob").status_code == 404


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"id": "has space", "password": "Secret123"}, "id", "invalid"),
        ({"id": "x" * 65, "password": "Secret123"}, "id", "tooLong"),
        ({"password": "Secret123"}, "id", "required"),
        ({"id": "jane", "password": "short"}, "password", "policyViolation"),
        ({"id": "jane", "password": "Secret123", "email": "nope"}, "email", "invalid"),
        ({"id": "jane", "password": "Secret123", "colour": "red"}, "colour", "invalid"),
        ({"id": "jane", "password": "Secret123", "groups": ["nope"]}, "groups", "notFound"),
        ({"id": "jane", "password": "Secret123", "is_active": "yes"}, "is_active", "invalid"),
    ],
)
def test_bad_users_are_refused_naming_the_field(
    api: RunningApi, body: dict[str, object], field: str, reason: str
) -> None:
    token = api.admin_token()
    head = api.head()
    with api.client(token) as c:
        reply = c.post("/users", json=body)
    assert reply.status_code == 400, reply.text
    (error,) = reply.json()["error"]["errors"]
    assert (error["location"], error["reason"]) == (field, reason)
    assert api.head() == head


def test_a_duplicate_id_is_a_409_naming_it(api: RunningApi) -> None:
    token = api.admin_token()
    with api.client(token) as c:
        _create(c, {"id": "jane", "password": "Secret123"})
        reply = c.post("/users", json={"id": "JANE", "password": "Secret123"})
    assert reply.status_code == 409
    assert reply.json()["error"]["errors"][0]["reason"] == "uniqueValueAlreadyInUse"


def test_the_password_policy_lists_what_is_missing(api: RunningApi) -> None:
    """WE-11: minimum 5, upper+lower, digits: 'abcd1' is refused, 'Abcd1' accepted."""
    token = api.admin_token()
    with api.client(token) as c:
        policy = {"min_length": 5, "require_mixed_case": True, "require_digits": True}
        assert c.patch("/settings/password-policy", json=policy).is_success
        assert c.patch("/settings/password-policy", json={"min_length": 1}).status_code == 400
        refused = c.post("/users", json={"id": "jane", "password": "abcd1"})
        assert refused.status_code == 400
        assert "upper and lower case" in refused.json()["error"]["message"]
        assert c.post("/users", json={"id": "jane", "password": "Abcd1"}).status_code == 201


def test_users_csv_export_is_utf8_with_semicolons(api: RunningApi) -> None:
    token = api.admin_token()
    with api.client(token) as c:
        c.patch("/admin/preferences", json={"csv_encoding": "cp1251", "csv_delimiter": ","})
        _create(c, {"id": "jorg", "password": "Secret123", "first_name": "Jörg"})
        exported = c.get("/users/export")
    assert exported.headers["content-type"].startswith("text/csv; charset=utf-8")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8")), delimiter=";"))
    assert rows[0][:3] == ["id", "uid", "display_name"]
    assert rows[1][0] == "jorg" and rows[1][3] == "Jörg"


def test_effective_rights_and_limits_show_on_the_user(api: RunningApi) -> None:
    token = api.admin_token()
    with api.client(token) as c:
        it = c.post("/groups", json={"display_name": "IT", "rights": {"slideshow": True}}).json()
        ops = c.post("/groups", json={"display_name": "Ops", "rights": {"slideshow": False}})
        ops_id = ops.json()["id"]
        c.patch(f"/groups/{it['id']}/app-settings", json={"max_inbound_kbps": 2048})
        c.patch(f"/groups/{ops_id}/app-settings", json={"max_inbound_kbps": 1024})
        _create(c, {"id": "jane", "password": "Secret123", "groups": [it["id"], ops_id]})
        jane = c.get("/users/jane").json()
        assert jane["rights"]["slideshow"] is True
        assert jane["app_settings"]["effective"]["max_inbound_kbps"] == 1024
        c.patch("/users/jane/app-settings", json={"max_inbound_kbps": 4096})
        assert c.get("/users/jane").json()["app_settings"]["effective"]["max_inbound_kbps"] == 4096
        bad = c.patch("/users/jane/app-settings", json={"max_inbound_kbps": "fast"})
        assert bad.status_code == 400
        assert bad.json()["error"]["errors"][0]["location"] == "app_settings.max_inbound_kbps"


def test_a_bad_body_is_a_400_naming_every_field_never_a_422(api: RunningApi) -> None:
    token = api.admin_token()
    head = api.head()
    with api.client(token) as c:
        several = c.post(
            "/users", json={"id": 5, "password": "Secret123", "is_active": "yes", "colour": "red"}
        )
        missing = c.post("/users", json={})
        nested = c.patch("/users/admin/app-settings", json={"max_inbound_kbps": "5", "x": 1})
    assert (several.status_code, missing.status_code, nested.status_code) == (400, 400, 400)
    errors = several.json()["error"]["errors"]
    assert {(e["location"], e["reason"]) for e in errors} == {
        ("id", "invalid"),
        ("is_active", "invalid"),
        ("colour", "invalid"),
    }
    errors = missing.json()["error"]["errors"]
    assert {(e["location"], e["reason"]) for e in errors} == {
        ("id", "required"),
        ("password", "required"),
    }
    errors = nested.json()["error"]["errors"]
    assert {e["location"] for e in errors} == {
        "app_settings.max_inbound_kbps",
        "app_settings.x",
    }
    assert api.head() == head
