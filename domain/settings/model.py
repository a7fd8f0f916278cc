"""Server settings (guide §8.4, §9.1.3, §12.2): one aggregate, audited per parameter."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.settings.rules import SECTIONS, Section
from domain.shared.audited import AuditedAggregate
from domain.shared.changes import Change, changes_between
from domain.shared.errors import FieldProblem, InvalidInput
from domain.shared.validation import Patch, validate_patch

KEY_NAMES = ("api_secret", "user_auth_key", "guest_auth_key")


def key_id(secret: str) -> str:
    """A short public fingerprint of a secret, safe to show and to put in events."""
    return hashlib.sha256(b"quorum-key-id:" + secret.encode()).hexdigest()[:12]


def secret_digest(secret: str) -> str:
    """What is kept of a random 256-bit secret: enough to check it, never to recover it."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass
class ServerSettings(AuditedAggregate):
    sections: dict[str, dict[str, Any]]
    """Section name -> its values: `main` (time zone, CSV export, token lifetime,
    client-version policy, §8.4, §9.1.3), `security` (admin access, §12.2),
    `password-policy` (§13.10.1), `lockout` (§13.10.2), `auth-zones` (§13.5)."""
    keys: dict[str, str] = field(default_factory=dict, init=False)
    """Key name -> key ID (public fingerprint) of each server secret (§9.1.3, §12.2)."""
    api_secret_digest: str | None = field(default=None, init=False)
    """SHA-256 of the API secret key, to check it without storing it (§12.2)."""

    class Created(AuditedAggregate.Created, AuditedAggregate.Event):
        sections: dict[str, dict[str, Any]]

    class Edited(AuditedAggregate.Event):
        section: str
        changes: list[Change]

    class KeyRegenerated(AuditedAggregate.Event):
        name: str
        key_id: str
        previous_key_id: str | None
        digest: str | None

    @staticmethod
    def create_id() -> UUID:
        return uuid5(NAMESPACE_URL, "/quorum/settings/server")

    @classmethod
    def with_defaults(cls) -> ServerSettings:
        return cls(sections={name: dict(s.defaults) for name, s in SECTIONS.items()})

    def section(self, name: str) -> dict[str, Any]:
        """A section's values; defaults for any added after these settings were made."""
        return {**SECTIONS[name].defaults, **self.sections.get(name, {})}

    @property
    def main(self) -> dict[str, Any]:
        return self.section("main")

    @property
    def security(self) -> dict[str, Any]:
        return self.section("security")

    def edit(self, section_name: str, patch: Patch) -> list[Change]:
        """Apply a partial update; returns the changes (none means no event)."""
        section = SECTIONS[section_name]
        current = self.section(section_name)
        proposed = {**current, **_validated(section, patch)}
        others = {name: self.section(name) for name in SECTIONS}
        problem = section.cross_check(proposed, others)
        if problem:
            raise InvalidInput.of([FieldProblem(problem[0], "invalid", problem[1])])
        changes = changes_between(current, proposed)
        if changes:
            self._edited(section=section_name, changes=changes)
        return changes

    @event(Edited)
    def _edited(self, section: str, changes: list[Change]) -> None:
        values = self.section(section)
        for change in changes:
            values[change["parameter"]] = change["new"]
        self.sections[section] = values

    def regenerate_key(self, name: str, new_secret: str) -> Change:
        """Replace a server secret; the event carries only fingerprints."""
        new_id = key_id(new_secret)
        previous_id = self.keys.get(name)
        digest = secret_digest(new_secret) if name == "api_secret" else None
        self._key_regenerated(name=name, key_id=new_id, previous_key_id=previous_id, digest=digest)
        return {"parameter": name, "previous": previous_id, "new": new_id}

    @event(KeyRegenerated)
    def _key_regenerated(
        self, name: str, key_id: str, previous_key_id: str | None, digest: str | None
    ) -> None:
        self.keys[name] = key_id
        if name == "api_secret":
            self.api_secret_digest = digest

    def accepts_api_secret(self, presented: str) -> bool:
        return self.api_secret_digest is not None and hmac.compare_digest(
            self.api_secret_digest, secret_digest(presented)
        )


def _validated(section: Section, patch: Patch) -> dict[str, Any]:
    return validate_patch(patch, section.rules, f"unknown setting in section {section.name!r}")
