"""A legal erase (`quorum audit purge`) is itself recorded, and the Events report shows
who erased what and why; the chain still verifies."""

from __future__ import annotations

from adapters import audit_chain
from domain.identity.user import User
from domain.shared.actor import Actor, acting_as
from tests.support import RunningApi


def test_a_purge_is_an_events_row_and_the_chain_still_verifies(api: RunningApi) -> None:
    token = api.admin_token()
    with api.client(token) as c:
        assert c.post("/users", json={"id": "gone", "password": "Secret123"}).status_code == 201
        assert c.delete("/users/gone").is_success
    aggregate_id = str(User.create_id("gone"))
    with acting_as(Actor(kind="system", name="cli")):
        purged = audit_chain.purge(
            api.system.recorder.client, api.system.store, aggregate_id, "GDPR request 7"
        )
    api.system.fresh("events")
    with api.client(token) as c:
        rows = c.get("/logs/events", params={"event": "purge_events"}).json()["list"]
    assert len(rows) == 1
    assert (rows[0]["source"], rows[0]["severity"], rows[0]["object_name"]) == (
        "admin",
        "High",
        aggregate_id,
    )
    assert rows[0]["details"]["reason"] == "GDPR request 7"
    assert rows[0]["details"]["count"] == len(purged.sequences) > 0
    assert audit_chain.verify(api.system.recorder.client, api.system.store).broken is None
