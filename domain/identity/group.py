"""Groups (guide §13.3): rights, bandwidth limits and the group's address book.
Members are kept on the users (`User.group_ids`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.identity.rights import DEFAULT_RIGHTS
from domain.shared.audited import AuditedAggregate
from domain.shared.changes import Change, changes_between

NO_GROUP = "@no_group"
FEDERATED = "@federated"
GUESTS = "@guests"
BUILTIN = {
    NO_GROUP: "Users without group",
    FEDERATED: "Federated users",
    GUESTS: "Guest users",
}
ADDRESS_BOOK_MODES = ("all_users", "groups", "no_one")


def empty_address_book() -> dict[str, Any]:
    return {"mode": "no_one", "groups": [], "entries": []}


@dataclass
class Group(AuditedAggregate):
    group_id: str
    display_name: str
    rights: dict[str, bool]
    builtin: bool
    source: str = "registry"
    """'registry', or 'ldap' for groups imported from the directory."""
    directory_dn: str | None = None
    """The normalised DN of an imported directory group."""
    app_settings: dict[str, Any] = field(default_factory=dict, init=False)
    """Bandwidth limits for members (§13.3.6)."""
    address_book: dict[str, Any] = field(default_factory=empty_address_book, init=False)
    """{mode: all_users|groups|no_one, groups: [...], entries: [{id, call_string,
    display_name}]} (§13.3.5)."""
    deleted: bool = field(default=False, init=False)

    class Created(AuditedAggregate.Created, AuditedAggregate.Event):
        group_id: str
        display_name: str
        rights: dict[str, bool]
        builtin: bool
        source: str
        directory_dn: str | None

    class Edited(AuditedAggregate.Event):
        changes: list[Change]
        """Parameters display_name, rights, app_settings or address_book, before and
        after."""

    class Deleted(AuditedAggregate.Event):
        pass

    @staticmethod
    def create_id(group_id: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/quorum/groups/{group_id}")

    @classmethod
    def builtin_group(cls, group_id: str) -> Group:
        return cls(
            group_id=group_id,
            display_name=BUILTIN[group_id],
            rights=dict(DEFAULT_RIGHTS),
            builtin=True,
        )

    def edit(self, values: dict[str, Any]) -> list[Change]:
        current = {
            "display_name": self.display_name,
            "rights": self.rights,
            "app_settings": self.app_settings,
            "address_book": self.address_book,
        }
        changes = changes_between(current, values)
        if changes:
            self._edited(changes=changes)
        return changes

    @event(Edited)
    def _edited(self, changes: list[Change]) -> None:
        for change in changes:
            setattr(self, change["parameter"], change["new"])

    @event(Deleted)
    def delete(self) -> None:
        self.deleted = True
