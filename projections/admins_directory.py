"""The directory of administrator accounts, for listing them (`quorum admin list`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, Session, SQLModel, select

from domain.admins.model import AdminAccount
from projections.engine import on
from projections.sql import SqlProjection


class AdminRow(SQLModel, table=True):
    __tablename__ = "admins"
    id: str = Field(primary_key=True)
    """The account aggregate's ID."""
    name: str = Field(index=True)
    role: str
    created_at: datetime
    last_login_at: datetime | None = None
    removed: bool = False


class AdminsDirectory(SqlProjection):
    name = "admins"
    tables = (AdminRow,)

    def _session(self) -> Session:
        assert self.session is not None, "handlers run inside apply()"
        return self.session

    @on(AdminAccount.Created)
    def created(self, seq: int, event: Any) -> None:
        self._session().merge(
            AdminRow(
                id=str(event.originator_id),
                name=event.name,
                role=event.role,
                created_at=event.timestamp,
            )
        )

    @on(AdminAccount.Restored)
    def restored(self, seq: int, event: Any) -> None:
        row = self._row_of(event)
        if row is not None:
            row.role, row.removed, row.created_at = event.role, False, event.timestamp

    @on(AdminAccount.LoggedIn)
    def logged_in(self, seq: int, event: Any) -> None:
        row = self._row_of(event)
        if row is not None:
            row.last_login_at = event.timestamp

    @on(AdminAccount.Removed)
    def removed(self, seq: int, event: Any) -> None:
        row = self._row_of(event)
        if row is not None:
            row.removed = True

    def _row_of(self, event: Any) -> AdminRow | None:
        return self._session().get(AdminRow, str(event.originator_id))

    def list(self) -> list[AdminRow]:
        with Session(self.engine) as session:
            return list(
                session.exec(select(AdminRow).where(AdminRow.removed == False))  # noqa: E712
            )
