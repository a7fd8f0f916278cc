"""Use cases on the server settings: read, edit a section, regenerate a secret."""

from __future__ import annotations

from typing import Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from domain.settings.model import ServerSettings
from domain.settings.rules import SECTIONS
from domain.shared.application import QuorumStore, with_retries
from domain.shared.errors import Conflict, NotFound
from domain.shared.validation import Patch


class SettingsService:
    def __init__(self, store: QuorumStore) -> None:
        self.store = store

    def get(self) -> ServerSettings:
        try:
            settings: ServerSettings = self.store.repository.get(ServerSettings.create_id())
            return settings
        except AggregateNotFoundError:
            pass
        settings = ServerSettings.with_defaults()
        try:
            self.store.save(settings)
        except IntegrityError:  # another process created them first
            settings = self.store.repository.get(ServerSettings.create_id())
        return settings

    def user_storage_mode(self) -> str:
        """'registry' or 'ldap': whose accounts are in use (§13.6)."""
        mode: str = self.get().section("user-storage")["mode"]
        return mode

    def edit(
        self, section: str, patch: Patch, expected_version: int | None = None
    ) -> tuple[ServerSettings, list[dict[str, Any]]]:
        if section not in SECTIONS:
            raise NotFound(f"no settings section {section!r}")

        def attempt() -> tuple[ServerSettings, list[dict[str, Any]]]:
            settings = self.get()
            if expected_version is not None and settings.version != expected_version:
                raise Conflict(
                    f"settings are at version {settings.version}, not {expected_version}"
                )
            changes = settings.edit(section, patch)
            if changes:
                self.store.save(settings)
            return settings, changes

        return with_retries(attempt, retry=expected_version is None)

    def regenerate_key(self, name: str, new_secret: str) -> dict[str, Any]:
        def attempt() -> dict[str, Any]:
            settings = self.get()
            change = settings.regenerate_key(name, new_secret)
            self.store.save(settings)
            return change

        return with_retries(attempt)
