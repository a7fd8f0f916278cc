"""A report declared once (guide §16): its table, columns, sort columns, typed filters
and CSV layout. From one `Report` come its query and count on DuckDB, the rows a
deletion by filter removes, and (api/routes/report_routes.py) its list, `/export` and
`DELETE` routes with each filter as a documented query parameter.

A report's filter values travel as a plain mapping, filter key → parsed value (dates
as datetimes, lists as tuples, unset filters absent or None), through the report reads
(projections/report_reads.py) and, as JSON text, in a `ReportDeletion`'s `filters`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from domain.shared.errors import invalid
from projections.report_paging import ReportPaging, Step, run_report

Condition = tuple[str, list[Any]]
"""SQL condition and its parameters, as `DuckDBProjection.deletions_of` takes them."""
FilterValues = Mapping[str, Any]
Kind = Literal["text", "texts", "date", "flag"]
Match = Callable[[Any], Iterator[Condition]]
DATES = "ISO 8601 date-time or Unix seconds; a date-time without zone is UTC"


def parse_when(name: str, value: str | None) -> datetime | None:
    """ISO 8601 or Unix seconds (API.md); a date without zone is UTC."""
    if value is None or value == "":
        return None
    try:
        if value.lstrip("-").isdigit():
            return datetime.fromtimestamp(int(value), UTC)
        parsed = datetime.fromisoformat(value)
    except (ValueError, OverflowError, OSError):
        raise invalid(name, "must be an ISO 8601 date-time or Unix seconds") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Filter:
    """One filter: its value's parameter type, how a given value is checked, and the
    SQL conditions a value adds (none for an unset one)."""

    key: str
    """The value's name in `FilterValues` and in a deletion's record."""
    kind: Kind
    match: Match
    description: str = ""
    param: str = ""
    """Its query parameter's name, when not the key."""
    by_route: bool = False
    """Set by the route (a path, who asks), never a query parameter."""
    choices: tuple[str, ...] = ()
    lowercase: bool = False

    @property
    def parameter(self) -> str | None:
        return None if self.by_route else self.param or self.key

    def parse(self, given: Any) -> Any:
        """The value of the query parameter as given; a bad one is a 400 naming it."""
        name = self.parameter or self.key
        if self.kind == "date":
            return parse_when(name, given)
        if self.kind == "texts":
            return tuple(given or ())
        if self.choices and given is not None and given not in self.choices:
            raise invalid(name, f"one of {', '.join(self.choices)}")
        if self.lowercase:
            return given.lower() if given else None
        return given

    def stored(self, record: Any) -> Any:
        """The value as a deletion's record holds it (`filters_record`)."""
        if self.kind == "date" and isinstance(record, str):
            return datetime.fromisoformat(record)
        if isinstance(record, list):
            return tuple(record)
        return record


def equals(key: str, column: str | None = None, **options: Any) -> Filter:
    def match(value: Any) -> Iterator[Condition]:
        if value is not None:
            yield f"{column or key} = ?", [value]

    kind: Kind = "flag" if options.pop("flag", False) else "text"
    return Filter(key, kind, match, **options)


def contains(key: str, column: str | None = None, **options: Any) -> Filter:
    def match(value: Any) -> Iterator[Condition]:
        if value:
            yield f"{column or key} ILIKE ?", [f"%{value}%"]

    return Filter(key, "text", match, **options)


def since(key: str, column: str = "date", **options: Any) -> Filter:
    def match(value: Any) -> Iterator[Condition]:
        if value is not None:
            yield f"{column} >= ?", [value]

    return Filter(key, "date", match, options.pop("description", DATES), **options)


def until(key: str, column: str = "date", **options: Any) -> Filter:
    def match(value: Any) -> Iterator[Condition]:
        if value is not None:
            yield f"{column} <= ?", [value]

    return Filter(key, "date", match, options.pop("description", DATES), **options)


def one_of(key: str, column: str, **options: Any) -> Filter:
    def match(values: Any) -> Iterator[Condition]:
        if values:
            yield f"{column} IN ({', '.join('?' for _ in values)})", list(values)

    return Filter(key, "texts", match, **options)


