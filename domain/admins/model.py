"""Administrator accounts (guide §18): server admins and read-only security admins.

Admins are not server users. An account's ID derives from its name, so the event
store itself refuses a second account of the same name (JetStream's per-subject
check), across processes, without any database constraint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.shared.audited import AuditedAggregate
from domain.shared.changes import changes_between
from domain.shared.errors import invalid

ROLES = ("admin", "security")
ADMIN_TYPE = {"admin": "sysadmin", "security": "security"}
"""The guide's 'Administrator type' names (FEATURES appendix 1)."""

_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")

DEFAULT_PREFERENCES: dict[str, Any] = {
    "language": "en",
    "timezone": None,  # None: the server's time zone (settings/main)
    "csv_encoding": None,  # None: the server's CSV settings
    "csv_delimiter": None,
}


def check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise invalid(
            "login", "use 1 to 64 Latin letters, digits, '_', '-' or '.'", reason="invalid"
        )
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise invalid("role", f"must be one of {', '.join(ROLES)}")
    return role


@dataclass
class AdminAccount(AuditedAggregate):
    name: str
    """Login name, unique, fixed at creation."""
    role: str
    """'admin' (everything) or 'security' (read-only: reports, status, access settings)."""
    password_hash: str
    """argon2 hash; the password itself is never stored or put in an event."""
    preferences: dict[str, Any] = field(
        default_factory=lambda: dict(DEFAULT_PREFERENCES), init=False
    )
    """The admin's own language, time zone and CSV export settings (§8.4, §18.6)."""
    sessions: dict[str, str] = field(default_factory=dict, init=False)
    """Open sessions: session ID -> expiry (ISO 8601). Logging out closes one."""
    removed: bool = field(default=False, init=False)

    class Created(AuditedAggregate.Created, AuditedAggregate.Event):
        name: str
        role: str
        password_hash: str

    class Restored(AuditedAggregate.Event):
        role: str
        password_hash: str

    class PasswordChanged(AuditedAggregate.Event):
        password_hash: str

    class LoggedIn(AuditedAggregate.Event):
        session_id: str
        expires_at: str
        method: str
        expired_sessions: list[str]

    class LoginFailed(AuditedAggregate.Event):
        reason: str

    class LoggedOut(AuditedAggregate.Event):
        session_id: str

    class PreferencesChanged(AuditedAggregate.Event):
        changes: list[dict[str, Any]]

    class Removed(AuditedAggregate.Event):
        pass

    @staticmethod
    def create_id(name: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/quorum/admins/{name}")

    @property
    def admin_type(self) -> str:
        return ADMIN_TYPE[self.role]

    @event(Restored)
    def restore(self, role: str, password_hash: str) -> None:
        """A removed account's name is taken again."""
        self.role = role
        self.password_hash = password_hash
        self.preferences = dict(DEFAULT_PREFERENCES)
        self.sessions = {}
        self.removed = False

    @event(PasswordChanged)
    def change_password(self, password_hash: str) -> None:
        self.password_hash = password_hash
        self.sessions = {}

    def log_in(self, session_id: str, expires_at: datetime, method: str, at: datetime) -> None:
        expired = [sid for sid, expiry in self.sessions.items() if expiry <= at.isoformat()]
        self._logged_in(
            session_id=session_id,
            expires_at=expires_at.isoformat(),
            method=method,
            expired_sessions=expired,
        )

    @event(LoggedIn)
    def _logged_in(
        self, session_id: str, expires_at: str, method: str, expired_sessions: list[str]
    ) -> None:
        for sid in expired_sessions:
            self.sessions.pop(sid, None)
        self.sessions[session_id] = expires_at

    @event(LoginFailed)
    def login_failed(self, reason: str) -> None:
        pass

    @event(LoggedOut)
    def logged_out(self, session_id: str) -> None:
        self.sessions.pop(session_id, None)

    def has_session(self, session_id: str, at: datetime) -> bool:
        expiry = self.sessions.get(session_id)
        return not self.removed and expiry is not None and expiry > at.isoformat()

    def change_preferences(self, values: dict[str, Any]) -> list[dict[str, Any]]:
        changes = changes_between(self.preferences, values)
        if changes:
            self._preferences_changed(changes=changes)
        return changes

    @event(PreferencesChanged)
    def _preferences_changed(self, changes: list[dict[str, Any]]) -> None:
        for change in changes:
            self.preferences[change["parameter"]] = change["new"]

    @event(Removed)
    def remove(self) -> None:
        self.removed = True
        self.sessions = {}
