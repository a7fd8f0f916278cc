"""User storage modes (guide §13.6 to §13.9): Registry or an LDAP directory.

Registry and LDAP accounts live apart (`User.create_id(..., source)`), so switching
keeps the Registry's accounts unused until switching back (§13.7). In LDAP mode the
directory is the source of truth: accounts and the memberships of imported groups
are synchronised from it on switching, on demand and periodically.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.shared.audited import AuditedAggregate


def directory_group_id(dn: str) -> str:
    """Imported groups get an ID derived from their DN, so an import is idempotent."""
    return "ldap-" + hashlib.sha256(dn.encode()).hexdigest()[:12]


@dataclass
class DirectoryLink(AuditedAggregate):
    """The server's link to its directory: connection state and the synced accounts."""

    url: str
    connected: bool = field(default=False, init=False)
    logins: list[str] = field(default_factory=list, init=False)
    """The accounts the last sync saw in the directory."""

    class Created(AuditedAggregate.Created, AuditedAggregate.Event):
        url: str

    class Connected(AuditedAggregate.Event):
        url: str

    class Disconnected(AuditedAggregate.Event):
        url: str
        error: str

    class Synced(AuditedAggregate.Event):
        created: list[str]
        updated: list[str]
        deactivated: list[str]
        logins: list[str]

    @staticmethod
    def create_id() -> UUID:
        return uuid5(NAMESPACE_URL, "/quorum/directory-link")

    @event(Connected)
    def connect(self, url: str) -> None:
        self.url, self.connected = url, True

    @event(Disconnected)
    def disconnect(self, url: str, error: str) -> None:
        self.url, self.connected = url, False

    @event(Synced)
    def synced(
        self, created: list[str], updated: list[str], deactivated: list[str], logins: list[str]
    ) -> None:
        self.logins = list(logins)
