"""Switching the user storage mode and synchronising accounts and groups from an LDAP
directory (guide §13.6 to §13.9): the use cases over the `DirectoryLink` of storage.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import IntegrityError

from domain.identity.directory_port import (
    DirectoryAccount,
    DirectoryUnavailable,
    UserDirectory,
)
from domain.identity.group import Group
from domain.identity.groups_service import GroupsService
from domain.identity.rights import DEFAULT_RIGHTS
from domain.identity.storage import DirectoryLink, directory_group_id
from domain.identity.user import User
from domain.identity.users_service import UsersService
from domain.settings.settings_service import SettingsService
from domain.shared.application import QuorumStore, find, with_retries
from domain.shared.errors import AlreadyExists, NotFound, invalid


@dataclass(frozen=True)
class SyncResult:
    created: list[str]
    updated: list[str]
    deactivated: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "deactivated": self.deactivated}


class UserStorageService:
    def __init__(
        self,
        store: QuorumStore,
        settings: SettingsService,
        users: UsersService,
        groups: GroupsService,
        directory: Callable[[], UserDirectory],
    ) -> None:
        self.store = store
        self.settings = settings
        self.users = users
        self.groups = groups
        self.directory = directory

    def mode(self) -> str:
        return self.settings.user_storage_mode()

    def switch(self, mode: str, import_users: bool = False) -> dict[str, Any]:
        if mode not in ("registry", "ldap"):
            raise invalid("mode", "must be registry or ldap")
        current = self.mode()
        if mode == current:
            return {"mode": mode}
        if mode == "ldap":
            result = self.sync(require_mode=False)
            self.settings.edit("user-storage", {"mode": "ldap"})
            return {"mode": "ldap", "sync": result.as_dict()}
        imported = self._import_into_registry() if import_users else []
        self.settings.edit("user-storage", {"mode": "registry"})
        return {"mode": "registry", "imported": imported}

    # -- talking to the directory, recording the connection state (§16.1.1) -------------

    def _reach(self) -> UserDirectory:
        directory = self.directory()
        try:
            directory.check()
        except DirectoryUnavailable as e:
            self.record_connection(directory.url, error=str(e))
            raise
        self.record_connection(directory.url)
        return directory

    def record_connection(self, url: str, error: str | None = None) -> None:
        """`connect` / `disconnect` when the state changes, not on every call."""

        def attempt() -> None:
            link = find(self.store, DirectoryLink.create_id(), DirectoryLink)
            first_contact = link is None
            if link is None:
                link = DirectoryLink(url=url)
            if error is None and not link.connected:
                link.connect(url=url)
            elif error is not None and (link.connected or first_contact):
                link.disconnect(url=url, error=error)
            elif not first_contact:
                return
            self.store.save(link)

        with_retries(attempt)

    # -- synchronisation ---------------------------------------------------------------

    def sync(self, require_mode: bool = True) -> SyncResult:
        if require_mode and self.mode() != "ldap":
            raise invalid("mode", "synchronisation runs in LDAP mode only")
        directory = self._reach()
        try:
            accounts = directory.accounts()
        except DirectoryUnavailable as e:
            self.record_connection(directory.url, error=str(e))
            raise
        created, updated = [], []
        for account in accounts:
            outcome = self.apply_account(account)
            if outcome == "created":
                created.append(account.login.lower())
            elif outcome == "updated":
                updated.append(account.login.lower())
        seen = sorted(a.login.lower() for a in accounts)
        link = find(self.store, DirectoryLink.create_id(), DirectoryLink)
        missing = sorted(set(link.logins if link else []) - set(seen))
        deactivated = [login for login in missing if self._deactivate(login)]
        self._record_sync(created, updated, deactivated, seen)
        return SyncResult(created, updated, deactivated)

    def apply_account(self, account: DirectoryAccount) -> str:
        """Create or update the LDAP-mode account; returns created|updated|unchanged."""
        login = account.login.lower()
        profile = {
            "email": account.email or None,
            "display_name": account.display_name or login,
            "first_name": account.first_name or None,
            "last_name": account.last_name or None,
        }
        group_ids = sorted(
            gid
            for gid in (directory_group_id(dn) for dn in account.group_dns)
            if self.groups.find(gid) is not None
        )
        outcome = ["unchanged"]

        def attempt() -> None:
            user = find(self.store, User.create_id(login, "ldap"), User)
            if user is None:
                user = User(
                    user_id=login,
                    profile=profile,
                    password_hash=None,
                    group_ids=group_ids,
                    is_active=True,
                    source="ldap",
                )
                outcome[0] = "created"
            elif user.deleted:
                user.recreate(profile, None, group_ids, True, "ldap")
                outcome[0] = "created"
            else:
                changed = bool(user.edit_profile(profile))
                changed = user.set_groups(group_ids) or changed
                changed = user.set_active(True) or changed
                if not changed:
                    return
                outcome[0] = "updated"
            self.store.save(user)

        with_retries(attempt)
        return outcome[0]

    def _deactivate(self, login: str) -> bool:
        def attempt() -> bool:
            user = find(self.store, User.create_id(login, "ldap"), User)
            if user is None or user.deleted or not user.set_active(False):
                return False
            self.store.save(user)
            return True

        return with_retries(attempt)

    def _record_sync(
        self, created: list[str], updated: list[str], deactivated: list[str], seen: list[str]
    ) -> None:
        def attempt() -> None:
            link = find(self.store, DirectoryLink.create_id(), DirectoryLink)
            assert link is not None, "_reach() created the link"
            link.synced(created=created, updated=updated, deactivated=deactivated, logins=seen)
            self.store.save(link)

        with_retries(attempt)

    def _import_into_registry(self) -> list[str]:
        """LDAP → Registry with import (§13.8): accounts without passwords, inactive."""
        directory = self._reach()
        imported = []
        for account in directory.accounts():
            login = account.login.lower()
            if find(self.store, User.create_id(login, "registry"), User) is not None:
                continue
            user = User(
                user_id=login,
                profile={
                    "email": account.email or None,
                    "display_name": account.display_name or login,
                    "first_name": account.first_name or None,
                    "last_name": account.last_name or None,
                },
                password_hash=None,
                group_ids=[],
                is_active=False,
                source="registry",
            )
            try:
                self.store.save(user)
            except IntegrityError:
                continue
            imported.append(login)
        return imported

    # -- groups imported from the directory (§13.3.2) ---------------------------------

    def directory_groups(self, search: str | None) -> list[dict[str, Any]]:
        directory = self._reach()
        return [
            {
                "dn": g.dn,
                "name": g.name,
                "imported": self.groups.find(directory_group_id(g.dn)) is not None,
            }
            for g in directory.groups(search)
        ]

    def import_group(self, dn: str) -> Group:
        if not dn.strip():
            raise invalid("dn", "is required", reason="required")
        directory = self._reach()
        wanted = directory.normalize_dn(dn)
        found = [g for g in directory.groups() if g.dn == wanted]
        if not found:
            raise NotFound(f"the directory has no group {dn!r}")
        group_id = directory_group_id(found[0].dn)
        if self.groups.find(group_id) is not None:
            raise AlreadyExists(f"{found[0].name} is already imported")
        group = Group(
            group_id=group_id,
            display_name=found[0].name,
            rights=dict(DEFAULT_RIGHTS),
            builtin=False,
            source="ldap",
            directory_dn=found[0].dn,
        )
        self.store.save(group)
        if self.mode() == "ldap":
            self.sync()
        return group
