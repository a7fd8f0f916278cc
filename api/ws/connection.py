"""One open socket of the signaling gateway: one endpoint, once authenticated."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import WebSocket

from domain.shared.actor import Actor


@dataclass(eq=False)
class Connection:
    socket: WebSocket
    ip: str | None
    user_id: str | None = None
    endpoint_id: str | None = None
    guest: bool = False
    """A guest without an account (public conferences only, §5.4)."""
    display_name: str | None = None
    contacts: set[str] = field(default_factory=set)
    """User IDs in this user's address book: whose status changes are pushed here."""
    sleeping: bool = False
    """Put to sleep by its OS: it hears pushes but holds no online licence (§5.1)."""
    errors_in_a_row: int = 0
    closing_cause: str | None = None
    """Set when the server closes the socket on purpose (e.g. 'admin')."""
    user_agent: str | None = None
    app_name: str | None = None

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None and self.endpoint_id is not None

    def actor(self, name: str | None = None, endpoint_id: str | None = None) -> Actor:
        """Who acts through this socket, for the events it causes."""
        return Actor(
            kind="user",
            name=name or self.user_id or "?",
            ip=self.ip,
            app_name=self.app_name,
            user_agent=self.user_agent,
            endpoint_id=endpoint_id or self.endpoint_id,
        )
