"""The directory read model: users, groups, memberships, personal contacts and aliases
(guide §13). The API's GET routes read these tables, never the event store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, delete, func, or_
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, select

from domain.identity.alias import Alias
from domain.identity.group import NO_GROUP, Group
from domain.identity.user import PROFILE_FIELDS, User
from domain.signaling.presence import Presence
from projections.engine import on
from projections.sql import SqlProjection


class UserRow(SQLModel, table=True):
    __tablename__ = "users"
    user_id: str = Field(primary_key=True)
    source: str = Field(primary_key=True, default="registry")
    """'registry' or 'ldap': each storage mode has its own accounts (§13.7)."""
    email: str | None = None
    display_name: str | None = Field(default=None, index=True)
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    mobile_phone: str | None = None
    work_phone: str | None = None
    home_phone: str | None = None
    sip_number: str | None = None
    is_active: bool = True
    status: int = 0
    """Presence (§13.1): 0 offline, 1 online, 2 busy, 5 owner of a running conference."""
    locked_until: datetime | None = None
    created_at: datetime | None = None
    app_settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))


class MembershipRow(SQLModel, table=True):
    __tablename__ = "memberships"
    user_id: str = Field(primary_key=True)
    source: str = Field(primary_key=True, default="registry")
    group_id: str = Field(primary_key=True, index=True)


class GroupRow(SQLModel, table=True):
    __tablename__ = "groups"
    group_id: str = Field(primary_key=True)
    display_name: str
    builtin: bool = False
    source: str = "registry"
    rights: dict[str, bool] = Field(default_factory=dict, sa_column=Column(JSON))
    app_settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    address_book: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))


class ContactRow(SQLModel, table=True):
    __tablename__ = "contacts"
    user_id: str = Field(primary_key=True)
    source: str = Field(primary_key=True, default="registry")
    entry_id: str = Field(primary_key=True)
    call_string: str
    display_name: str


class AliasRow(SQLModel, table=True):
    __tablename__ = "aliases"
    key: str = Field(primary_key=True)
    """The alias in lower case (aliases are unique without regard to case)."""
    alias: str
    call_string: str


class UserIdRow(SQLModel, table=True):
    """Aggregate ID -> user ID, so later events find their row."""

    __tablename__ = "user_ids"
    aggregate_id: str = Field(primary_key=True)
    user_id: str
    source: str = "registry"


class GroupIdRow(SQLModel, table=True):
    __tablename__ = "group_ids"
    aggregate_id: str = Field(primary_key=True)
    group_id: str


class AliasIdRow(SQLModel, table=True):
    __tablename__ = "alias_ids"
    aggregate_id: str = Field(primary_key=True)
    key: str


class Directory(SqlProjection):
    name = "directory"
    tables = (
        UserRow,
        MembershipRow,
        GroupRow,
        ContactRow,
        AliasRow,
        UserIdRow,
        GroupIdRow,
        AliasIdRow,
    )

    def _s(self) -> Session:
        assert self.session is not None, "handlers run inside apply()"
        return self.session

    # -- users -------------------------------------------------------------------------

    @on(User.Created, User.Recreated)
    def user_created(self, seq: int, event: Any) -> None:
        if isinstance(event, User.Created):
            self._s().merge(
                UserIdRow(
                    aggregate_id=str(event.originator_id),
                    user_id=event.user_id,
                    source=event.source,
                )
            )
            user_id = str(event.user_id)
        else:
            known = self._s().get(UserIdRow, str(event.originator_id))
            assert known is not None, "a user is recreated after its creation"
            user_id = known.user_id
        self._forget_user(user_id, event.source)
        row = UserRow(
            user_id=user_id,
            is_active=event.is_active,
            source=event.source,
            created_at=event.timestamp,
            **{k: event.profile.get(k) for k in PROFILE_FIELDS},
        )
        self._s().add(row)
        self._set_memberships(user_id, event.source, event.group_ids)

    def _user(self, event: Any) -> UserRow | None:
        row = self._s().get(UserIdRow, str(event.originator_id))
        return self._s().get(UserRow, (row.user_id, row.source)) if row else None

    @on(User.ProfileChanged)
    def profile_changed(self, seq: int, event: Any) -> None:
        row = self._user(event)
        if row is not None:
            for change in event.changes:
                setattr(row, change["parameter"], change["new"])
            self._s().add(row)

    @on(User.GroupsChanged)
    def groups_changed(self, seq: int, event: Any) -> None:
        row = self._user(event)
        if row is not None:
            self._set_memberships(row.user_id, row.source, event.new)

    @on(User.Activated, User.Deactivated)
    def activation(self, seq: int, event: Any) -> None:
        row = self._user(event)
        if row is not None:
            row.is_active = isinstance(event, User.Activated)
            self._s().add(row)

    @on(User.Locked, User.Unlocked)
    def locking(self, seq: int, event: Any) -> None:
        row = self._user(event)
        if row is not None:
            row.locked_until = event.until if isinstance(event, User.Locked) else None
            self._s().add(row)

    @on(User.AppSettingsChanged)
    def user_app_settings(self, seq: int, event: Any) -> None:
        row = self._user(event)
        if row is not None:
            settings = dict(row.app_settings)
            for change in event.changes:
                settings[change["parameter"]] = change["new"]
            row.app_settings = settings
            self._s().add(row)

    @on(User.AddressBookEntryAdded)
    def contact_added(self, seq: int, event: Any) -> None:
        row = self._user(event)
        if row is not None:
            entry = event.entry
            self._s().add(
                ContactRow(
                    user_id=row.user_id,
                    source=row.source,
                    entry_id=entry["id"],
                    call_string=entry["call_string"],
                    display_name=entry["display_name"],
                )
            )

    @on(User.AddressBookEntryRemoved)
    def contact_removed(self, seq: int, event: Any) -> None:
        row = self._user(event)
        if row is not None:
            contact = self._s().get(ContactRow, (row.user_id, row.source, event.entry_id))
            if contact is not None:
                self._s().delete(contact)

    @on(User.Deleted)
    def user_deleted(self, seq: int, event: Any) -> None:
        row = self._user(event)
        if row is not None:
            self._forget_user(row.user_id, row.source)

    def _forget_user(self, user_id: str, source: str) -> None:
        s = self._s()
        for table in (MembershipRow, ContactRow):
            s.exec(delete(table).where(col(table.user_id) == user_id, col(table.source) == source))
        existing = s.get(UserRow, (user_id, source))
        if existing is not None:
            s.delete(existing)
            s.flush()

    def _set_memberships(self, user_id: str, source: str, group_ids: list[str]) -> None:
        s = self._s()
        s.exec(
            delete(MembershipRow).where(
                col(MembershipRow.user_id) == user_id, col(MembershipRow.source) == source
            )
        )
        for group_id in group_ids:
            s.add(MembershipRow(user_id=user_id, source=source, group_id=group_id))

    @on(Presence.StatusChanged)
    def status_changed(self, seq: int, event: Any) -> None:
        rows = self._s().exec(select(UserRow).where(UserRow.user_id == event.user_id.lower()))
        for row in rows:
            row.status = event.new
            self._s().add(row)

    # -- groups ------------------------------------------------------------------------

    @on(Group.Created)
    def group_created(self, seq: int, event: Any) -> None:
        self._s().merge(
            GroupRow(
                group_id=event.group_id,
                display_name=event.display_name,
                builtin=event.builtin,
                source=event.source,
                rights=event.rights,
                app_settings={},
                address_book={"mode": "no_one", "groups": [], "entries": []},
            )
        )
        self._s().merge(GroupIdRow(aggregate_id=str(event.originator_id), group_id=event.group_id))

    @on(Group.Edited)
    def group_edited(self, seq: int, event: Any) -> None:
        row = self._group(event)
        if row is not None:
            for change in event.changes:
                setattr(row, change["parameter"], change["new"])
            self._s().add(row)

    @on(Group.Deleted)
    def group_deleted(self, seq: int, event: Any) -> None:
        row = self._group(event)
        if row is not None:
            s = self._s()
            s.exec(delete(MembershipRow).where(col(MembershipRow.group_id) == row.group_id))
            s.delete(row)

    def _group(self, event: Any) -> GroupRow | None:
        found = self._s().get(GroupIdRow, str(event.originator_id))
        return self._s().get(GroupRow, found.group_id) if found else None

    # -- aliases -----------------------------------------------------------------------

    @on(Alias.Created)
    def alias_created(self, seq: int, event: Any) -> None:
        self._s().merge(
            AliasRow(key=event.alias.lower(), alias=event.alias, call_string=event.call_string)
        )
        self._s().merge(AliasIdRow(aggregate_id=str(event.originator_id), key=event.alias.lower()))

    @on(Alias.Retargeted)
    def alias_retargeted(self, seq: int, event: Any) -> None:
        found = self._s().get(AliasIdRow, str(event.originator_id))
        if found is not None:
            alias = self._s().get(AliasRow, found.key)
            if alias is None:
                self._s().add(
                    AliasRow(key=found.key, alias=found.key, call_string=event.call_string)
                )
            else:
                alias.call_string = event.call_string
                self._s().add(alias)

    @on(Alias.Deleted)
    def alias_deleted(self, seq: int, event: Any) -> None:
        found = self._s().get(AliasIdRow, str(event.originator_id))
        if found is not None:
            alias = self._s().get(AliasRow, found.key)
            if alias is not None:
                self._s().delete(alias)


# -- queries (what the API reads) ---------------------------------------------------------

USER_SORTABLE = ("user_id", "display_name", "first_name", "last_name", "email", "created_at")
USER_FILTERS = ("login_name", "display_name", "first_name", "last_name", "email")


def list_users(
    engine: Engine,
    source: str,
    filters: dict[str, str | None],
    search: str | None,
    page: int,
    page_size: int,
    sort_field: str = "user_id",
    descending: bool = False,
    group_id: str | None = None,
) -> tuple[int, list[UserRow]]:
    query = select(UserRow).where(UserRow.source == source)
    for name, value in filters.items():
        if value:
            column = UserRow.user_id if name == "login_name" else getattr(UserRow, name)
            query = query.where(col(column).ilike(f"%{value}%"))
    if search:
        pattern = f"%{search}%"
        searched = ("user_id", "display_name", "first_name", "last_name", "email")
        query = query.where(or_(*(col(getattr(UserRow, f)).ilike(pattern) for f in searched)))
    if group_id is not None:
        in_groups = select(MembershipRow.user_id).where(MembershipRow.source == source)
        if group_id == NO_GROUP:
            query = query.where(col(UserRow.user_id).not_in(in_groups))
        else:
            members = in_groups.where(MembershipRow.group_id == group_id)
            query = query.where(col(UserRow.user_id).in_(members))
    with Session(engine) as session:
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        column = col(getattr(UserRow, sort_field))
        ordered = query.order_by(column.desc() if descending else column.asc())
        rows = session.exec(ordered.offset((page - 1) * page_size).limit(page_size)).all()
        return int(total), list(rows)


def get_user(engine: Engine, user_id: str, source: str) -> UserRow | None:
    with Session(engine) as session:
        return session.get(UserRow, (user_id.lower(), source))


def groups_of(engine: Engine, user_id: str, source: str) -> list[GroupRow]:
    """The user's groups; '@no_group' when they are in no other."""
    with Session(engine) as session:
        ids = session.exec(
            select(MembershipRow.group_id).where(
                MembershipRow.user_id == user_id, MembershipRow.source == source
            )
        ).all()
        rows = [g for g in (session.get(GroupRow, gid) for gid in ids) if g is not None]
        if not rows:
            no_group = session.get(GroupRow, NO_GROUP)
            rows = [no_group] if no_group else []
        return rows


