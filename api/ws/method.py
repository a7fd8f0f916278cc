"""What the method table declares of each signaling method, and what its handler gets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adapters.bootstrap import QuorumSystem
from api.ws.connection import Connection
from api.ws.gateway import Gateway
from domain.sessions.guests import Needs
from domain.sessions.sessions_service import Requester


@dataclass(frozen=True)
class Request:
    """One request frame, on the socket it came from."""

    gateway: Gateway
    connection: Connection
    params: dict[str, Any]

    @property
    def system(self) -> QuorumSystem:
        return self.gateway.system

    @property
    def user_id(self) -> str:
        """Of an authenticated socket (the table lets no other reach a handler that asks)."""
        assert self.connection.user_id is not None
        return self.connection.user_id

    @property
    def endpoint_id(self) -> str:
        assert self.connection.endpoint_id is not None
        return self.connection.endpoint_id

    @property
    def requester(self) -> Requester:
        return Requester(user_id=self.user_id, endpoint_id=self.endpoint_id)


Handler = Callable[[Request], dict[str, Any]]


@dataclass(frozen=True)
class Method:
    handle: Handler
    signed_in: bool = True
    """Only after `auth`; otherwise 401."""
    while_asleep: bool = False
    """A sleeping endpoint may call it without waking up; otherwise 409."""
    needs: Needs = Needs.ACCOUNT
    """What the guests rule (domain.sessions.guests) weighs for a guest's socket."""
    ends_connection: bool = False
    """The socket closes after the reply."""
