"""The rows a deletion by filter removes (RPT-04): the report's own filter conditions
over the rows of stream sequence `through` or before. The route counts with the same
condition the projection later deletes with, so the count is exact and a rebuilt
report deletes the same rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from projections.report_query import ReportQuery

Condition = tuple[str, list[Any]]
"""SQL condition and its parameters, as `DuckDBProjection.deletions_of` takes them."""


def matching(where: Callable[[ReportQuery], None], through: int) -> Condition:
    """The rows `where` (a report's filter conditions) selects, up to `through`."""
    q = ReportQuery(sortable=())
    where(q)
    q.conditions.append("seq <= ?")
    q.params.append(through)
    return " AND ".join(q.conditions), q.params


def in_sessions(session_ids: Sequence[str], through: int) -> Condition:
    """The rows of these sessions, up to `through` (the Call History cascade)."""
    return "list_contains(?::VARCHAR[], session_id) AND seq <= ?", [list(session_ids), through]


def count(database: Any, table: str, condition: Condition) -> int:
    sql, params = condition
    found = database.cursor().execute(f"SELECT count(*) FROM {table} WHERE {sql}", params)
    row = found.fetchone()
    return int(row[0]) if row else 0
