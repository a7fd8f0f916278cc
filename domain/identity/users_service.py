"""Use cases on user accounts (guide §13.2, Registry mode)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any, Required, TypedDict

from eventsourcing.persistence import IntegrityError

from domain.identity.call_strings import check_call_string
from domain.identity.groups_service import GroupsService
from domain.identity.ids import check_user_id
from domain.identity.password_policy import PasswordPolicy
from domain.identity.rights import BandwidthLimits, check_bandwidth
from domain.identity.user import PROFILE_FIELDS, User
from domain.settings.settings_service import SettingsService
from domain.shared.application import QuorumStore, find, with_retries
from domain.shared.clock import now
from domain.shared.errors import (
    AlreadyExists,
    Conflict,
    FieldProblem,
    InvalidInput,
    NotFound,
    invalid,
)
from domain.shared.passwords import PasswordHasher

SELF_EDITABLE = (*PROFILE_FIELDS, "password")
MAX_FIELD = 256
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class UserFields(TypedDict, total=False):
    """An account's editable fields; a profile field set to None is cleared."""

    email: str | None
    display_name: str | None
    first_name: str | None
    last_name: str | None
    company: str | None
    mobile_phone: str | None
    work_phone: str | None
    home_phone: str | None
    sip_number: str | None
    password: str
    groups: list[str]
    is_active: bool


class NewUser(UserFields, total=False):
    id: Required[str]


class NewContact(TypedDict, total=False):
    call_string: Required[str]
    display_name: str | None


