"""Sort and page a report table (the common report functions of guide §16); the
conditions come from the report's declared filters (projections/report_spec.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb

from projections.local_times import local_time_sql

MAX_PAGE_SIZE = 1000
PIECE = 5_000
"""Rows fetched from DuckDB at a time by an export."""
Step = Callable[[dict[str, Any]], None]
"""A report's own touch to each row it reads (a derived column, a renamed value)."""
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TIMESTAMPS: dict[tuple[str, tuple[str, ...]], frozenset[str]] = {}
"""The TIMESTAMPTZ columns of each (table, columns) read."""


@dataclass
class ReportPaging:
    """Where-clauses with their parameters, a sort column and a page."""

    sortable: tuple[str, ...]
    default_sort: str = "date"
    conditions: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    sort_field: str | None = None
    descending: bool = True
    page: int = 1
    page_size: int = 50

    def where(self) -> str:
        return f"WHERE {' AND '.join(self.conditions)}" if self.conditions else ""

    def order_by(self) -> str:
        column = self.sort_field or self.default_sort
        if column not in self.sortable:
            raise ValueError(f"cannot sort by {column!r}")
        direction = "DESC" if self.descending else "ASC"
        return f"ORDER BY {column} {direction}, seq {direction}"

    def run(
        self,
        db: duckdb.DuckDBPyConnection,
        table: str,
        columns: tuple[str, ...],
        json_columns: tuple[str, ...] = (),
        paged: bool = True,
    ) -> tuple[int, list[dict[str, Any]]]:
        """The total count and the rows (one page, or all) as dicts; `json_columns`
        hold JSON text and come back decoded."""
        where = self.where()
        found = db.execute(f"SELECT count(*) FROM {table} {where}", self.params).fetchone()
        total = int(found[0]) if found else 0
        # Times come as epoch microseconds: DuckDB's own datetimes cost ~4 µs a value,
        # which is most of a 1M-row CSV export.
        times = _timestamp_columns(db, table, columns)
        selected = [f"epoch_us({c})" if c in times else c for c in columns]
        sql = f"SELECT {', '.join(selected)} FROM {table} {where} {self.order_by()}"
        params = list(self.params)
        if paged:
            sql += " LIMIT ? OFFSET ?"
            params += [self.page_size, (self.page - 1) * self.page_size]
        fetched = db.execute(sql, params).fetchall()
        rows = [dict(zip(columns, values, strict=True)) for values in fetched]
        decoded = [c for c in columns if c in times]
        for row in rows:
            for name in decoded:
                if row[name] is not None:
                    row[name] = EPOCH + timedelta(microseconds=row[name])
            for name in json_columns:
                row[name] = json.loads(row[name])
        return total, rows

    def export(
        self,
        db: duckdb.DuckDBPyConnection,
        table: str,
        columns: tuple[str, ...],
        zone: str,
        each: Step | None = None,
    ) -> tuple[int, StreamedRows]:
        """The total count and every row, for a CSV: times as text in `zone` (what
        `datetime.astimezone(zone).isoformat()` gives), JSON columns as stored text."""
        where = self.where()
        found = db.execute(f"SELECT count(*) FROM {table} {where}", self.params).fetchone()
        total = int(found[0]) if found else 0
        times = _timestamp_columns(db, table, columns)
        selected = [local_time_sql(db, table, c, zone) if c in times else c for c in columns]
        sql = f"SELECT {', '.join(selected)} FROM {table} {where} {self.order_by()}"
        # Its own connection: the rows are read later, maybe on other threads, while
        # this thread's cursor answers other calls.
        cursor = db.cursor()
        cursor.execute(sql, self.params)
        return total, StreamedRows(cursor, columns, each)


class StreamedRows(list[dict[str, Any]]):
    """An export's rows, read from DuckDB in pieces as they are iterated (once), so that
    a million-row CSV never sits in memory. A list, empty until iterated: the report-call
    codec iterates lists, so a report replica still sends every row to its caller."""

    def __init__(
        self, cursor: duckdb.DuckDBPyConnection, columns: tuple[str, ...], each: Step | None
    ) -> None:
        super().__init__()
        self._cursor = cursor
        self._columns = columns
        self._each = each

    def __iter__(self) -> Iterator[dict[str, Any]]:
        columns, each = self._columns, self._each
        try:
            while piece := self._cursor.fetchmany(PIECE):
                for values in piece:
                    row = dict(zip(columns, values, strict=True))
                    if each is not None:
                        each(row)
                    yield row
        finally:
            self._cursor.close()

    def __repr__(self) -> str:
        return f"StreamedRows({', '.join(self._columns)})"


def _timestamp_columns(
    db: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...]
) -> frozenset[str]:
    key = (table, columns)
    if key not in _TIMESTAMPS:
        described = db.execute(f"SELECT {', '.join(columns)} FROM {table} LIMIT 0").description
        _TIMESTAMPS[key] = frozenset(
            name for name, kind, *_ in described if kind == "TIMESTAMP WITH TIME ZONE"
        )
    return _TIMESTAMPS[key]


def run_report(
    database: Any,
    table: str,
    columns: tuple[str, ...],
    sortable: tuple[str, ...],
    where: Callable[[ReportPaging], None],
    *,
    json_columns: tuple[str, ...] = (),
    sort_field: str | None = None,
    descending: bool = True,
    page: int = 1,
    page_size: int = 50,
    paged: bool = True,
    csv_zone: str | None = None,
    each: Step | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """One page (or all) of a report table: `where` adds the report's own filters,
    `each` touches every row. With `csv_zone`, every row for a CSV export
    (`ReportPaging.export`)."""
    q = ReportPaging(
        sortable=sortable,
        sort_field=sort_field,
        descending=descending,
        page=page,
        page_size=page_size,
    )
    where(q)
    db = database.cursor()
    if csv_zone is not None:
        return q.export(db, table, columns, csv_zone, each)
    total, rows = q.run(db, table, columns, json_columns=json_columns, paged=paged)
    if each is not None:
        for row in rows:
            each(row)
    return total, rows
