"""What the signaling and session use cases need from outside the domain: telling
connected clients, and being woken when a call has rung long enough."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from domain.signaling.endpoints_service import StatusChange


class Pushes(Protocol):
    """Tells connected clients, on whichever gateway they are."""

    def push(self, user_id: str, event: str, data: dict[str, Any]) -> None: ...

    def push_all(self, user_ids: Iterable[str], event: str, data: dict[str, Any]) -> None: ...

    def status(self, change: StatusChange) -> None: ...


class RingTimers(Protocol):
    """Owned by the process, not by the gateway a call came through: after the ring
    time, the call is missed if nobody answered (§13.2.2)."""

    def ring(self, call_id: str) -> None: ...
