"""Pushes to connected clients through NATS: whichever gateway process holds the
recipient's sockets delivers them (api/ws). Any process may publish: an API route,
the conference scheduler, a gateway."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from adapters.jetstream.client import JetStreamClient
from adapters.jetstream.loop import run_sync
from domain.signaling.endpoints_service import StatusChange

STATUS_SUBJECT = "quorum.gw.status"
"""`<prefix>.<user>`: a user's status changed; gateways push it to their contacts."""
USER_SUBJECT = "quorum.gw.user"
"""`<prefix>.<user>`: a push addressed to every socket of one user."""
KICK_SUBJECT = "quorum.gw.disconnect"
"""`<prefix>.<user>`: close every socket of one user."""


class NatsPushes:
    def __init__(self, client: JetStreamClient) -> None:
        self.client = client

    def push(self, user_id: str, event: str, data: dict[str, Any]) -> None:
        self._publish(*user_push(user_id, event, data))

    def push_all(self, user_ids: Iterable[str], event: str, data: dict[str, Any]) -> None:
        """The same push to many users in one hand-off to the NATS loop (a join
        announced to a large conference)."""
        messages = [user_push(user_id, event, data) for user_id in user_ids]

        async def publish_all() -> None:
            for subject, body in messages:
                await self.client.nc.publish(subject, json.dumps(body, default=str).encode())

        if messages:
            run_sync(publish_all())

    def status(self, change: StatusChange) -> None:
        self._publish(*status_push(change))

    def _publish(self, subject: str, body: dict[str, Any]) -> None:
        run_sync(self.client.nc.publish(subject, json.dumps(body, default=str).encode()))


def user_push(user_id: str, event: str, data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(subject, body) of a push to one user's sockets."""
    return f"{USER_SUBJECT}.{user_id}", {"user_id": user_id, "event": event, "data": data}


def status_push(change: StatusChange) -> tuple[str, dict[str, Any]]:
    """(subject, body) of a status change for the user's contacts."""
    body = {"user_id": change.user_id, "previous": change.previous, "new": change.new}
    return f"{STATUS_SUBJECT}.{change.user_id}", body
