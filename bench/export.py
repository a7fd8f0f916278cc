"""The Events CSV export of a large report through the route's own path (issue 7 (c)).

    .venv/bin/python -m bench.export [--rows 1000000] [--timezone Europe/Berlin]
        [--encoding utf-8-sig] [--delimiter ';'] [--no-baseline]

A fresh nats-server and a `QuorumSystem` with its reports; the Events table is filled
with `--rows` realistic rows by one INSERT (sign-ins and status changes over a year, so
the viewer's zone changes offset inside the range; one row in 20 with a Cyrillic name,
which the table stores as JSON escapes, some with quotes, delimiters and line breaks).
Then `routes.answer` (the report read, the CSV form, `csv.line`, `csv_response`) with
its streamed body consumed, as `GET /logs/events/export` does; and, as the baseline in
the same run, the row-by-row path it replaced (every row as a dict with datetimes and
decoded JSON, `render`, `json.dumps`, `csv.writer`), whose bytes must be the same.
Prints its figures; writes nothing to docs.
"""

from __future__ import annotations

import argparse
import asyncio
import codecs
import csv
import hashlib
import io
import json
import time
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from fastapi import Response
from fastapi.responses import StreamingResponse

from adapters.bootstrap import QuorumSystem
from api import report_routes as routes
from api.auth import Principal
from api.csv_export import CHUNK_ROWS, ViewerFormat
from bench.common import machine_lines, running_system
from projections import events_report
from projections.events_report import EVENTS_CSV, EVENTS_REPORT

FILL = r"""
INSERT INTO events
SELECT 1000000000 + i,
  TIMESTAMPTZ '2025-01-01 00:00:00+00'
    + to_microseconds((i * (31536000000000 // $n)) + (i * 7919) % 1000000),
  CASE WHEN i % 10 < 7 THEN 'login' WHEN i % 10 < 9 THEN 'logout' ELSE 'status' END,
  'user',
  CASE WHEN i % 10 < 7 THEN 'Low' ELSE 'Medium' END,
  'user' || lpad((i % 3000)::VARCHAR, 5, '0')
    || CASE WHEN i % 97 = 0 THEN ', "quoted"; x' ELSE '' END,
  CASE WHEN i % 5 = 0 THEN NULL ELSE '192.0.2.' || (i % 250)::VARCHAR END,
  '{"actor": "user' || lpad((i % 3000)::VARCHAR, 5, '0')
    || '", "actor_kind": "user", "application": "Quorum Desktop", "endpoint_id": "ep-'
    || md5(i::VARCHAR)[:16]
    || '", "user_agent": "Quorum/5.2 (Windows NT 10.0; Win64)", "result": 0, "login": "user'
    || lpad((i % 3000)::VARCHAR, 5, '0') || '", "user_id": "user'
    || lpad((i % 3000)::VARCHAR, 5, '0') || '", "display_name": '
    || CASE
         WHEN i % 20 = 0 THEN '"\u0418\u0432\u0430\u043d \u041f\u0435\u0442\u0440\u043e\u0432"'
         WHEN i % 53 = 0 THEN '"Line\nbreak, \"q\"; semi"'
         ELSE '"User ' || (i % 3000)::VARCHAR || '"'
       END
    || ', "method": "password", "zone": "internal", "rights": "111111111011", '
    || '"session_id": "' || md5(i::VARCHAR)[17:32] || '"}'
FROM range($n) t(i)
"""


def fill(system: QuorumSystem, rows: int) -> int:
    assert system.reports is not None
    db = system.reports.cursor()
    db.execute(FILL, {"n": rows})
    found = db.execute("SELECT count(*) FROM events").fetchone()
    return int(found[0]) if found else 0


def principal(fmt: ViewerFormat) -> Principal:
    return Principal(
        name="bench-admin",
        role="admin",
        via="session",
        session_id=None,
        preferences={
            "timezone": fmt.timezone,
            "csv_encoding": fmt.encoding,
            "csv_delimiter": fmt.delimiter,
        },
        ip="192.0.2.10",
        user_agent="bench",
    )


