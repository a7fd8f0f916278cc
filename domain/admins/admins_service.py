"""Use cases on administrator accounts: add, log in and out, preferences, remove."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from domain.admins.model import AdminAccount, check_name, check_role
from domain.settings import rules
from domain.shared.application import QuorumStore, with_retries
from domain.shared.clock import now
from domain.shared.errors import AlreadyExists, NotFound, Unauthorized, invalid
from domain.shared.passwords import PasswordHasher
from domain.shared.validation import Patch, validate_patch

ADMIN_SESSION = timedelta(hours=12)
MIN_ADMIN_PASSWORD = 8

PREFERENCE_RULES = {
    "language": lambda v: _language(v),
    "timezone": lambda v: None if v is None else rules.timezone(v),
    "csv_encoding": lambda v: None if v is None else rules.encoding(v),
    "csv_delimiter": lambda v: None if v is None else rules.delimiter(v),
}


def _language(value: Any) -> str:
    if not isinstance(value, str) or not 2 <= len(value) <= 16:
        raise ValueError("must be a language code such as en or de")
    return value


@dataclass(frozen=True)
class AdminSignIn:
    account: AdminAccount
    session_id: str
    expires_at: datetime


class AdminService:
    def __init__(self, store: QuorumStore, hasher: PasswordHasher) -> None:
        self.store = store
        self.hasher = hasher

    def add(self, name: str, role: str, password: str) -> AdminAccount:
        check_name(name)
        check_role(role)
        if len(password) < MIN_ADMIN_PASSWORD:
            raise invalid("password", f"must have at least {MIN_ADMIN_PASSWORD} characters")
        password_hash = self.hasher.hash(password)
        account = self._find(name)
        if account is not None and not account.removed:
            raise AlreadyExists(f"an administrator named {name!r} exists")
        if account is None:
            account = AdminAccount(name=name, role=role, password_hash=password_hash)
        else:
            account.restore(role=role, password_hash=password_hash)
        try:
            self.store.save(account)
        except IntegrityError:
            raise AlreadyExists(f"an administrator named {name!r} exists") from None
        return account

    def get(self, name: str) -> AdminAccount:
        account = self._find(name)
        if account is None or account.removed:
            raise NotFound(f"no administrator named {name!r}")
        return account

    def log_in(self, name: str, password: str) -> AdminSignIn:
        account = self._find(name) if isinstance(name, str) else None
        if account is None or account.removed:
            raise Unauthorized("wrong login or password")
        if not self.hasher.verify(account.password_hash, password):

            def record_failure() -> None:
                fresh = self.get(name)
                fresh.login_failed(reason="wrong_password")
                self.store.save(fresh)

            with_retries(record_failure)
            raise Unauthorized("wrong login or password")
        session_id = secrets.token_hex(16)
        at = now()
        expires_at = at + ADMIN_SESSION

        def record_login() -> AdminAccount:
            fresh = self.get(name)
            fresh.log_in(session_id, expires_at, method="password", at=at)
            self.store.save(fresh)
            return fresh

        return AdminSignIn(with_retries(record_login), session_id, expires_at)

    def log_out(self, name: str, session_id: str) -> None:
        def attempt() -> None:
            account = self.get(name)
            if session_id in account.sessions:
                account.logged_out(session_id=session_id)
                self.store.save(account)

        with_retries(attempt)

    def authenticate(self, name: str, session_id: str) -> AdminAccount:
        """The account behind a token's session, if that session is still open."""
        account = self._find(name)
        if account is None or not account.has_session(session_id, now()):
            raise Unauthorized("the session has ended; log in again")
        return account

    def change_preferences(self, name: str, patch: Patch) -> AdminAccount:
        values = _validated_preferences(patch)

        def attempt() -> AdminAccount:
            account = self.get(name)
            if account.change_preferences(values):
                self.store.save(account)
            return account

        return with_retries(attempt)

    def remove(self, name: str) -> None:
        def attempt() -> None:
            account = self.get(name)
            account.remove()
            self.store.save(account)

        with_retries(attempt)

    def _find(self, name: str) -> AdminAccount | None:
        try:
            account: AdminAccount = self.store.repository.get(AdminAccount.create_id(name))
        except AggregateNotFoundError:
            return None
        return account


def _validated_preferences(patch: Patch) -> dict[str, Any]:
    return validate_patch(patch, PREFERENCE_RULES, "unknown preference")
