"""`quorum audit sql` and `quorum audit at`: auditors query any range of the raw stream
with SQL, and see any object as it was at an instant. `quorum audit verify` checks the
stream's hash chain; `quorum audit purge` is the recorded legal erase."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import datetime
from typing import Any
from uuid import UUID

import duckdb

from adapters import audit_chain
from adapters.audit_sql import AuditQueryError, load_events, run_query
from adapters.jetstream.audit import StreamRange, read_stream
from adapters.jetstream.subjects import EVENTS_STREAM
from cli.admin import CLI_ACTOR
from cli.context import command_system
from cli.errors import CommandError
from cli.events import parse_bound
from domain.conferencing.cid_index import ConferenceId
from domain.identity.group import Group
from domain.identity.user import User
from domain.licensing.pool import LicencePool
from domain.settings.model import ServerSettings
from domain.shared.actor import acting_as
from domain.shared.application import QuorumStore
from domain.shared.errors import DomainError
from domain.shared.history import as_record, state_at

MAX_WIDTH = 60
"""Longer cells are cut in the table view (CSV is never cut)."""


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    audit = commands.add_parser("audit", help="the raw stream, for auditors")
    actions = audit.add_subparsers(dest="action", required=True)
    sql = actions.add_parser(
        "sql",
        parents=[common],
        help="load a range of the stream into DuckDB (table `events`) and run a query",
        description="Columns of `events`: sequence, time, aggregate_type, aggregate_id, "
        "version, event_type, actor, actor_kind, ip, app_name, payload (JSON).",
    )
    sql.add_argument("query", help='e.g. "select event_type, count(*) from events group by 1"')
    sql.add_argument("--from", dest="start", help="sequence number or ISO 8601 time")
    sql.add_argument("--to", dest="end", help="sequence number or ISO 8601 time")
    sql.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    sql.set_defaults(run=audit_sql)

    at = actions.add_parser(
        "at",
        parents=[common],
        help="an object as it was at an instant, rebuilt from its events",
        description="Objects: user:<id>, group:<id>, conference:<cid>, licence, settings.",
    )
    at.add_argument("time", help="ISO 8601 time (UTC unless it says otherwise)")
    at.add_argument("object", help="user:<id>, group:<id>, conference:<cid>, licence, settings")
    at.set_defaults(run=audit_at)

    verify = actions.add_parser(
        "verify",
        parents=[common],
        help="check the hash chain of the raw stream; name the first broken link",
    )
    verify.add_argument(
        "--from", dest="start", type=int, default=1, metavar="SEQ", help="default 1"
    )
    verify.add_argument("--to", dest="end", type=int, metavar="SEQ", help="default: the last")
    verify.set_defaults(run=audit_verify)

    purge = actions.add_parser(
        "purge",
        parents=[common],
        help="legal erase: purge one aggregate's events from the raw stream, recorded",
    )
    purge.add_argument(
        "--subject",
        required=True,
        metavar="AGGREGATE_ID",
        help="the aggregate whose events go (subject quorum.ev.*.<id>)",
    )
    purge.add_argument("--reason", required=True, help="why, for the record")
    purge.set_defaults(run=audit_purge)


def audit_sql(args: argparse.Namespace) -> int:
    from_seq, from_time = parse_bound(args.start)
    to_seq, to_time = parse_bound(args.end)
    selection = StreamRange(from_seq or 1, from_time, to_seq, to_time)
    connection = duckdb.connect()
    try:
        with command_system(args) as system:
            messages = read_stream(system.recorder.client, EVENTS_STREAM, selection)
            load_events(connection, messages, system.store.mapper.transcoder)
        try:
            names, rows = run_query(connection, args.query)
        except AuditQueryError as e:
            raise CommandError(f"the query failed: {e}") from None
    finally:
        connection.close()
    if args.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(names)
        writer.writerows(rows)
    else:
        _print_table(names, rows)
    return 0


def audit_at(args: argparse.Namespace) -> int:
    _, moment = parse_bound(args.time)
    if moment is None:
        raise CommandError(f"{args.time!r} is not an ISO 8601 time")
    with command_system(args) as system:
        aggregate_id = _aggregate_id(system.store, args.object, moment)
        found = state_at(system.store, aggregate_id, moment) if aggregate_id else None
        if found is None:
            raise CommandError(f"{args.object} did not exist at {moment.isoformat()}")
        print(json.dumps(as_record(found), default=str, indent=2, ensure_ascii=False))
    return 0


def audit_verify(args: argparse.Namespace) -> int:
    if args.end is not None and args.end < args.start:
        raise CommandError("--to must not be below --from")
    with command_system(args) as system:
        report = audit_chain.verify(system.recorder.client, system.store, args.start, args.end)
    if report.broken is not None:
        link = report.broken
        where = f" ({link.subject})" if link.subject else ""
        print(
            f"BROKEN at sequence {link.seq}{where}: {link.why}; "
            f"{report.checked} events verified before it"
        )
        return 1
    print(
        f"OK: {report.checked} events verified, sequences {report.first_seq}..{report.last_seq}"
        f" ({report.bridged} purged sequences bridged); chain tip {report.tip}"
    )
    return 0


def audit_purge(args: argparse.Namespace) -> int:
    with command_system(args) as system, acting_as(CLI_ACTOR):
        try:
            client = system.recorder.client
            done = audit_chain.purge(client, system.store, args.subject, args.reason)
        except DomainError as e:
            raise CommandError(str(e)) from None
    print(
        f"purged {len(done.sequences)} events of {args.subject} "
        f"(sequences {done.sequences[0]}..{done.sequences[-1]}); recorded as {done.record_id}"
    )
    return 0


def _aggregate_id(store: QuorumStore, name: str, moment: datetime) -> UUID | None:
    kind, _, key = name.partition(":")
    if kind == "user" and key:
        return User.create_id(key)
    if kind == "group" and key:
        return Group.create_id(key)
    if kind == "conference" and key:  # the CID named this conference then
        index = state_at(store, ConferenceId.create_id(key), moment)
        return index.conference_id if index is not None else None
    if name in ("licence", "license"):
        return LicencePool.create_id()
    if name == "settings":
        return ServerSettings.create_id()
    raise CommandError(
        f"unknown object {name!r}: user:<id>, group:<id>, conference:<cid>, licence, settings"
    )


def _print_table(names: list[str], rows: list[tuple[Any, ...]]) -> None:
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(n), *(len(r[i]) for r in cells)]) for i, n in enumerate(names)]
    print("  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= MAX_WIDTH else text[: MAX_WIDTH - 1] + "…"
