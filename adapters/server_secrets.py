"""The server's secrets (API secret, connection keys, the LDAP bind password): the
secret in the data dir's keystore, its fingerprint in the settings' events."""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import IntegrityError

from adapters.keystore import KeyStore, new_secret
from domain.settings.model import KEY_NAMES, ServerSettings, key_id
from domain.settings.settings_service import SettingsService
from domain.shared.actor import SYSTEM, acting_as


class ServerSecrets:
    def __init__(self, settings: SettingsService, keystore: KeyStore) -> None:
        self.settings = settings
        self.keystore = keystore

    def ensure(self) -> ServerSettings:
        """Create the settings and generate each missing server secret (first start)."""
        with acting_as(SYSTEM):
            settings = self.settings.get()
            for name in KEY_NAMES:
                secret = self.keystore.read(name)
                if secret is not None and settings.keys.get(name) == key_id(secret):
                    continue
                secret = new_secret()
                try:
                    self.settings.regenerate_key(name, secret)
                except IntegrityError:
                    continue  # another process did it at the same moment
                self.keystore.write(name, secret)
            return self.settings.get()

    def regenerate(self, name: str) -> tuple[str, dict[str, Any]]:
        """A new secret for `name`: the secret and the settings' change."""
        secret = new_secret()
        return secret, self.set(name, secret)

    def set(self, name: str, secret: str) -> dict[str, Any]:
        """Keep `secret` in the data dir; the event records only its fingerprint."""
        change = self.settings.regenerate_key(name, secret)
        self.keystore.write(name, secret)
        return change
