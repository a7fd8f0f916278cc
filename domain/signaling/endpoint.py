"""An endpoint (guide §16.6): one connected client application, one socket. Its
properties are recorded as it reports them; its departure is recorded with the cause."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.shared.audited import AuditedAggregate
from domain.shared.changes import Change, changes_between
from domain.shared.errors import FieldProblem, InvalidInput

INFO_FIELDS = ("app_name", "app_version", "os", "local_ips", "devices")
MAX_TEXT = 256


def new_endpoint_id() -> str:
    """32 hex digits (FEATURES ID-10)."""
    return secrets.token_hex(16).upper()


def check_info(values: Any) -> dict[str, Any]:
    """What a client may report about itself; every bad field is named."""
    if not isinstance(values, dict):
        raise InvalidInput.of([FieldProblem("params", "invalid", "must be an object")])
    problems = []
    checked: dict[str, Any] = {}
    for name, value in values.items():
        if name not in INFO_FIELDS:
            problems.append(FieldProblem(name, "invalid", "unknown endpoint property"))
        elif name in ("local_ips", "devices"):
            if not isinstance(value, list) or not all(
                isinstance(v, str) and len(v) <= MAX_TEXT for v in value
            ):
                problems.append(FieldProblem(name, "invalid", "must be a list of strings"))
            else:
                checked[name] = value[:32]
        elif value is not None and (not isinstance(value, str) or len(value) > MAX_TEXT):
            problems.append(FieldProblem(name, "invalid", f"a string of at most {MAX_TEXT}"))
        else:
            checked[name] = value
    if problems:
        raise InvalidInput.of(problems)
    return checked


@dataclass
class Endpoint(AuditedAggregate):
    endpoint_id: str
    user_id: str
    ip: str | None
    gateway: str
    """Which gateway process holds the socket."""
    info: dict[str, Any]
    """Application name and version, OS, local IPs, devices."""
    connected: bool = field(default=True, init=False)
    sleeping: bool = field(default=False, init=False)
    """Put to sleep by its OS: connected for pushes, holding no online licence (§5.1)."""
    disconnect_cause: str | None = field(default=None, init=False)

    class Created(AuditedAggregate.Created, AuditedAggregate.Event):
        """EndpointConnected."""

        endpoint_id: str
        user_id: str
        ip: str | None
        gateway: str
        info: dict[str, Any]

    class InfoUpdated(AuditedAggregate.Event):
        changes: list[Change]

    class SleepChanged(AuditedAggregate.Event):
        sleeping: bool

    class Disconnected(AuditedAggregate.Event):
        cause: str
        """'logout', 'closed' (by the client), 'timeout' (heartbeats stopped),
        'protocol' (broken frames), 'admin' (users/{id}/disconnect), 'server' (the
        gateway stopped), 'connection lost' (the gateway holding the socket went
        silent: killed outright)."""

    @staticmethod
    def create_id(endpoint_id: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/quorum/endpoints/{endpoint_id}")

    def update_info(self, values: dict[str, Any]) -> list[Change]:
        changes = changes_between(self.info, values)
        if changes:
            self._info_updated(changes=changes)
        return changes

    @event(InfoUpdated)
    def _info_updated(self, changes: list[Change]) -> None:
        self.info = {**self.info, **{c["parameter"]: c["new"] for c in changes}}

    @event(SleepChanged)
    def set_sleeping(self, sleeping: bool) -> None:
        self.sleeping = sleeping

    def disconnect(self, cause: str) -> bool:
        if not self.connected:
            return False  # recorded once, whoever notices first
        self._disconnected(cause=cause)
        return True

    @event(Disconnected)
    def _disconnected(self, cause: str) -> None:
        self.connected = False
        self.disconnect_cause = cause
