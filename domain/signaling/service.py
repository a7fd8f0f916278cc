"""Use cases of the signaling gateway: endpoints come and go, presence follows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
    def __init__(self, store: QuorumStore) -> None:
        self.store = store

    def connect(
        self, user_id: str, ip: str | None, gateway: str, info: dict[str, Any]
    ) -> tuple[Endpoint, StatusChange | None]:
        endpoint = Endpoint(
            endpoint_id=new_endpoint_id(),
            user_id=user_id,
            ip=ip,
            gateway=gateway,
            info=check_info(info),
        )
        self.store.save(endpoint)
        change = self._presence(user_id, lambda p: p.connect(endpoint.endpoint_id))
        return endpoint, change

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
            self.store.save(endpoint)
            return endpoint

        ended = with_retries(attempt)
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
