"""Users signing in (guide §13.5, §13.10.2, §16.1): zones, lockout, sessions."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.identity.directory_port import DirectorySignInRefused, DirectoryUnavailable
from domain.identity.groups_service import GroupsService
from domain.identity.lockout import LockoutPolicy, count_failure, lock_until
from domain.identity.login_attempts import UnknownLogin
from domain.identity.rights import rights_bits
from domain.identity.storage_service import UserStorageService
from domain.identity.user import User
from domain.identity.users_service import UsersService
from domain.identity.zones import check_sign_in_allowed
from domain.settings.model import ServerSettings
from domain.settings.settings_service import SettingsService
from domain.shared.application import QuorumStore, find, with_retries
from domain.shared.clock import now
from domain.shared.errors import DomainError, FieldProblem, Forbidden, Unauthorized
from domain.shared.passwords import PasswordHasher

REFRESH_VALIDITY = timedelta(days=7)
REFRESHED_ACCESS_VALIDITY = timedelta(hours=24)
"""A refresh_token grant gives 24 h of access and no new refresh token (§15.1)."""
WRONG_CREDENTIALS = "wrong user ID or password"
LOCK_STRIPES = 256


class AccountLocked(DomainError):
    """Refused with reason `locked`, even with the right password."""

    def __init__(self, until: datetime) -> None:
        super().__init__(
            f"the account is locked until {until.isoformat()}",
            [FieldProblem("username", "locked", f"locked until {until.isoformat()}")],
        )
        self.until = until


@dataclass(frozen=True)
class UserSignIn:
    user_id: str
    session_id: str
    access_expires_at: datetime
    refresh_expires_at: datetime | None
    rights: dict[str, bool]


class SignInService:
    def __init__(
        self,
        store: QuorumStore,
        hasher: PasswordHasher,
        settings: SettingsService,
        groups: GroupsService,
        users: UsersService,
        storage: UserStorageService | None = None,
    ) -> None:
        self.store = store
        self.hasher = hasher
        self.settings = settings
        self.groups = groups
        self.users = users
        self.storage = storage
        """LDAP mode's directory and account updates (absent where LDAP is not used)."""
        # Attempts on one account are recorded one at a time in this process, so a
        # burst does not spin on optimistic-concurrency retries (striped: bounded memory).
        self._locks = [threading.Lock() for _ in range(LOCK_STRIPES)]

    def sign_in(
        self, login: str, password: str, ip: str | None, method: str = "login_password"
    ) -> UserSignIn:
        settings = self.settings.get()
        zones = settings.section("auth-zones")["zones"]
        if self.users.source() == "ldap":
            return self._sign_in_with_directory(login, password, ip, method, settings)
        user = self.users.find(login)
        if user is None:
            self._record_unknown(login, method)
            raise Unauthorized(WRONG_CREDENTIALS)
        try:
            zone = check_sign_in_allowed(ip, method, zones)
        except Forbidden:
            self._record_refusal(login, user.user_id, "zone", method)
            raise
        # The expensive check runs outside the per-account lock (argon2 releases the GIL).
        password_ok = user.password_hash is not None and self.hasher.verify(
            user.password_hash, password
        )
        policy = LockoutPolicy.from_settings(settings.section("lockout"))
        with self._account_lock(user.user_id):
            return self._decide(login, user.user_id, password_ok, policy, zone, method)

    def _account_lock(self, user_id: str) -> threading.Lock:
        return self._locks[hash(user_id) % LOCK_STRIPES]

    def _sign_in_with_directory(
        self, login: str, password: str, ip: str | None, method: str, settings: ServerSettings
    ) -> UserSignIn:
        """LDAP mode: the directory checks the password (a bind, §13.8); lockout, zones
        and sessions stay ours (§13.10.2 applies in both modes)."""
        assert self.storage is not None, "LDAP mode needs the user storage service"
        zone = check_sign_in_allowed(ip, method, settings.section("auth-zones")["zones"])
        directory = self.storage.directory()
        password_ok = True
        try:
            account = directory.authenticate(login, password)
        except DirectorySignInRefused as refused:
            if refused.reason == "unknown_login" or self.users.find(login) is None:
                self._record_unknown(login, method)
                raise Unauthorized(WRONG_CREDENTIALS) from None
            password_ok = False
        except DirectoryUnavailable as e:
            self.storage.record_connection(directory.url, error=str(e))
            raise
        else:
            self.storage.record_connection(directory.url)
            self.storage.apply_account(account)
        user = self.users.get(login)
        policy = LockoutPolicy.from_settings(settings.section("lockout"))
        with self._account_lock(user.user_id):
            return self._decide(login, user.user_id, password_ok, policy, zone, method)

    def _decide(
        self,
        login: str,
        user_id: str,
        password_ok: bool,
        policy: LockoutPolicy,
        zone: str,
        method: str,
    ) -> UserSignIn:
        outcome: list[UserSignIn | DomainError] = []

        def attempt() -> None:
            outcome.clear()
            at = now()
            user = self.users.get(user_id)
            if user.locked_until is not None and at >= user.locked_until:
                user.unlock(by="timeout", at=user.locked_until)
            if user.is_locked(at):
                assert user.locked_until is not None
                user.record_failure(login, "locked", method, user.failure_count)
                outcome.append(AccountLocked(user.locked_until))
            elif not user.is_active:
                user.record_failure(login, "inactive", method, user.failure_count)
                outcome.append(Forbidden("the account is deactivated; ask your administrator"))
            elif not password_ok:
                count = count_failure(user.failure_count, at, policy)
                user.record_failure(login, "wrong_password", method, count)
                until = lock_until(count, at, policy)
                if until is not None:
                    user.lock(until=until, failures=count.count)
                outcome.append(Unauthorized(WRONG_CREDENTIALS))
            else:
                outcome.append(self._open_session(user, method, zone, at))
            self.store.save(user)

        with_retries(attempt)
        result = outcome[0]
        if isinstance(result, DomainError):
            raise result
        return result

    def _open_session(self, user: User, method: str, zone: str, at: datetime) -> UserSignIn:
        hours = self.settings.get().main["token_validity_hours"]
        rights = self.groups.rights_of(user.group_ids)
        session = UserSignIn(
            user_id=user.user_id,
            session_id=secrets.token_hex(16),
            access_expires_at=at + timedelta(hours=hours),
            refresh_expires_at=at + REFRESH_VALIDITY,
            rights=rights,
        )
        assert session.refresh_expires_at is not None
        user.log_in(
            session.session_id,
            session.refresh_expires_at,
            method=method,
            zone=zone,
            rights=rights_bits(rights),
            at=at,
        )
        return session

    def refresh(self, user_id: str, session_id: str) -> UserSignIn:
        user = self.authenticate(user_id, session_id)
        return UserSignIn(
            user_id=user.user_id,
            session_id=session_id,
            access_expires_at=now() + REFRESHED_ACCESS_VALIDITY,
            refresh_expires_at=None,
            rights=self.groups.rights_of(user.group_ids),
        )

    def sign_out(self, user_id: str, session_id: str) -> None:
        def attempt() -> None:
            user = self.users.find(user_id)
            if user is not None and session_id in user.sessions:
                user.log_out(session_id)
                self.store.save(user)

        with_retries(attempt)

    def authenticate(self, user_id: str, session_id: str) -> User:
        user = self.users.find(user_id)
        if user is None or not user.has_session(session_id, now()):
            raise Unauthorized("the session has ended; sign in again")
        return user

    def _record_refusal(self, login: str, user_id: str, reason: str, method: str) -> None:
        """A refused attempt that does not count towards the lockout."""

        def attempt() -> None:
            user = self.users.get(user_id)
            user.record_failure(login, reason, method, user.failure_count)
            self.store.save(user)

        with self._account_lock(user_id):
            with_retries(attempt)

    def _record_unknown(self, login: str, method: str) -> None:
        if not isinstance(login, str):
            return

        def attempt() -> None:
            log = find(self.store, UnknownLogin.create_id(login), UnknownLogin)
            if log is None:
                log = UnknownLogin(entered_login=login[:256])
            log.tried(method=method)
            self.store.save(log)

        with_retries(attempt)
