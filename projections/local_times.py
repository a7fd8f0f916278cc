"""Report times as text in a viewer's time zone, written by DuckDB in SQL: the same text
as `moment.astimezone(ZoneInfo(zone)).isoformat()`, without a Python datetime per row.

The zone's offsets come from Python's `zoneinfo` (not DuckDB's ICU, whose time zone
data may differ): the stretches of constant UTC offset over the column's range become
a CASE on the epoch microseconds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
STEP_US = 86_400_000_000
"""Offsets are sampled a day apart, transitions found between samples by bisection (no
zone changes its offset twice within a day)."""
WHOLE_SECONDS = "%Y-%m-%dT%H:%M:%S"


def local_time_sql(db: duckdb.DuckDBPyConnection, table: str, column: str, zone: str) -> str:
    """A SQL expression: `column` (TIMESTAMPTZ) as ISO 8601 text in `zone`, NULL kept."""
    found = db.execute(f"SELECT min(epoch_us({column})), max(epoch_us({column})) FROM {table}")
    first, last = found.fetchone() or (None, None)
    if first is None:
        return f"CAST({column} AS VARCHAR)"  # no rows: never rendered
    # A day either side: rows added between this and the export's own read.
    stretches = offset_stretches(ZoneInfo(zone), first - STEP_US, last + STEP_US)
    micros = f"epoch_us({column})"
    offset = _by_stretch(micros, [(start, str(off)) for start, off, _ in stretches])
    suffix = _by_stretch(micros, [(start, _literal(text)) for start, _, text in stretches])
    local = f"make_timestamp({micros} + {offset})"
    return (
        f"CASE WHEN {column} IS NULL THEN NULL "
        f"WHEN {micros} % 1000000 = 0 THEN strftime({local}, '{WHOLE_SECONDS}') || {suffix} "
        f"ELSE strftime({local}, '{WHOLE_SECONDS}.%f') || {suffix} END"
    )


def offset_stretches(zone: ZoneInfo, first: int, last: int) -> list[tuple[int, int, str]]:
    """(from epoch µs, UTC offset in µs, offset as isoformat writes it) for each stretch
    of constant offset covering [first, last]; the first stretch reaches back forever."""
    stretches = [(first, *_offset(zone, first))]
    at = first
    while at < last:
        step = min(at + STEP_US, last)
        if _offset(zone, step)[0] != stretches[-1][1]:
            low, high = at, step  # offset(low) is the current one, offset(high) not
            while high - low > 1:
                middle = (low + high) // 2
                if _offset(zone, middle)[0] == stretches[-1][1]:
                    low = middle
                else:
                    high = middle
            stretches.append((high, *_offset(zone, high)))
        at = step
    return stretches


def _offset(zone: ZoneInfo, micros: int) -> tuple[int, str]:
    whole = micros - micros % 1_000_000  # no fraction: isoformat's offset starts at [19:]
    local = (EPOCH + timedelta(microseconds=whole)).astimezone(zone)
    offset = local.utcoffset() or timedelta(0)
    return offset // timedelta(microseconds=1), local.isoformat()[19:]


def _by_stretch(micros: str, values: list[tuple[int, str]]) -> str:
    if len(values) == 1:
        return values[0][1]
    cases = " ".join(
        f"WHEN {micros} < {start} THEN {value}"
        for (start, _), (_, value) in zip(values[1:], values[:-1], strict=True)
    )
    return f"(CASE {cases} ELSE {values[-1][1]} END)"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
