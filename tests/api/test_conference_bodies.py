"""Conference request bodies are their routes' typed models: a body of the wrong shape
is our 400 naming every bad field (never FastAPI's 422), and appends nothing."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support import RunningApi


def _refused(c: httpx.Client, method: str, path: str, body: Any) -> list[tuple[str, str]]:
    reply = c.request(method, path, json=body)
    assert reply.status_code == 400, reply.text
    error = reply.json()["error"]
    assert error["code"] == 400
    return sorted((e["location"], e["reason"]) for e in error["errors"])


def test_a_body_of_the_wrong_shape_is_a_400_naming_each_field(api: RunningApi) -> None:
    with api.client(api.admin_token()) as c:
        assert c.post("/users", json={"id": "jane", "password": "Secret123"}).status_code == 201
        base = {"topic": "Board", "owner": "jane"}
        head = api.head()
        # an unknown field, at the top and nested
        assert _refused(c, "POST", "/conferences", {**base, "colour": "red"}) == [
            ("colour", "invalid")
        ]
        assert _refused(c, "POST", "/conferences", {**base, "schedule": {"kind": "once"}}) == [
            ("schedule.kind", "invalid")
        ]
        # a wrong JSON type: no coercion of "yes" to a bool or "5" to an int
        assert _refused(
            c, "POST", "/conferences", {**base, "auto_invite": "yes", "max_podiums": "5"}
        ) == [("auto_invite", "invalid"), ("max_podiums", "invalid")]
        # several bad fields at once, each named
        assert _refused(
            c, "POST", "/conferences", {"topic": 5, "owner": "jane", "x": 1, "mcu_mode": 1}
        ) == [("mcu_mode", "invalid"), ("topic", "invalid"), ("x", "invalid")]
        # not an object at all
        assert _refused(c, "POST", "/conferences", [base]) == [("body", "invalid")]
        assert api.head() == head  # nothing appended

        assert c.post("/conferences", json={**base, "id": "board"}).status_code == 201
        # a missing required field
        assert _refused(c, "PUT", "/conferences/board/pin", {}) == [("pin", "required")]
        assert _refused(c, "PUT", "/conferences/board/lock", {"locked": "true"}) == [
            ("locked", "invalid")
        ]
        assert _refused(c, "PATCH", "/conferences/board", {"topic": None, "pin": 1234}) == [
            ("pin", "invalid"),
            ("topic", "invalid"),
        ]
        # a value rule is the domain's, and still names its field
        assert _refused(c, "PATCH", "/conferences/board", {"topic": "x" * 257}) == [
            ("topic", "tooLong")
        ]
