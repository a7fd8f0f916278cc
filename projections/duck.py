"""DuckDB read models for reports (ARCHITECTURE §4): columnar, written in batches.

DuckDB allows one writer process per file: the process that owns the file
(`quorum serve`) also answers the report queries.
"""

from __future__ import annotations

import threading
from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from eventsourcing.domain import DomainEventProtocol

from projections.engine import Part, PositionMoved, Projection

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
    """One DuckDB file shared by the report projections of a process; as a follower's
    `Transactions` (projections/engine.py) it commits their batches in one transaction."""

    shared = True

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

    def positions(self, projections: Sequence[Projection]) -> list[int]:
        """The positions of these projections, in one query."""
        rows = self.cursor().execute("SELECT name, position FROM projection_positions")
        found = {str(name): int(position) for name, position in rows.fetchall()}
        return [found.get(projection.name, 0) for projection in projections]

    def apply_together(self, parts: Sequence[Part]) -> None:
        """Several report projections' batches in ONE transaction, each projection's
        position moved with its rows; PositionMoved (and nothing of any part stays) if
        a projection is not at its `after`."""
        projections = [_report(projection) for projection, *_ in parts]
        db = self.cursor()
        try:
            for projection, (_, events, _, _) in zip(projections, parts, strict=True):
                projection._prepare(events)
            db.execute("BEGIN TRANSACTION")
            for projection in projections:
                projection._write(db)
            _store_lookups(db, projections)
            _move_positions(db, [(p.name, after, through) for p, _, after, through in parts])
            db.execute("COMMIT")
        except (duckdb.ConstraintException, duckdb.TransactionException) as e:
            # Another runner moved a position first: nothing of this batch stays.
            _rollback(db)
            for projection in projections:
                projection._forget_batch_lookups()
            raise PositionMoved(", ".join(p.name for p in projections)) from e
        except BaseException:
            _rollback(db)
            for projection in projections:
                projection._forget_batch_lookups()
            raise
        finally:
            for projection in projections:
                projection._clear_batch()


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
        pending: dict[str, str] | None = getattr(self._batch, "lookups", None)
        if pending is None:
            pending = self._batch.lookups = {}
        if key not in pending and (key in self._lookups or not self._lookups_complete):
            self._replacing().add(key)  # stored already, or may be
        self._lookups[key] = value
        pending[key] = value

    def _replacing(self) -> set[str]:
        """The batch's lookups that may be stored already (the others are new)."""
        replacing: set[str] | None = getattr(self._batch, "replacing", None)
        if replacing is None:
            replacing = self._batch.replacing = set()
        return replacing

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
        self.database.apply_together([(self, events, after, through)])

    def _prepare(self, events: list[tuple[int, DomainEventProtocol[Any]]]) -> None:
        """Run the handlers: the batch's rows, updates, deletions and lookups."""
        self._clear_batch()
        for seq, event in events:
            self.handle(seq, event)

    def _write(self, db: duckdb.DuckDBPyConnection) -> None:
        """The prepared batch's rows, inside the caller's transaction (its lookups and
        position are the caller's too)."""
        tables = self._tables()
        for table in tables:
            self._insert_rows(db, table)
        for table in tables:
            self._update_rows(db, table)
        for table in tables:
            for condition, parameters in self.deletions_of(table.name):
                db.execute(f"DELETE FROM {table.name} WHERE {condition}", parameters)

    def _batch_lookups(self) -> list[tuple[str, str, bool]]:
        """(key, value, whether it may be stored already) of the batch's lookups."""
        replacing = self._replacing()
        return [(key, value, key in replacing) for key, value in self._batch.lookups.items()]

    def _clear_batch(self) -> None:
        self._batch.rows = {}
        self._batch.updates = {}
        self._batch.deletions = {}
        self._batch.lookups = {}
        self._batch.replacing = set()

    def _forget_batch_lookups(self) -> None:
        """A rolled-back batch's facts are read again from the table when needed."""
        for key in getattr(self._batch, "lookups", {}):
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
        """The batch's updates in one statement: the last value given for a row and
        column wins, as if they were applied one by one (one UPDATE per row costs ~1 ms,
        each statement a scan of the table)."""
        latest: dict[str, dict[Any, Any]] = {}
        for column, value, key in self.updates_of(table.name):
            latest.setdefault(column, {})[key] = value
        merged: dict[str, dict[Any, Any]] = {}
        for column, by_key in latest.items():
            if len({type(v) for v in by_key.values() if v is not None}) > 1:
                for key, value in by_key.items():  # no one list type for DuckDB
                    db.execute(
                        f"UPDATE {table.name} SET {column} = ? WHERE {table.key_column} = ?",
                        [value, key],
                    )
            else:
                merged[column] = by_key
        if not merged:
            return
        keys = list(dict.fromkeys(key for by_key in merged.values() for key in by_key))
        sets, selects, parameters = [], ["UNNEST(?) AS k"], [keys]
        for i, (column, by_key) in enumerate(merged.items()):
            parameters.append([by_key.get(key) for key in keys])
            selects.append(f"UNNEST(?) AS v{i}")
            if len(by_key) == len(keys):
                sets.append(f"{column} = u.v{i}")
                continue
            # Rows this column is not updated in keep their value.
            parameters.append([key in by_key for key in keys])
            selects.append(f"UNNEST(?) AS s{i}")
            sets.append(f"{column} = CASE WHEN u.s{i} THEN u.v{i} ELSE {table.name}.{column} END")
        db.execute(
            f"UPDATE {table.name} SET {', '.join(sets)} "
            f"FROM (SELECT {', '.join(selects)}) AS u WHERE {table.name}.{table.key_column} = u.k",
            parameters,
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


def _report(projection: Projection) -> DuckDBProjection:
    if not isinstance(projection, DuckDBProjection):
        raise TypeError(f"{projection.name} is not a DuckDB report")
    return projection


def _store_lookups(db: duckdb.DuckDBPyConnection, projections: list[DuckDBProjection]) -> None:
    """The facts the projections' batches learnt: new keys in one INSERT, those that
    may be stored already in one INSERT OR REPLACE (~5x slower on a large table)."""
    rows = [(p.name, *lookup) for p in projections for lookup in p._batch_lookups()]
    for replace in (False, True):
        chosen = [row[:3] for row in rows if row[3] is replace]
        if not chosen:
            continue
        names, keys, values = (list(column) for column in zip(*chosen, strict=True))
        verb = "INSERT OR REPLACE" if replace else "INSERT"
        db.execute(
            f"{verb} INTO projection_lookups SELECT UNNEST(?), UNNEST(?), UNNEST(?)",
            [names, keys, values],
        )


def _move_positions(db: duckdb.DuckDBPyConnection, moves: list[tuple[str, int, int]]) -> None:
    """Move each (name, after, through) position, compare-and-set, in two statements
    at most; PositionMoved if one is not at its `after`."""
    new = [(name, through) for name, after, through in moves if after == 0]
    if new:
        # A row already there (another runner was first) breaks the primary key.
        db.execute(
            "INSERT INTO projection_positions SELECT UNNEST(?), UNNEST(?)",
            [list(column) for column in zip(*new, strict=True)],
        )
    moving = [move for move in moves if move[1] != 0]
    if not moving:
        return
    names, afters, throughs = (list(column) for column in zip(*moving, strict=True))
    moved = db.execute(
        "UPDATE projection_positions SET position = u.through "
        "FROM (SELECT UNNEST(?) AS name, UNNEST(?) AS after, UNNEST(?) AS through) AS u "
        "WHERE projection_positions.name = u.name AND projection_positions.position = u.after",
        [names, afters, throughs],
    ).fetchone()
    if not moved or moved[0] != len(moving):
        raise PositionMoved(", ".join(names))


def _rollback(db: duckdb.DuckDBPyConnection) -> None:
    try:
        db.execute("ROLLBACK")
    except duckdb.TransactionException:
        pass  # DuckDB already rolled back the failed commit
