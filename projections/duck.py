"""DuckDB read models for reports (ARCHITECTURE §4): columnar, written in batches.

DuckDB allows one writer process per file: the process that owns the file
(`quorum serve`) also answers the report queries.
"""

from __future__ import annotations

import threading
from abc import abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from eventsourcing.domain import DomainEventProtocol

from projections.engine import PositionMoved, Projection

POSITIONS_DDL = """
CREATE TABLE IF NOT EXISTS projection_positions (
    name VARCHAR PRIMARY KEY,
    position BIGINT NOT NULL
)
"""
LOOKUPS_DDL = """
CREATE TABLE IF NOT EXISTS projection_lookups (
    projection VARCHAR NOT NULL,
    key VARCHAR NOT NULL,
    value VARCHAR NOT NULL,
    PRIMARY KEY (projection, key)
)
"""


class ReportsDatabase:
    """One DuckDB file shared by the report projections of a process."""

    def __init__(self, path: Path | str) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._connection = duckdb.connect(str(path))
        self._connection.execute(POSITIONS_DDL)
        self._connection.execute(LOOKUPS_DDL)
        self._local = threading.local()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A connection for the calling thread (DuckDB connections are not shared)."""
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self._connection.cursor()
            self._local.cursor = cursor
        return cursor

    def close(self) -> None:
        self._connection.close()


@dataclass(frozen=True)
class Table:
    """A further table of a projection (`DuckDBProjection.more_tables`): its DDL (which
    may add views over it), the columns its rows fill, and the column updates name rows
    by."""

    name: str
    ddl: str
    columns: tuple[str, ...]
    key_column: str | None = None


class DuckDBProjection(Projection):
    """A report table fed by handlers that append rows to `self.rows`."""

    table_ddl: str
    columns: tuple[str, ...]
    key_column: str | None = None
    """For projections that update rows: the column `updates` name rows by."""
    more_tables: tuple[Table, ...] = ()
    """Tables written in the same transaction as `table` (`rows_of`, `updates_of`);
    a table's DDL may only refer to the tables before it."""

    def __init__(self, database: ReportsDatabase) -> None:
        self.database = database
        self._batch = threading.local()
        self._lookups: dict[str, str] = {}
        for table in self._tables():
            self.database.cursor().execute(table.ddl)
        self._lookups_complete = self.position() == 0 and not self._stored_lookups()
        """Whether `_lookups` holds every stored lookup (from a fresh start or a reset
        on): then a miss is an answer, not a query."""

    def _stored_lookups(self) -> bool:
        found = (
            self.database.cursor()
            .execute("SELECT 1 FROM projection_lookups WHERE projection = ? LIMIT 1", [self.name])
            .fetchone()
        )
        return found is not None

    def _tables(self) -> list[Table]:
        main = Table(self.table, self.table_ddl, self.columns, self.key_column)
        return [main, *self.more_tables]

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        """Rows the handlers add during the current `apply` (one list per thread)."""
        return self.rows_of(self.table)

    def rows_of(self, table: str) -> list[tuple[Any, ...]]:
        """Rows for `table` (this projection's `table` or one of `more_tables`)."""
        rows: dict[str, list[tuple[Any, ...]]] = self._pending("rows")
        return rows.setdefault(table, [])

    @property
    @abstractmethod
    def table(self) -> str: ...

    @property
    def updates(self) -> list[tuple[str, Any, Any]]:
        """(column, value, key) changes to rows, applied after the batch's new rows."""
        return self.updates_of(self.table)

    def updates_of(self, table: str) -> list[tuple[str, Any, Any]]:
        updates: dict[str, list[tuple[str, Any, Any]]] = self._pending("updates")
        return updates.setdefault(table, [])

    def deletions_of(self, table: str) -> list[tuple[str, list[Any]]]:
        """(SQL condition, parameters) of rows to delete, after the batch's updates."""
        deletions: dict[str, list[tuple[str, list[Any]]]] = self._pending("deletions")
        return deletions.setdefault(table, [])

    def _pending(self, kind: str) -> dict[str, Any]:
        pending: dict[str, Any] | None = getattr(self._batch, kind, None)
        if pending is None:
            pending = {}
            setattr(self._batch, kind, pending)
        return pending

    def remember(self, key: str, value: str) -> None:
        """Keep a fact later events need (such as a user ID for an aggregate ID), in the
        same transaction as the batch that learnt it."""
        self._lookups[key] = value
        pending: dict[str, str] | None = getattr(self._batch, "lookups", None)
        if pending is None:
            pending = self._batch.lookups = {}
        pending[key] = value

    def recall(self, key: str) -> str | None:
        if key not in self._lookups:
            if self._lookups_complete:
                return None
            found = (
                self.database.cursor()
                .execute(
                    "SELECT value FROM projection_lookups WHERE projection = ? AND key = ?",
                    [self.name, key],
                )
                .fetchone()
            )
            if found is None:
                return None
            self._lookups[key] = found[0]
        return self._lookups[key]

    def position(self) -> int:
        found = (
            self.database.cursor()
            .execute("SELECT position FROM projection_positions WHERE name = ?", [self.name])
            .fetchone()
        )
        return int(found[0]) if found else 0

    def apply(
        self, events: list[tuple[int, DomainEventProtocol[Any]]], after: int, through: int
    ) -> None:
        if not events and after > 0:
            # Nothing for this report (most pages, following live): one statement.
            moved = (
                self.database.cursor()
                .execute(
                    "UPDATE projection_positions SET position = ? WHERE name = ? AND position = ?",
                    [through, self.name, after],
                )
                .fetchone()
            )
            if not moved or moved[0] != 1:
                raise PositionMoved(self.name)
            return
        self._batch.rows = {}
        self._batch.updates = {}
        self._batch.deletions = {}
        self._batch.lookups = {}
        for seq, event in events:
            self.handle(seq, event)
        db = self.database.cursor()
        db.execute("BEGIN TRANSACTION")
        try:
            tables = self._tables()
            for table in tables:
                self._insert_rows(db, table)
            for table in tables:
                self._update_rows(db, table)
            for table in tables:
                for condition, parameters in self.deletions_of(table.name):
                    db.execute(f"DELETE FROM {table.name} WHERE {condition}", parameters)
            lookups = self._batch.lookups
            if lookups:
                db.execute(
                    "INSERT OR REPLACE INTO projection_lookups SELECT ?, UNNEST(?), UNNEST(?)",
                    [self.name, list(lookups), list(lookups.values())],
                )
            self._move_position(db, after, through)
            db.execute("COMMIT")
        except (duckdb.ConstraintException, duckdb.TransactionException) as e:
            # Another runner moved the position first: nothing of this batch stays.
            _rollback(db)
            self._forget_batch_lookups()
            raise PositionMoved(self.name) from e
        except BaseException:
            _rollback(db)
            self._forget_batch_lookups()
            raise
        finally:
            self._batch.rows = {}
            self._batch.updates = {}
            self._batch.deletions = {}
            self._batch.lookups = {}

    def _forget_batch_lookups(self) -> None:
        """A rolled-back batch's facts are read again from the table when needed."""
        for key in self._batch.lookups:
            self._lookups.pop(key, None)
        self._lookups_complete = False

    def _insert_rows(self, db: duckdb.DuckDBPyConnection, table: Table) -> None:
        rows = self.rows_of(table.name)
        if not rows:
            return
        # Column-wise UNNEST inserts ~70x faster than executemany (bench/catchup.py).
        columns = [list(column) for column in zip(*rows, strict=True)]
        selects = ", ".join(f"UNNEST(${i + 1})" for i in range(len(table.columns)))
        db.execute(
            f"INSERT INTO {table.name} ({', '.join(table.columns)}) SELECT {selects}", columns
        )

    def _update_rows(self, db: duckdb.DuckDBPyConnection, table: Table) -> None:
        """The batch's updates, one statement per column: the last value given for a
        row wins, as if they were applied one by one (one UPDATE per row costs ~1 ms)."""
        latest: dict[str, dict[Any, Any]] = {}
        for column, value, key in self.updates_of(table.name):
            latest.setdefault(column, {})[key] = value
        for column, by_key in latest.items():
            values = list(by_key.values())
            if len({type(v) for v in values if v is not None}) > 1:
                for key, value in by_key.items():  # no one list type for DuckDB
                    db.execute(
                        f"UPDATE {table.name} SET {column} = ? WHERE {table.key_column} = ?",
                        [value, key],
                    )
                continue
            db.execute(
                f"UPDATE {table.name} SET {column} = u.v "
                "FROM (SELECT UNNEST(?) AS k, UNNEST(?) AS v) AS u "
                f"WHERE {table.name}.{table.key_column} = u.k",
                [list(by_key), values],
            )

    def _move_position(self, db: duckdb.DuckDBPyConnection, after: int, through: int) -> None:
        current = db.execute(
            "SELECT position FROM projection_positions WHERE name = ?", [self.name]
        ).fetchone()
        before = int(current[0]) if current else 0
        if before != after:
            raise PositionMoved(self.name)
        if current is None:
            db.execute("INSERT INTO projection_positions VALUES (?, ?)", [self.name, through])
        else:
            db.execute(
                "UPDATE projection_positions SET position = ? WHERE name = ?",
                [through, self.name],
            )

    def reset(self) -> None:
        db = self.database.cursor()
        db.execute("BEGIN TRANSACTION")
        for table in self._tables():
            db.execute(f"DROP TABLE IF EXISTS {table.name}")
        db.execute("DELETE FROM projection_positions WHERE name = ?", [self.name])
        db.execute("DELETE FROM projection_lookups WHERE projection = ?", [self.name])
        self._lookups = {}
        self._lookups_complete = True
        for table in self._tables():
            db.execute(table.ddl)
        db.execute("COMMIT")


def _rollback(db: duckdb.DuckDBPyConnection) -> None:
    try:
        db.execute("ROLLBACK")
    except duckdb.TransactionException:
        pass  # DuckDB already rolled back the failed commit
