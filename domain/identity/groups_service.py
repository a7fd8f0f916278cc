"""Use cases on groups (guide §13.3): create, rename, rights, limits, address book,
members, delete. Built-in groups exist from the start and are never renamed or deleted."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import Any, Required, TypedDict

from eventsourcing.persistence import IntegrityError

from domain.identity.call_strings import check_call_string
from domain.identity.group import ADDRESS_BOOK_MODES, BUILTIN, Group
from domain.identity.rights import (
    BandwidthLimits,
    check_bandwidth,
    check_rights,
    effective_rights,
)
from domain.settings.settings_service import SettingsService
from domain.shared.application import QuorumStore, find, with_retries
from domain.shared.errors import Conflict, NotFound, invalid

MAX_NAME = 64


class GroupFields(TypedDict, total=False):
    """A group's name and rights; an edit changes only the rights it gives."""

    display_name: str
    rights: Mapping[str, bool]


class NewGroup(TypedDict, total=False):
    display_name: Required[str]
    rights: Mapping[str, bool]


class AddressBookEntry(TypedDict, total=False):
    id: str | None
    call_string: Required[str]
    display_name: str | None


class AddressBook(TypedDict, total=False):
    """Who a group's members see (ADDRESS_BOOK_MODES), and its manual entries."""

    mode: str
    groups: list[str]
    entries: list[AddressBookEntry]


def check_display_name(value: str, field: str = "display_name") -> str:
    if not value.strip():
        raise invalid(field, "is required", reason="required")
    if len(value) > MAX_NAME:
        raise invalid(field, f"must be at most {MAX_NAME} characters", reason="tooLong")
    return value.strip()


def check_address_book(value: AddressBook, known_group: Callable[[str], bool]) -> dict[str, Any]:
    mode = value.get("mode", "no_one")
    if mode not in ADDRESS_BOOK_MODES:
        raise invalid("mode", f"must be one of {', '.join(ADDRESS_BOOK_MODES)}")
    groups = value.get("groups", [])
    missing = [g for g in groups if not known_group(g)]
    if missing:
        raise invalid("groups", f"no such group: {', '.join(missing)}", reason="notFound")
    checked = []
    for i, entry in enumerate(value.get("entries", [])):
        checked.append(
            {
                "id": str(entry.get("id") or secrets.token_hex(6)),
                "call_string": check_call_string(entry["call_string"], f"entries.{i}"),
                "display_name": str(entry.get("display_name") or entry.get("call_string")),
            }
        )
    return {"mode": mode, "groups": groups, "entries": checked}


class GroupsService:
    def __init__(self, store: QuorumStore, settings: SettingsService) -> None:
        self.store = store
        self.settings = settings

    def mode(self) -> str:
        return self.settings.user_storage_mode()

    def ensure_builtins(self) -> None:
        for group_id in BUILTIN:
            if self.find(group_id) is None:
                try:
                    self.store.save(Group.builtin_group(group_id))
                except IntegrityError:
                    pass  # another process created it first

    def find(self, group_id: str) -> Group | None:
        group = find(self.store, Group.create_id(group_id), Group)
        return None if group is None or group.deleted else group

    def get(self, group_id: str) -> Group:
        group = self.find(group_id)
        if group is None:
            raise NotFound(f"no group {group_id!r}")
        return group

    def create(self, body: NewGroup) -> Group:
        if self.mode() == "ldap":
            raise Conflict("in LDAP mode groups are imported from the directory (§13.3.2)")
        display_name = check_display_name(body["display_name"])
        rights = check_rights(body.get("rights", {}), partial=False)
        group = Group(
            group_id=secrets.token_hex(6),
            display_name=display_name,
            rights=rights,
            builtin=False,
        )
        self.store.save(group)
        return group

    def edit(self, group_id: str, body: GroupFields) -> Group:
        def attempt() -> Group:
            group = self.get(group_id)
            values: dict[str, Any] = {}
            if "display_name" in body:
                name = check_display_name(body["display_name"])
                if group.builtin and name != group.display_name:
                    raise Conflict(f"the built-in group {group_id} cannot be renamed")
                if group.source == "ldap" and name != group.display_name:
                    raise Conflict("an imported group keeps its directory name")
                values["display_name"] = name
            if "rights" in body:
                values["rights"] = {**group.rights, **check_rights(body["rights"])}
            if group.edit(values):
                self.store.save(group)
            return group

        return with_retries(attempt)

    def change_app_settings(self, group_id: str, body: BandwidthLimits) -> Group:
        limits = check_bandwidth(body)

        def attempt() -> Group:
            group = self.get(group_id)
            if group.edit({"app_settings": {**group.app_settings, **limits}}):
                self.store.save(group)
            return group

        return with_retries(attempt)

    def change_address_book(self, group_id: str, body: AddressBook) -> Group:
        book = check_address_book(body, lambda g: self.find(g) is not None)

        def attempt() -> Group:
            group = self.get(group_id)
            if group.edit({"address_book": book}):
                self.store.save(group)
            return group

        return with_retries(attempt)

    def delete(self, group_id: str) -> None:
        def attempt() -> None:
            group = self.get(group_id)
            if group.builtin:
                raise Conflict(f"the built-in group {group_id} cannot be deleted")
            group.delete()
            self.store.save(group)

        with_retries(attempt)

    def rights_of(self, group_ids: list[str]) -> dict[str, bool]:
        groups = [g for g in (self.find(gid) for gid in group_ids) if g is not None]
        if not groups:
            groups = [self.get("@no_group")]
        return effective_rights(g.rights for g in groups)