class UsersService:
    def __init__(
        self,
        store: QuorumStore,
        hasher: PasswordHasher,
        settings: SettingsService,
        groups: GroupsService,
    ) -> None:
        self.store = store
        self.hasher = hasher
        self.settings = settings
        self.groups = groups

    def source(self) -> str:
        """Whose accounts are in use: 'registry' or 'ldap' (the user storage mode)."""
        return self.settings.user_storage_mode()

    def find(self, user_id: str, source: str | None = None) -> User | None:
        if not isinstance(user_id, str) or not user_id:
            return None
        user = find(self.store, User.create_id(user_id, source or self.source()), User)
        return None if user is None or user.deleted else user

    def _registry_only(self) -> None:
        if self.source() != "registry":
            raise Conflict(
                "in LDAP mode accounts are managed in the directory (§13.8); "
                "switch to Registry mode to edit them here"
            )

    def get(self, user_id: str) -> User:
        user = self.find(user_id)
        if user is None:
            raise NotFound(f"no user {user_id!r}")
        return user

    def create(self, body: NewUser) -> User:
        self._registry_only()
        user_id = check_user_id(body["id"])
        profile = self._profile(body)
        profile.setdefault("display_name", _default_display_name(user_id, profile))
        group_ids = self._groups(body.get("groups", []))
        is_active = _boolean(body.get("is_active", True), "is_active")
        password_hash = self._password_hash(body.get("password"))
        existing = find(self.store, User.create_id(user_id), User)
        if existing is not None and not existing.deleted:
            raise _taken(user_id)
        if existing is None:
            user = User(
                user_id=user_id,
                profile=profile,
                password_hash=password_hash,
                group_ids=group_ids,
                is_active=is_active,
                source="registry",
            )
        else:
            user = existing
            user.recreate(profile, password_hash, group_ids, is_active, "registry")
        try:
            self.store.save(user)
        except IntegrityError:
            raise _taken(user_id) from None
        return user

    def edit(self, user_id: str, body: UserFields, by_user: bool = False) -> User:
        self._registry_only()
        if by_user:
            _refuse_unknown(body, SELF_EDITABLE)
        profile = self._profile(body)
        group_ids = self._groups(body["groups"]) if "groups" in body else None
        active = _boolean(body["is_active"], "is_active") if "is_active" in body else None
        password_hash = self._password_hash(body["password"]) if "password" in body else None

        def attempt() -> User:
            user = self.get(user_id)
            user.edit_profile(profile)
            if password_hash is not None:
                user.change_password(password_hash, by="user" if by_user else "admin")
            if group_ids is not None:
                user.set_groups(group_ids)
            if active is not None:
                user.set_active(active)
            self.store.save(user)
            return user

        return with_retries(attempt)

    def add_to_group(self, user_id: str, group_id: str) -> User:
        self._registry_only()
        self.groups.get(group_id)
        return self._change(user_id, lambda u: u.set_groups(sorted({*u.group_ids, group_id})))

    def remove_from_group(self, user_id: str, group_id: str) -> User:
        self._registry_only()
        self.groups.get(group_id)

        def change(user: User) -> bool:
            if group_id not in user.group_ids:
                raise NotFound(f"{user_id} is not in group {group_id}")
            return user.set_groups([g for g in user.group_ids if g != group_id])

        return self._change(user_id, change)

    def delete(self, user_id: str) -> None:
        self._registry_only()
        self._change(user_id, lambda u: u.delete() is None)

    def disconnect(self, user_id: str) -> list[str]:
        ended: list[str] = []

        def change(user: User) -> bool:
            ended[:] = user.disconnect()
            return bool(ended)

        self._change(user_id, change)
        return ended

    def unlock(self, user_id: str) -> User:
        def change(user: User) -> bool:
            if user.locked_until is None:
                return False
            user.unlock(by="admin", at=now())
            return True

        return self._change(user_id, change)

    def change_app_settings(self, user_id: str, body: BandwidthLimits) -> User:
        limits = check_bandwidth(body)
        return self._change(user_id, lambda u: bool(u.change_app_settings(limits)))

    def add_contact(self, user_id: str, body: NewContact) -> dict[str, str]:
        call_string = check_call_string(body["call_string"])
        display_name = body.get("display_name") or call_string
        if not isinstance(display_name, str) or len(display_name) > MAX_FIELD:
            raise invalid("display_name", f"must be a string of at most {MAX_FIELD} characters")
        entry = {
            "id": secrets.token_hex(6),
            "call_string": call_string,
            "display_name": display_name,
        }

        def change(user: User) -> bool:
            if any(e["call_string"] == call_string for e in user.address_book):
                raise AlreadyExists(f"{call_string} is already in the address book")
            user.add_contact(entry)
            return True

        self._change(user_id, change)
        return entry

    def remove_contact(self, user_id: str, entry_id: str) -> None:
        def change(user: User) -> bool:
            if not any(e["id"] == entry_id for e in user.address_book):
                raise NotFound(
                    f"no personal entry {entry_id!r}; entries that come from a group "
                    "cannot be removed by the user"
                )
            user.remove_contact(entry_id)
            return True

        self._change(user_id, change)

    def _change(self, user_id: str, change: Callable[[User], bool]) -> User:
        def attempt() -> User:
            user = self.get(user_id)
            if change(user):
                self.store.save(user)
            return user

        return with_retries(attempt)

    # -- checking input ---------------------------------------------------------------

    def policy(self) -> PasswordPolicy:
        return PasswordPolicy.from_settings(self.settings.get().section("password-policy"))

    def _password_hash(self, password: str | None) -> str:
        return self.hasher.hash(self.policy().check(password))

    def _groups(self, value: list[str]) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(g, str) for g in value):
            raise invalid("groups", "must be a list of group IDs")
        missing = [g for g in value if self.groups.find(g) is None]
        if missing:
            raise invalid("groups", f"no such group: {', '.join(missing)}", reason="notFound")
        return sorted(set(value) - {"@no_group"})

    def _profile(self, body: UserFields) -> dict[str, Any]:
        profile: dict[str, Any] = {}
        problems = []
        for name in PROFILE_FIELDS:
            if name not in body:
                continue
            value = body[name]  # type: ignore[literal-required]
            if value is not None and not isinstance(value, str):
                problems.append(FieldProblem(name, "invalid", "must be a string or null"))
            elif value is not None and len(value) > MAX_FIELD:
                problems.append(FieldProblem(name, "tooLong", f"at most {MAX_FIELD} characters"))
            elif name == "email" and value and not _EMAIL.match(value):
                problems.append(FieldProblem(name, "invalid", "is not an e-mail address"))
            else:
                profile[name] = value
        if problems:
            raise InvalidInput.of(problems)
        return profile


def _refuse_unknown(body: UserFields, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise InvalidInput.of(
            [FieldProblem(n, "invalid", "unknown or read-only field") for n in unknown]
        )


def _boolean(value: bool, field: str) -> bool:
    if not isinstance(value, bool):
        raise invalid(field, "must be true or false")
    return value


def _taken(user_id: str) -> AlreadyExists:
    return AlreadyExists(
        f"the user ID {user_id!r} is taken",
        [FieldProblem("id", "uniqueValueAlreadyInUse", f"{user_id} is already in use")],
    )


def _default_display_name(user_id: str, profile: dict[str, Any]) -> str:
    names = " ".join(n for n in (profile.get("first_name"), profile.get("last_name")) if n)
    return names or user_id