def list_groups(engine: Engine, source: str) -> list[GroupRow]:
    """The built-in groups and those of the storage mode in use."""
    with Session(engine) as session:
        query = select(GroupRow).where(or_(col(GroupRow.builtin), col(GroupRow.source) == source))
        return list(session.exec(query.order_by(col(GroupRow.display_name))).all())


def get_group(engine: Engine, group_id: str) -> GroupRow | None:
    with Session(engine) as session:
        return session.get(GroupRow, group_id)


def personal_contacts(engine: Engine, user_id: str, source: str) -> list[ContactRow]:
    with Session(engine) as session:
        query = select(ContactRow).where(ContactRow.user_id == user_id, ContactRow.source == source)
        return list(session.exec(query).all())


def address_book(engine: Engine, user_id: str, source: str) -> list[dict[str, Any]]:
    """The user's effective address book (§13.2.4): the union of their groups' books
    and their personal entries; only personal entries can be removed by the user."""
    entries: dict[str, dict[str, Any]] = {}

    def add(call_string: str, display_name: str, origin: str, entry_id: str | None) -> None:
        if call_string == user_id or (call_string in entries and origin != "personal"):
            return
        entries[call_string] = {
            "id": entry_id,
            "call_string": call_string,
            "display_name": display_name,
            "source": origin,
            "removable": origin == "personal",
        }

    users = select(UserRow).where(UserRow.source == source)
    with Session(engine) as session:
        for group in groups_of(engine, user_id, source):
            book = group.address_book or {}
            mode = book.get("mode", "no_one")
            members: list[UserRow] = []
            if mode == "all_users":
                members = list(session.exec(users).all())
            elif mode == "groups":
                ids = select(MembershipRow.user_id).where(
                    MembershipRow.source == source,
                    col(MembershipRow.group_id).in_(book.get("groups", [])),
                )
                members = list(session.exec(users.where(col(UserRow.user_id).in_(ids))))
            for member in members:
                add(member.user_id, member.display_name or member.user_id, "group", None)
            for entry in book.get("entries", []):
                add(entry["call_string"], entry["display_name"], "group", entry["id"])
    for contact in personal_contacts(engine, user_id, source):
        add(contact.call_string, contact.display_name, "personal", contact.entry_id)
    return sorted(entries.values(), key=lambda e: (e["display_name"] or "").lower())


