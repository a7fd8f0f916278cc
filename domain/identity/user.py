"""A server user's account (guide §13.2): profile, password, groups, state, sessions,
lockout and personal address book. Its ID derives from the user ID, so the event
store refuses a second account with the same ID."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.identity.lockout import FailureCount
from domain.shared.audited import AuditedAggregate
from domain.shared.changes import Change, changes_between

PROFILE_FIELDS = (
    "email",
    "display_name",
    "first_name",
    "last_name",
    "company",
    "mobile_phone",
    "work_phone",
    "home_phone",
    "sip_number",
)


@dataclass
class User(AuditedAggregate):
    user_id: str
    """The TrueConf ID before '@': fixed at creation (§13.2 item 3)."""
    profile: dict[str, Any]
    """E-mail, names, company, phones, SIP number (§13.2)."""
    password_hash: str | None
    """argon2; None for accounts without a local password (LDAP imports)."""
    group_ids: list[str]
    """Groups the user was put in; none means '@no_group'."""
    is_active: bool
    source: str
    """'registry' or 'ldap'."""
    app_settings: dict[str, Any] = field(default_factory=dict, init=False)
    """The user's own bandwidth limits (§13.2.3)."""
    address_book: list[dict[str, str]] = field(default_factory=list, init=False)
    """Personal entries {id, call_string, display_name}, removable by the user."""
    failures: int = field(default=0, init=False)
    last_failure_at: datetime | None = field(default=None, init=False)
    locked_until: datetime | None = field(default=None, init=False)
    sessions: dict[str, str] = field(default_factory=dict, init=False)
    """Open sign-ins: session ID -> when its refresh token expires (ISO 8601)."""
    deleted: bool = field(default=False, init=False)

    class Created(AuditedAggregate.Created, AuditedAggregate.Event):
        user_id: str
        profile: dict[str, Any]
        password_hash: str | None
        group_ids: list[str]
        is_active: bool
        source: str

    class Recreated(AuditedAggregate.Event):
        profile: dict[str, Any]
        password_hash: str | None
        group_ids: list[str]
        is_active: bool
        source: str

    class ProfileChanged(AuditedAggregate.Event):
        changes: list[Change]

    class PasswordChanged(AuditedAggregate.Event):
        password_hash: str
        by: str
        """'admin' or 'user' (§13.10.1 checks both)."""

    class GroupsChanged(AuditedAggregate.Event):
        previous: list[str]
        new: list[str]

    class Activated(AuditedAggregate.Event):
        pass

    class Deactivated(AuditedAggregate.Event):
        pass

    class AppSettingsChanged(AuditedAggregate.Event):
        changes: list[Change]

    class AddressBookEntryAdded(AuditedAggregate.Event):
        entry: dict[str, str]

    class AddressBookEntryRemoved(AuditedAggregate.Event):
        entry_id: str

    class LoggedIn(AuditedAggregate.Event):
        session_id: str
        expires_at: str
        method: str
        zone: str
        rights: str
        """The effective rights as a bit string (RIGHTS order)."""
        expired_sessions: list[str]

    class LoginFailed(AuditedAggregate.Event):
        entered_login: str
        reason: str
        """'wrong_password', 'locked', 'inactive' or 'zone'."""
        method: str
        failures: int
        """The lockout counter after this attempt."""
        last_failure_at: datetime | None

    class Locked(AuditedAggregate.Event):
        until: datetime
        failures: int

    class Unlocked(AuditedAggregate.Event):
        by: str
        """'admin' or 'timeout'."""
        at: datetime

    class LoggedOut(AuditedAggregate.Event):
        session_id: str

    class Disconnected(AuditedAggregate.Event):
        session_ids: list[str]

    class Deleted(AuditedAggregate.Event):
        pass

    @staticmethod
    def create_id(user_id: str, source: str = "registry") -> UUID:
        """Registry and LDAP accounts are separate: switching modes keeps each (§13.7)."""
        prefix = "/quorum/users" if source == "registry" else f"/quorum/users/{source}"
        return uuid5(NAMESPACE_URL, f"{prefix}/{user_id.lower()}")

    @property
    def failure_count(self) -> FailureCount:
        return FailureCount(self.failures, self.last_failure_at)

    @event(Recreated)
    def recreate(
        self,
        profile: dict[str, Any],
        password_hash: str | None,
        group_ids: list[str],
        is_active: bool,
        source: str,
    ) -> None:
        self.profile, self.password_hash, self.group_ids = profile, password_hash, group_ids
        self.is_active, self.source = is_active, source
        self.app_settings, self.address_book, self.sessions = {}, [], {}
        self.failures, self.last_failure_at, self.locked_until = 0, None, None
        self.deleted = False

    def edit_profile(self, values: dict[str, Any]) -> list[Change]:
        changes = changes_between(self.profile, values)
        if changes:
            self._profile_changed(changes=changes)
        return changes

    @event(ProfileChanged)
    def _profile_changed(self, changes: list[Change]) -> None:
        for change in changes:
            self.profile[change["parameter"]] = change["new"]

    @event(PasswordChanged)
    def change_password(self, password_hash: str, by: str) -> None:
        self.password_hash = password_hash

    def set_groups(self, group_ids: list[str]) -> bool:
        if sorted(group_ids) == sorted(self.group_ids):
            return False
        self._groups_changed(previous=list(self.group_ids), new=list(group_ids))
        return True

    @event(GroupsChanged)
    def _groups_changed(self, previous: list[str], new: list[str]) -> None:
        self.group_ids = list(new)

    def set_active(self, active: bool) -> bool:
        if active == self.is_active:
            return False
        if active:
            self._activated()
        else:
            self._deactivated()
        return True

    @event(Activated)
    def _activated(self) -> None:
        self.is_active = True

    @event(Deactivated)
    def _deactivated(self) -> None:
        self.is_active = False
        self.sessions = {}

    def change_app_settings(self, values: dict[str, Any]) -> list[Change]:
        changes = changes_between(self.app_settings, values)
        if changes:
            self._app_settings_changed(changes=changes)
        return changes

    @event(AppSettingsChanged)
    def _app_settings_changed(self, changes: list[Change]) -> None:
        for change in changes:
            self.app_settings[change["parameter"]] = change["new"]

    @event(AddressBookEntryAdded)
    def add_contact(self, entry: dict[str, str]) -> None:
        self.address_book.append(dict(entry))

    @event(AddressBookEntryRemoved)
    def remove_contact(self, entry_id: str) -> None:
        self.address_book = [e for e in self.address_book if e["id"] != entry_id]

    # -- signing in (§13.10.2 lockout, §16.1 login/logout) ----------------------------

    def is_locked(self, at: datetime) -> bool:
        return self.locked_until is not None and at < self.locked_until

    def log_in(
        self,
        session_id: str,
        expires_at: datetime,
        method: str,
        zone: str,
        rights: str,
        at: datetime,
    ) -> None:
        expired = [sid for sid, expiry in self.sessions.items() if expiry <= at.isoformat()]
        self._logged_in(
            session_id=session_id,
            expires_at=expires_at.isoformat(),
            method=method,
            zone=zone,
            rights=rights,
            expired_sessions=expired,
        )

    @event(LoggedIn)
    def _logged_in(
        self,
        session_id: str,
        expires_at: str,
        method: str,
        zone: str,
        rights: str,
        expired_sessions: list[str],
    ) -> None:
        for sid in expired_sessions:
            self.sessions.pop(sid, None)
        self.sessions[session_id] = expires_at
        self.failures, self.last_failure_at = 0, None

    def record_failure(
        self, entered_login: str, reason: str, method: str, count: FailureCount
    ) -> None:
        self._login_failed(
            entered_login=entered_login,
            reason=reason,
            method=method,
            failures=count.count,
            last_failure_at=count.last_failure_at,
        )

    @event(LoginFailed)
    def _login_failed(
        self,
        entered_login: str,
        reason: str,
        method: str,
        failures: int,
        last_failure_at: datetime | None,
    ) -> None:
        self.failures, self.last_failure_at = failures, last_failure_at

    @event(Locked)
    def lock(self, until: datetime, failures: int) -> None:
        self.locked_until = until
        self.sessions = {}

    @event(Unlocked)
    def unlock(self, by: str, at: datetime) -> None:
        self.locked_until = None
        self.failures, self.last_failure_at = 0, None

    @event(LoggedOut)
    def log_out(self, session_id: str) -> None:
        self.sessions.pop(session_id, None)

    def disconnect(self) -> list[str]:
        ended = sorted(self.sessions)
        if ended:
            self._disconnected(session_ids=ended)
        return ended

    @event(Disconnected)
    def _disconnected(self, session_ids: list[str]) -> None:
        for sid in session_ids:
            self.sessions.pop(sid, None)

    def has_session(self, session_id: str, at: datetime) -> bool:
        expiry = self.sessions.get(session_id)
        return (
            not self.deleted and self.is_active and expiry is not None and expiry > at.isoformat()
        )

    @event(Deleted)
    def delete(self) -> None:
        self.deleted = True
        self.sessions = {}
