"""The fast CSV export (times written by DuckDB, stored JSON as it is, rows streamed, own
quoting) gives the same bytes as rendering row by row with `render`, `json.dumps` and
`csv.writer` did."""

from __future__ import annotations

import codecs
import csv
import io
import json
import random
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from api.csv_export import CHUNK_ROWS, ViewerFormat, csv_chunks, csv_line_writer
from api.report_routes import render
from projections import events_report
from projections.duck import ReportsDatabase
from projections.events_report import EVENTS_CSV, EventsReport
from projections.local_times import local_time_sql
from projections.report_reads import CODEC
from projections.report_spec import FilterValues

BERLIN_SPRING = datetime(2025, 3, 30, 1, 0, tzinfo=UTC)  # 02:00 CET becomes 03:00 CEST
BERLIN_AUTUMN = datetime(2025, 10, 26, 1, 0, tzinfo=UTC)  # 03:00 CEST becomes 02:00 CET
AWKWARD = [
    "Иван Петров",
    'say "hi"',
    "semi;colon, comma",
    "tab\there",
    "two\nlines",
    "cr\rlf\r\n",
    "€ and 😀",
    "back\\slash \\u0041",
    "",
]


def old_csv(header: Sequence[str], lines: list[Sequence[Any]], fmt: ViewerFormat) -> bytes:
    """How the export was written before: csv.writer, then one encoder."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=fmt.delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(lines)
    encoder = codecs.getincrementalencoder(fmt.encoding)(errors="replace")
    return encoder.encode(buffer.getvalue(), final=True)


def old_event_line(r: dict[str, Any], fmt: ViewerFormat) -> tuple[Any, ...]:
    return (
        render(r["date"], fmt),
        r["event"],
        r["source"],
        r["severity"],
        r["object_name"],
        r["ip"] or "",
        json.dumps(r["details"], ensure_ascii=False),
    )


def moments() -> Iterator[datetime]:
    """Around both of Berlin's 2025 changes (to the microsecond), and a spread over
    the year with and without fractions of a second."""
    for change in (BERLIN_SPRING, BERLIN_AUTUMN):
        for delta in (-3600, -1, 0, 1, 1800, 3600):
            yield change + timedelta(seconds=delta)
        yield change - timedelta(microseconds=1)
        yield change + timedelta(microseconds=1)
    rnd = random.Random(3)
    start = datetime(2024, 12, 20, tzinfo=UTC)
    for _ in range(300):
        moment = start + timedelta(seconds=rnd.randrange(400 * 86400))
        yield moment + timedelta(microseconds=rnd.choice((0, 1, 999_999, rnd.randrange(10**6))))


@pytest.fixture
def reports(tmp_path: Path) -> Iterator[ReportsDatabase]:
    database = ReportsDatabase(tmp_path / "reports.duckdb")
    db = database.cursor()
    db.execute(EventsReport.table_ddl)
    rows = []
    for seq, moment in enumerate(moments()):
        text = AWKWARD[seq % len(AWKWARD)]
        details = {
            "actor": text,
            "display_name": AWKWARD[(seq + 3) % len(AWKWARD)],
            "count": seq,
            "ratio": seq / 7,
            "when": moment,  # stored as str (default=str)
            "control": "\x00\x1f\x7f" if seq % 11 == 0 else None,
        }
        ip = None if seq % 4 == 0 else f"192.0.2.{seq % 250}"
        stored = json.dumps(details, default=str)
        rows.append((seq, moment, "login", "user", "Low", f"{text}#{seq}", ip, stored))
    db.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    yield database
    database.close()


FORMATS = [
    ViewerFormat(timezone="Europe/Berlin", encoding="utf-8-sig", delimiter=";"),
    ViewerFormat(timezone="Europe/Berlin", encoding="cp1251", delimiter=","),
    ViewerFormat(timezone="America/St_Johns", encoding="utf-16", delimiter="\t"),
    ViewerFormat(timezone="UTC", encoding="utf-8", delimiter=","),
]


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f"{f.timezone}-{f.encoding}")
@pytest.mark.parametrize(
    "filters, order",
    [
        ({}, {}),
        (
            {"date_from": BERLIN_SPRING - timedelta(days=2), "date_to": BERLIN_AUTUMN},
            {"sort_field": "object_name", "descending": False},
        ),
        ({"object_name": "Иван"}, {"sort_field": "ip", "descending": True}),
    ],
)
def test_the_fast_export_writes_what_row_by_row_rendering_wrote(
    reports: ReportsDatabase, fmt: ViewerFormat, filters: FilterValues, order: dict[str, Any]
) -> None:
    total, rows = events_report.query(reports, filters, paged=False, **order)
    expected = old_csv(EVENTS_CSV.header, [old_event_line(r, fmt) for r in rows], fmt)

    count, streamed = events_report.query(reports, filters, csv_zone=fmt.timezone, **order)
    lines = (EVENTS_CSV.line(r) for r in streamed)
    written = b"".join(csv_chunks(EVENTS_CSV.header, lines, fmt))

    assert count == total > 0
    assert written == expected
    if fmt.encoding == "utf-8-sig":
        assert written.startswith(codecs.BOM_UTF8) and written.count(codecs.BOM_UTF8) == 1


def test_a_report_replica_sends_every_streamed_row(reports: ReportsDatabase) -> None:
    """The report-call codec iterates the streamed rows: a replica's caller gets them all."""
    total, streamed = events_report.query(reports, {}, csv_zone="Europe/Berlin")
    sent = CODEC.loads(CODEC.dumps((total, streamed)))
    _, again = events_report.query(reports, {}, csv_zone="Europe/Berlin")
    assert sent == (total, list(again))
    assert len(sent[1]) == total


def test_duckdb_writes_each_instant_as_isoformat_does(reports: ReportsDatabase) -> None:
    db = reports.cursor()
    for zone in ("Europe/Berlin", "America/St_Johns", "Australia/Lord_Howe", "Asia/Kolkata"):
        expression = local_time_sql(db, "events", "date", zone)
        found = db.execute(f"SELECT date, {expression} FROM events").fetchall()
        for moment, text in found:
            assert text == moment.astimezone(ZoneInfo(zone)).isoformat(), (zone, moment)


def test_csv_line_writer_quotes_as_csv_writer_does() -> None:
    rnd = random.Random(5)
    pieces = ["a", '"', ",", ";", "\t", " ", "\r", "\n", "é", "\\", "\x00", "\u2028", "ж"]
    for delimiter in (",", ";", "\t", " ", "é", "|"):
        line = csv_line_writer(delimiter)
        for _ in range(3000):
            row: list[Any] = [
                rnd.choice(
                    [
                        None,
                        rnd.randrange(-5, 10**6),
                        rnd.random() * 100,
                        True,
                        "".join(rnd.choice(pieces) for _ in range(rnd.randrange(5))),
                    ]
                )
                for _ in range(rnd.randrange(1, 5))
            ]
            buffer = io.StringIO()
            csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerow(row)
            assert line(row) == buffer.getvalue(), (delimiter, row)


def test_a_long_export_comes_in_pieces_with_one_byte_order_mark() -> None:
    fmt = ViewerFormat(timezone="UTC", encoding="utf-8-sig", delimiter=",")
    rows = ([str(i), "ж"] for i in range(CHUNK_ROWS * 2 + 3))
    pieces = list(csv_chunks(("n", "x"), rows, fmt))
    assert len(pieces) == 3
    body = b"".join(pieces)
    assert body.count(codecs.BOM_UTF8) == 1
    assert body.decode("utf-8-sig").count("\r\n") == CHUNK_ROWS * 2 + 4
