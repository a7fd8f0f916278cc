"""Use cases of the signaling gateway: endpoints come and go, presence follows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.licensing.licensing_service import HOT_ATTEMPTS, Licences
from domain.licensing.terms import ONLINE
from domain.shared.application import QuorumStore, find, with_retries
from domain.shared.errors import NotFound
from domain.signaling.endpoint import Endpoint, check_info, new_endpoint_id
from domain.signaling.presence import Presence


@dataclass(frozen=True)
class StatusChange:
    user_id: str
    previous: int
    new: int


class EndpointsService:
    def __init__(self, store: QuorumStore, licensing: Licences) -> None:
        self.store = store
        self.licensing = licensing

    def connect(
        self,
        user_id: str,
        ip: str | None,
        gateway: str,
        info: dict[str, Any],
        guest: bool = False,
        endpoint_id: str | None = None,
    ) -> tuple[Endpoint, StatusChange | None]:
        """A user's endpoint takes an online licence with its connection, in the same
        atomic save (§5.1); a guest's takes none (§5.4)."""
        checked = check_info(info)
        endpoint_id = endpoint_id or new_endpoint_id()

        def attempt() -> Endpoint:
            endpoint = Endpoint(
                endpoint_id=endpoint_id, user_id=user_id, ip=ip, gateway=gateway, info=checked
            )
            if guest:
                self.store.save(endpoint)
                return endpoint
            pool = self.licensing.pool()
            self.licensing.take_online(pool, endpoint_id, user_id)
            self.store.save(endpoint, pool)
            return endpoint

        endpoint = with_retries(attempt, attempts=HOT_ATTEMPTS)
        change = self._presence(user_id, lambda p: p.connect(endpoint.endpoint_id))
        return endpoint, change

    def set_sleeping(self, endpoint_id: str, sleeping: bool) -> Endpoint:
        """A client put to sleep by its OS holds no online licence (§5.1); waking up
        takes one again, or is refused when none is free (the socket stays asleep)."""

        def attempt() -> Endpoint:
            endpoint = self.get(endpoint_id)
            if endpoint.sleeping == sleeping or not endpoint.connected:
                return endpoint
            pool = self.licensing.pool()
            if sleeping:
                pool.release(ONLINE, endpoint_id)
            else:
                self.licensing.take_online(pool, endpoint_id, endpoint.user_id)
            endpoint.set_sleeping(sleeping)
            self.store.save(endpoint, pool)
            return endpoint

        return with_retries(attempt, attempts=HOT_ATTEMPTS)

    def update_info(self, endpoint_id: str, values: Any) -> Endpoint:
        checked = check_info(values)

        def attempt() -> Endpoint:
            endpoint = self.get(endpoint_id)
            if endpoint.update_info(checked):
                self.store.save(endpoint)
            return endpoint

        return with_retries(attempt)

    def disconnect(self, endpoint_id: str, cause: str) -> StatusChange | None:
        def attempt() -> Endpoint | None:
            endpoint = self.get(endpoint_id)
            if not endpoint.disconnect(cause):
                return None
            pool = self.licensing.pool()
            pool.release(ONLINE, endpoint_id)  # the licence goes with the connection
            self.store.save(endpoint, pool)
            return endpoint

        ended = with_retries(attempt, attempts=HOT_ATTEMPTS)
        if ended is None:
            return None
        return self._presence(ended.user_id, lambda p: p.disconnect(endpoint_id))

    def get(self, endpoint_id: str) -> Endpoint:
        endpoint = find(self.store, Endpoint.create_id(endpoint_id), Endpoint)
        if endpoint is None:
            raise NotFound(f"no endpoint {endpoint_id}")
        return endpoint

    def status(self, user_id: str) -> int:
        presence = find(self.store, Presence.create_id(user_id), Presence)
        return presence.status if presence else 0

    def set_in_call(self, user_id: str, call_id: str, active: bool) -> StatusChange | None:
        """Busy (2) while in a call (§13.1)."""
        return self._presence(user_id, lambda p: p.in_call(call_id, active))

    def set_in_conference(
        self, user_id: str, session_id: str, active: bool, as_owner: bool = False
    ) -> StatusChange | None:
        """Busy (2) in a conference, 5 as its owner (§13.1)."""
        return self._presence(user_id, lambda p: p.in_conference(session_id, active, as_owner))

    def conferences_of(self, user_id: str) -> list[str]:
        """The sessions the user is in (session IDs)."""
        presence = find(self.store, Presence.create_id(user_id), Presence)
        return list(presence.conferences) if presence else []

    def active_calls(self, user_id: str) -> list[str]:
        presence = find(self.store, Presence.create_id(user_id), Presence)
        return list(presence.calls) if presence else []

    def _presence(self, user_id: str, change: Any) -> StatusChange | None:
        def attempt() -> StatusChange | None:
            presence = find(self.store, Presence.create_id(user_id), Presence)
            if presence is None:
                presence = Presence(user_id=user_id)
            previous = presence.status
            changed = change(presence)
            self.store.save(presence)
            return StatusChange(user_id, previous, presence.status) if changed else None

        return with_retries(attempt)
