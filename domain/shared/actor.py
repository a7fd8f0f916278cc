"""Who did it and from where: carried by every event (ARCHITECTURE §5)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    kind: str
    """'admin', 'security', 'api_key', 'user', 'oauth_app' or 'system'."""
    name: str
    """Admin name, user ID, OAuth application ID or 'system'."""
    ip: str | None = None
    """Source IP address of the request, when there was one."""
    app_name: str | None = None
    """Client application name, when known."""
    user_agent: str | None = None
    """The HTTP User-Agent of the request or of the WebSocket's upgrade request."""
    endpoint_id: str | None = None
    """The client endpoint (32 hex digits) the action came through, when there is one."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Actor:
        return Actor(**data)


SYSTEM = Actor(kind="system", name="system")

_current_actor: ContextVar[Actor] = ContextVar("current_actor", default=SYSTEM)


def current_actor() -> Actor:
    return _current_actor.get()


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    """Every event triggered inside the block records `actor`."""
    token = _current_actor.set(actor)
    try:
        yield actor
    finally:
        _current_actor.reset(token)
