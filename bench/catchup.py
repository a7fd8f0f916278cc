"""Projection catch-up: how fast a fresh report reads a long stream.

    .venv/bin/python -m bench.catchup

Appends 100,000 real `ServerSettings.Edited` events (made by a real ServerSettings
aggregate and the application's mapper, written through our recorder in atomic
batches of 500) to a fresh nats-server with `sync_interval: always`, then:

- catch-up: a fresh DuckDB ReportsDatabase + ConfigChangesReport, driven by
  `ProjectionRunner(recorder, mapper, report).catch_up()`;
- rebuild: `runner.rebuild()` of the same report (drop, replay from 1);
- for scale, the same pages read without a projection: `select_notifications`
  alone, and with the mapper turning each notification back into a domain event.

The report must end with one "edit" row per Edited event.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from eventsourcing.persistence import StoredEvent

from adapters.jetstream.recorders import JetStreamApplicationRecorder
from bench.common import machine_lines, nats_server, rate, write_section
from domain.settings.model import ServerSettings
from domain.settings.rules import SECTIONS
from domain.shared.actor import Actor, acting_as
from domain.shared.application import QuorumStore
from projections.config_changes import ConfigChangesReport
from projections.duck import ReportsDatabase
from projections.engine import PAGE, ProjectionRunner

EDITS = 100_000
BATCH = 500
TARGET = 20_000
ADMIN = Actor(kind="admin", name="bench-admin", ip="192.0.2.10", app_name="bench")
CREATED_ROWS = len(SECTIONS)
"""ConfigChangesReport writes one row per settings section for Created."""


@dataclass
class Figures:
    events: int
    """Stream messages: one Created plus the Edited events."""
    edits: int
    append_seconds: float
    catch_up_seconds: float
    rebuild_seconds: float
    read_seconds: float
    decode_seconds: float
    edit_rows: int
    all_rows: int
    event_bytes: float


def edit_patches() -> list[tuple[str, dict[str, Any]]]:
    """Edits that always change something, cycling over several settings."""
    return [
        ("main", {"token_validity_hours": 24}),
        ("main", {"csv_delimiter": ";", "token_validity_hours": 48}),
        ("security", {"localhost_without_auth": True}),
        ("main", {"timezone": "Europe/Berlin", "csv_delimiter": ","}),
        ("security", {"localhost_without_auth": False}),
        ("main", {"timezone": "UTC", "token_validity_hours": 720}),
    ]


def append_edits(store: QuorumStore, edits: int) -> tuple[int, float]:
    """Save the settings, then `edits` Edited events in batches of BATCH.
    Returns the number of stored events and their mean size in bytes."""
    recorder, mapper = store.recorder, store.mapper
    patches = edit_patches()
    total_bytes = 0
    with acting_as(ADMIN):
        settings = ServerSettings.with_defaults()
        store.save(settings)
        done = 0
        while done < edits:
            batch: list[StoredEvent] = []
            for i in range(done, min(done + BATCH, edits)):
                section, patch = patches[i % len(patches)]
                if not settings.edit(section, patch):
                    raise AssertionError(f"edit {i} changed nothing")
                for event in settings.collect_events():
                    batch.append(mapper.to_stored_event(event))
            recorder.insert_events(batch)
            total_bytes += sum(len(e.state) for e in batch)
            done += len(batch)
    return done + 1, total_bytes / done


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def read_all(store: QuorumStore, decode: bool) -> int:
    """Page through the whole stream like a runner would, without a read model."""
    recorder, mapper = store.recorder, store.mapper
    position, seen = 1, 0
    while True:
        page = recorder.select_notifications(position, PAGE)
        if not page:
            return seen
        if decode:
            for notification in page:
                mapper.to_domain_event(notification)
        seen += len(page)
        position = page[-1].id + 1


def count_rows(database: ReportsDatabase) -> tuple[int, int]:
    found = (
        database.cursor()
        .execute("SELECT count(*) FILTER (WHERE action = 'edit'), count(*) FROM config_changes")
        .fetchone()
    )
    assert found is not None
    return int(found[0]), int(found[1])


def measure() -> Figures:
    with (
        nats_server(sync_always=True) as server,
        tempfile.TemporaryDirectory(prefix="quorum-bench-reports-") as tmp,
    ):
        store = QuorumStore(
            env={"PERSISTENCE_MODULE": "adapters.jetstream", "QUORUM_NATS_URL": server.url}
        )
        database = ReportsDatabase(Path(tmp) / "reports.duckdb")
        try:
            print(f"appending {EDITS:,} Edited events ...", flush=True)
            started = time.perf_counter()
            events, event_bytes = append_edits(store, EDITS)
            append_seconds = time.perf_counter() - started
            head = store.recorder.max_notification_id()
            if head != events:
                raise AssertionError(f"stream head is {head}, expected {events}")

            print("catching up ...", flush=True)
            recorder = cast(JetStreamApplicationRecorder, store.recorder)
            runner = ProjectionRunner(recorder, store.mapper, ConfigChangesReport(database))
            catch_up_seconds = timed(runner.catch_up)
            edit_rows, all_rows = count_rows(database)
            check_rows(edit_rows, all_rows, runner.projection.position(), events)

            print("rebuilding ...", flush=True)
            rebuild_seconds = timed(runner.rebuild)
            check_rows(*count_rows(database), runner.projection.position(), events)

            print("reading without a projection ...", flush=True)
            read_seconds = timed(lambda: read_all(store, decode=False))
            decode_seconds = timed(lambda: read_all(store, decode=True))
        finally:
            database.close()
            store.close()
    return Figures(
        events=events,
        edits=EDITS,
        append_seconds=append_seconds,
        catch_up_seconds=catch_up_seconds,
        rebuild_seconds=rebuild_seconds,
        read_seconds=read_seconds,
        decode_seconds=decode_seconds,
        edit_rows=edit_rows,
        all_rows=all_rows,
        event_bytes=event_bytes,
    )


def check_rows(edit_rows: int, all_rows: int, position: int, events: int) -> None:
    if position != events:
        raise AssertionError(f"report at position {position}, stream head {events}")
    if edit_rows != EDITS or all_rows != EDITS + CREATED_ROWS:
        raise AssertionError(
            f"report has {edit_rows} edit rows and {all_rows} in all; "
            f"expected {EDITS} and {EDITS + CREATED_ROWS}"
        )


def table(f: Figures) -> list[str]:
    rows = [
        ("append (recorder, atomic batches of 500)", f.append_seconds),
        ("read pages only (`select_notifications`)", f.read_seconds),
        ("read + `mapper.to_domain_event`", f.decode_seconds),
        ("**catch-up** (`ProjectionRunner.catch_up`)", f.catch_up_seconds),
        ("rebuild (`ProjectionRunner.rebuild`)", f.rebuild_seconds),
    ]
    lines = ["| what | seconds | events/s |", "|---|---:|---:|"]
    for label, seconds in rows:
        lines.append(f"| {label} | {seconds:.2f} | {rate(f.events, seconds):,.0f} |")
    return lines


def section(f: Figures) -> str:
    catch_up = rate(f.events, f.catch_up_seconds)
    rebuild = rate(f.events, f.rebuild_seconds)
    verdict = "meets" if min(catch_up, rebuild) >= TARGET else "MISSES"
    return "\n".join(
        [
            "## Projection catch-up (`bench/catchup.py`)",
            "",
            *machine_lines(),
            "",
            f"A fresh stream (`sync_interval: always`) of {f.events:,} events: one "
            f"`ServerSettings.Created` and {f.edits:,} `ServerSettings.Edited` from a real "
            f"aggregate and the application's mapper (stored state {f.event_bytes:.0f} bytes "
            f"on average), appended through the recorder {BATCH} per `insert_events`. "
            f"Report: `ConfigChangesReport` in a fresh DuckDB file, pages of {PAGE}. The "
            f"report ended with {f.edit_rows:,} edit rows (one per Edited event) and "
            f"{f.all_rows:,} in all.",
            "",
            *table(f),
            "",
            f"**catch-up = {catch_up:,.0f} events/s, rebuild = {rebuild:,.0f} events/s** "
            f"(target ≥ {TARGET:,}: {verdict}).",
        ]
    )


def main() -> None:
    figures = measure()
    print()
    for line in table(figures):
        print(line)
    print(f"report rows: {figures.edit_rows:,} edit, {figures.all_rows:,} in all")
    doc = write_section("bench.catchup", section(figures))
    print(f"wrote {doc}")
    print(f"catch_up_rate={rate(figures.events, figures.catch_up_seconds):.0f}")


if __name__ == "__main__":
    main()
