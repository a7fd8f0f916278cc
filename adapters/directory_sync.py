"""Periodic synchronisation with the LDAP directory (guide §13.8: users and groups are
kept in step automatically). Runs in `quorum serve`; does nothing in Registry mode."""

from __future__ import annotations

from collections.abc import Callable

from adapters.periodic import PeriodicJob
from domain.identity.storage_service import UserStorageService
from domain.shared.actor import SYSTEM, acting_as


class DirectorySyncer(PeriodicJob):
    name = "directory-sync"

    def __init__(self, storage: UserStorageService, interval_seconds: Callable[[], float]) -> None:
        super().__init__()
        self.storage = storage
        self._interval = interval_seconds

    def interval_seconds(self) -> float:
        return self._interval()

    def tick(self) -> None:
        if self.storage.mode() == "ldap":
            with acting_as(SYSTEM):
                self.storage.sync()
