"""The open sockets of one gateway, indexed by user and by the contacts they watch, so
a push finds its few sockets without a scan of all of them."""

from __future__ import annotations

from collections.abc import Iterator

from api.ws.connection import Connection


class LocalSockets:
    """Changed on the API's event loop only (accept, auth, close)."""

    def __init__(self) -> None:
        self._all: set[Connection] = set()
        self._indexed: dict[Connection, tuple[str, frozenset[str]]] = {}
        self._by_user: dict[str, set[Connection]] = {}
        self._by_contact: dict[str, set[Connection]] = {}

    def add(self, connection: Connection) -> None:
        self._all.add(connection)

    def index(self, connection: Connection) -> None:
        """After auth: the socket hears its user's pushes and its contacts' changes."""
        if connection.user_id is None or connection in self._indexed:
            return
        contacts = frozenset(connection.contacts)
        self._indexed[connection] = (connection.user_id, contacts)
        self._by_user.setdefault(connection.user_id, set()).add(connection)
        for contact in contacts:
            self._by_contact.setdefault(contact, set()).add(connection)

    def discard(self, connection: Connection) -> None:
        self._all.discard(connection)
        user_id, contacts = self._indexed.pop(connection, (None, frozenset()))
        if user_id is not None:
            _remove(self._by_user, user_id, connection)
        for contact in contacts:
            _remove(self._by_contact, contact, connection)

    def of_user(self, user_id: str) -> list[Connection]:
        return list(self._by_user.get(user_id, ()))

    def watching(self, user_id: str) -> list[Connection]:
        """Sockets whose address book holds `user_id`."""
        return list(self._by_contact.get(user_id, ()))

    def __iter__(self) -> Iterator[Connection]:
        return iter(list(self._all))

    def __len__(self) -> int:
        return len(self._all)

    def __contains__(self, connection: object) -> bool:
        return connection in self._all


async def send_all(connections: list[Connection], frame: str) -> int:
    """Write one already serialized frame to each socket; how many took it.

    One after the other: uvicorn's websocket send only buffers the frame (it never
    waits for the peer), so a task per socket or `gather` adds its own cost and saves
    no waiting (measured in docs/perf.md)."""
    sent = 0
    for connection in connections:
        try:
            await connection.socket.send_text(frame)
            sent += 1
        except Exception:  # the socket is closing; its own handler records its end
            pass
    return sent


def _remove(index: dict[str, set[Connection]], key: str, connection: Connection) -> None:
    members = index.get(key)
    if members is not None:
        members.discard(connection)
        if not members:
            del index[key]