def consume(chunks: Iterable[bytes]) -> tuple[int, int, str]:
    """Bytes, lines and sha256 of a body."""
    digest = hashlib.sha256()
    size = lines = 0
    for data in chunks:
        size += len(data)
        lines += data.count(b"\r\n")
        digest.update(data)
    return size, lines, digest.hexdigest()


def export_now(system: QuorumSystem, fmt: ViewerFormat) -> tuple[int, int, str]:
    """`GET /logs/events/export` without HTTP: the route's `answer`, its streamed body
    drained as Starlette drains it (each piece from a worker thread)."""
    filters: dict[str, Any] = {}
    reply = routes.answer(
        EVENTS_REPORT, filters, principal(fmt), system, Response(), routes.Order(), None
    )
    assert isinstance(reply, StreamingResponse)
    body = reply.body_iterator

    async def drain() -> list[bytes]:
        return [chunk.encode() if isinstance(chunk, str) else bytes(chunk) async for chunk in body]

    return consume(asyncio.run(drain()))


def old_line(r: dict[str, Any], fmt: ViewerFormat) -> tuple[Any, ...]:
    return (
        routes.render(r["date"], fmt),
        r["event"],
        r["source"],
        r["severity"],
        r["object_name"],
        r["ip"] or "",
        json.dumps(r["details"], ensure_ascii=False),
    )


def old_chunks(
    header: Sequence[str], rows: Iterable[Sequence[Any]], fmt: ViewerFormat
) -> Iterator[bytes]:
    """The former `csv_chunks`: csv.writer into a buffer, one incremental encoder."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=fmt.delimiter, lineterminator="\r\n")
    encoder = codecs.getincrementalencoder(fmt.encoding)(errors="replace")
    writer.writerow(header)
    remaining = iter(rows)
    while True:
        chunk = list(islice(remaining, CHUNK_ROWS))
        writer.writerows(chunk)
        last = len(chunk) < CHUNK_ROWS
        piece = encoder.encode(buffer.getvalue(), final=last)
        buffer.seek(0)
        buffer.truncate()
        if piece:
            yield piece
        if last:
            return


def export_before(system: QuorumSystem, fmt: ViewerFormat) -> tuple[int, int, str]:
    """The row-by-row path this replaced, on the same rows."""
    filters: dict[str, Any] = {}
    found = system.report_reads.read(events_report.query, filters, paged=False)
    _, rows = found.value
    lines = (old_line(r, fmt) for r in rows)
    return consume(old_chunks(EVENTS_CSV.header, lines, fmt))


def timed(what: str, run: Any) -> tuple[float, tuple[int, int, str]]:
    started = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - started
    size, lines, _ = result
    print(f"  {what}: {lines - 1:,} rows, {size / 1e6:,.0f} MB in {seconds:.2f} s", flush=True)
    return seconds, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--timezone", default="Europe/Berlin")
    parser.add_argument("--encoding", default="utf-8-sig")
    parser.add_argument("--delimiter", default=";")
    parser.add_argument("--no-baseline", action="store_true", help="skip the old path")
    args = parser.parse_args()
    fmt = ViewerFormat(args.timezone, args.encoding, args.delimiter)
    print("\n".join(machine_lines()), flush=True)
    with running_system(with_reports=True) as system:
        print(f"filling the Events report with {args.rows:,} rows ...", flush=True)
        print(f"  {fill(system, args.rows):,} rows", flush=True)
        for runner in system.runners.values():
            runner.catch_up()  # else each report read waits for freshness in vain
        print(f"exporting ({fmt.timezone}, {fmt.encoding}, {fmt.delimiter!r}) ...")
        now, (_, _, digest) = timed("route path now", lambda: export_now(system, fmt))
        if not args.no_baseline:
            then, (_, _, before) = timed("before", lambda: export_before(system, fmt))
            print(f"  {then / now:.1f}x faster; same bytes: {digest == before}")


if __name__ == "__main__":
    main()