def flag(key: str, when_true: str, when_false: str, **options: Any) -> Filter:
    def match(value: Any) -> Iterator[Condition]:
        if value is not None:
            yield (when_true if value else when_false), []

    return Filter(key, "flag", match, **options)


def carried(key: str) -> Filter:
    """A value the route sets for the report's `adjust` or `each`: no condition itself."""
    return Filter(key, "text", lambda _: iter(()), by_route=True)


def dates(column: str = "date", what: str = "") -> tuple[Filter, Filter]:
    """`date_from` and `date_to`, both inclusive."""
    of = f" ({what})" if what else ""
    return (
        since("date_from", column, description=f"From{of}: {DATES}"),
        until("date_to", column, description=f"Until{of}: {DATES}"),
    )


@dataclass(frozen=True)
class CsvLayout:
    name: str
    header: tuple[str, ...]
    line: Callable[[dict[str, Any]], Sequence[Any]]
    """A row, as the report's query gives it for a CSV (times as text), as CSV fields."""


@dataclass(frozen=True, eq=False)
class Report:
    """A report's declaration; `rows` and `count` are its report reads."""

    name: str
    projection: str
    table: str
    columns: tuple[str, ...]
    sortable: tuple[str, ...]
    filters: tuple[Filter, ...]
    call: str = "query"
    """The name of its `rows` report read within its projection (`events.query`)."""
    json_columns: tuple[str, ...] = ()
    always: tuple[str, ...] = ()
    """Conditions every read has (e.g. a recording still running is not a file yet)."""
    csv: CsvLayout | None = None
    """None: the report has no CSV export."""
    deletion: str | None = None
    """The report's name in a `ReportDeletion` by filter (RPT-04); None: none."""
    adjust: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    """Values as the SQL compares them (e.g. the server's name as the stored marker)."""
    each: Callable[[FilterValues], Step | None] | None = None
    """A touch to every row read, given the filter values."""

    def parameters(self) -> tuple[Filter, ...]:
        """The filters a caller sets by query parameter, in order."""
        return tuple(f for f in self.filters if f.parameter is not None)

    def values(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """The filter values from the query parameters as given (by parameter name)."""
        return {f.key: f.parse(given.get(f.parameter)) for f in self.parameters() if f.parameter}

    def values_from(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The filter values a deletion's record (`filters_record`) was made from."""
        return {f.key: f.stored(record[f.key]) for f in self.filters if f.key in record}

    def where(self, q: ReportPaging, filters: FilterValues) -> None:
        values = dict(filters)
        if self.adjust is not None:
            values = self.adjust(values)
        q.conditions.extend(self.always)
        for f in self.filters:
            for sql, params in f.match(values.get(f.key)):
                q.conditions.append(sql)
                q.params.extend(params)

    def rows(
        self, database: Any, filters: FilterValues, **paging: Any
    ) -> tuple[int, list[dict[str, Any]]]:
        """One page (or all, or all for a CSV) of the rows the filters match."""
        return run_report(
            database,
            self.table,
            self.columns,
            self.sortable,
            lambda q: self.where(q, filters),
            json_columns=self.json_columns,
            each=self.each(filters) if self.each else None,
            **paging,
        )

    def deleted(self, filters: FilterValues, through: int) -> Condition:
        """The rows a deletion by these filters removes (RPT-04): those matching, of
        stream sequence `through` or before. The count and the projection's deletion
        both use it, so the count is exact and a rebuilt report deletes the same rows."""
        q = ReportPaging(sortable=())
        self.where(q, filters)
        q.conditions.append("seq <= ?")
        q.params.append(through)
        return " AND ".join(q.conditions), q.params

    def count(self, database: Any, filters: FilterValues, through: int) -> int:
        """How many rows a deletion by these filters removes."""
        return count(database, self.table, self.deleted(filters, through))

    def deletion_of(self, event: Any) -> Condition | None:
        """The rows a `ReportDeletion.Created` removes from this report, if any."""
        if self.deletion is None or event.report != self.deletion:
            return None
        return self.deleted(self.values_from(event.filters or {}), event.through)


def count(database: Any, table: str, condition: Condition) -> int:
    sql, params = condition
    found = database.cursor().execute(f"SELECT count(*) FROM {table} WHERE {sql}", params)
    row = found.fetchone()
    return int(row[0]) if row else 0
