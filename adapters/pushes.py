"""Pushes to connected clients through NATS: whichever gateway process holds the
recipient's sockets delivers them (api/ws). Any process may publish: an API route,
the conference scheduler, a gateway."""

from __future__ import annotations

import json
from typing import Any

from adapters.jetstream.client import JetStreamClient
from adapters.jetstream.loop import run_sync
from domain.signaling.service import StatusChange

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
        body = {"user_id": user_id, "event": event, "data": data}
        self._publish(f"{USER_SUBJECT}.{user_id}", body)

    def status(self, change: StatusChange) -> None:
        body = {"user_id": change.user_id, "previous": change.previous, "new": change.new}
        self._publish(f"{STATUS_SUBJECT}.{change.user_id}", body)

    def _publish(self, subject: str, body: dict[str, Any]) -> None:
        run_sync(self.client.nc.publish(subject, json.dumps(body, default=str).encode()))