def list_aliases(engine: Engine) -> list[AliasRow]:
    with Session(engine) as session:
        return list(session.exec(select(AliasRow).order_by(col(AliasRow.key))).all())


def find_alias(engine: Engine, alias: str) -> AliasRow | None:
    with Session(engine) as session:
        return session.get(AliasRow, alias.lower())


def members_in_order(engine: Engine, group_ids: list[str], source: str) -> list[str]:
    """Active members of the groups, group by group in the given order and by display
    name inside a group (permanent PRO licences, §9.1.2); `@no_group` is everyone in
    no other group. A user in two groups comes once, at the first."""
    ordered: dict[str, None] = {}
    with Session(engine) as session:
        active = select(UserRow).where(UserRow.source == source, col(UserRow.is_active))
        for group_id in group_ids:
            members = select(MembershipRow.user_id).where(MembershipRow.source == source)
            if group_id == NO_GROUP:
                rows = session.exec(active.where(col(UserRow.user_id).not_in(members)))
            else:
                in_group = members.where(MembershipRow.group_id == group_id)
                rows = session.exec(active.where(col(UserRow.user_id).in_(in_group)))
            for row in sorted(
                rows, key=lambda r: ((r.display_name or r.user_id).lower(), r.user_id)
            ):
                ordered.setdefault(row.user_id, None)
    return list(ordered)
