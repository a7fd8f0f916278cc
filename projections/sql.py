"""Operational read models on SQLModel (SQLite by default, any SQLAlchemy URL)."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import DomainEventProtocol
from sqlalchemy import Engine, event
from sqlmodel import Field, Session, SQLModel, create_engine, select

from projections.engine import PositionMoved, Projection


class ProjectionPosition(SQLModel, table=True):
    __tablename__ = "projection_positions"
    name: str = Field(primary_key=True)
    position: int


def make_engine(url: str) -> Engine:
    engine = create_engine(url)
    if url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection: Any, _: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()

    SQLModel.metadata.create_all(engine)
    return engine


class SqlProjection(Projection):
    """Handlers receive the open session as `self.session` and change rows through it."""

    tables: tuple[type[SQLModel], ...] = ()

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.session: Session | None = None

    def position(self) -> int:
        with Session(self.engine) as session:
            row = session.get(ProjectionPosition, self.name)
            return row.position if row else 0

    def apply(
        self, events: list[tuple[int, DomainEventProtocol[Any]]], after: int, through: int
    ) -> None:
        with Session(self.engine) as session:
            self.session = session
            try:
                row = session.exec(
                    select(ProjectionPosition)
                    .where(ProjectionPosition.name == self.name)
                    .with_for_update()
                ).first()
                if (row.position if row else 0) != after:
                    raise PositionMoved(self.name)
                for seq, domain_event in events:
                    self.handle(seq, domain_event)
                if row is None:
                    session.add(ProjectionPosition(name=self.name, position=through))
                else:
                    row.position = through
                    session.add(row)
                session.commit()
            finally:
                self.session = None

    def reset(self) -> None:
        with Session(self.engine) as session:
            for table in self.tables:
                session.exec(table.__table__.delete())  # type: ignore[attr-defined]
            row = session.get(ProjectionPosition, self.name)
            if row is not None:
                session.delete(row)
            session.commit()
