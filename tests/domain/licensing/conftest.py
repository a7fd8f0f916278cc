"""Licensing on eventsourcing's in-memory recorder: time from an injected clock, the
user directory (groups and their members in allocation order) a plain dict, and the
sessions' side (`participations`, and the eviction a lost licence causes) recorded by
the test."""

from __future__ import annotations

from typing import Any

import pytest

from domain.licensing.licensing_service import Licences, LicensingService, ProLicenceLost
from domain.licensing.pool import LicencePool
from domain.shared.application import QuorumStore
from domain.shared.bus import MessageBus
from tests.domain.clock import Clock


class Directory:
    """Groups -> their members in allocation order (display name inside a group)."""

    def __init__(self) -> None:
        self.groups: dict[str, list[str]] = {}

    def members_in_order(self, groups: list[str]) -> list[str]:
        return [user for group in groups for user in self.groups.get(group, [])]

    def group_exists(self, group_id: str) -> bool:
        return group_id in self.groups


class Sessions:
    """What the sessions service does for licensing: who is in which running
    conference, and removing a user from all of them (releasing the participations)."""

    def __init__(self, store: QuorumStore) -> None:
        self.store = store
        self.licensing = Licences(store)
        self.present: dict[str, str] = {}
        """Participant ID -> user ID of everyone in a running group conference."""
        self.evicted: list[tuple[str, str]] = []

    def join(self, user_id: str, participant_id: str, session_id: str = "s1") -> str | None:
        """A user joins a group conference: the refusal, or None (and present)."""
        refusal = join(self.licensing, user_id, participant_id, session_id=session_id)
        if refusal is None:
            self.present[participant_id] = user_id
        return refusal

    def leave(self, participant_id: str) -> None:
        leave(self.licensing, self.present.pop(participant_id), participant_id)

    def participations(self, user_id: str) -> list[str]:
        return [p for p, u in self.present.items() if u == user_id]

    def evict(self, lost: ProLicenceLost) -> list[object]:
        self.evicted.append((lost.user_id, lost.cause))
        for participant_id in self.participations(lost.user_id):
            leave(self.licensing, lost.user_id, participant_id)
            del self.present[participant_id]
        return []

    def licensing_service(self, directory: Directory) -> LicensingService:
        """Licensing as the composition root builds it, reacting through this side."""
        return LicensingService(
            self.store,
            directory.members_in_order,
            directory.group_exists,
            participations=self.participations,
            publish=MessageBus({ProLicenceLost: [self.evict]}).handle,
        )


def licence(**overrides: Any) -> dict[str, Any]:
    """An annual licence (permanent groups allowed), no expiry."""
    return {
        "edition": "annual",
        "online": 50,
        "pro": 10,
        "guest": 5,
        "gateway": 5,
        "extensions": [],
        "expires_at": None,
        **overrides,
    }


def login(licensing: LicensingService, endpoint_id: str, user_id: str) -> None:
    """An endpoint authorises (what the endpoints service does, §5.1)."""
    pool = licensing.pool()
    licensing.take_online(pool, endpoint_id, user_id)
    licensing.store.save(pool)


def logout(licensing: LicensingService, endpoint_id: str) -> None:
    pool = licensing.pool()
    pool.release("online", endpoint_id)
    licensing.store.save(pool)


def join(
    licensing: Licences,
    user_id: str,
    participant_id: str,
    kind: str = "user",
    session_id: str = "s1",
    account: str | None = None,
) -> str | None:
    """A participant joins a running conference (what the sessions service does): the
    refusal, if any; a refused pool is saved too (its refusal is an event)."""
    pool = licensing.pool()
    refusal = licensing.take_for_participant(
        pool, kind, user_id, participant_id, session_id, account
    )
    licensing.store.save(pool)
    return refusal


def leave(licensing: Licences, user_id: str, participant_id: str) -> None:
    pool = licensing.pool()
    licensing.release_participant(pool, user_id, participant_id)
    licensing.store.save(pool)


def counts(licensing: LicensingService, pool: str) -> tuple[int, int, int]:
    """(total, used, available) of a pool, as License info shows them."""
    shown = licensing.summary()[pool]
    return shown["total"], shown["used"], shown["available"]


def events_of(store: QuorumStore, kind: type[Any]) -> list[Any]:
    return [e for e in store.events.get(LicencePool.create_id()) if isinstance(e, kind)]


@pytest.fixture
def directory() -> Directory:
    return Directory()


@pytest.fixture
def sessions(store: QuorumStore) -> Sessions:
    return Sessions(store)


@pytest.fixture
def licensing(
    store: QuorumStore, clock: Clock, directory: Directory, sessions: Sessions
) -> LicensingService:
    service = sessions.licensing_service(directory)
    service.load(licence())
    return service
