"""`quorum events tail|replay`: the raw stream as JSON lines, for auditors."""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from typing import Any

from adapters.jetstream.audit import StreamRange, as_json_line, read_stream
from adapters.jetstream.subjects import EVENTS_STREAM
from cli.context import command_system
from cli.errors import CommandError

TAIL_POLL = 0.5


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    events = commands.add_parser("events", help="the raw event stream, as JSON lines")
    actions = events.add_subparsers(dest="action", required=True)

    replay = actions.add_parser("replay", parents=[common], help="print a range of the stream")
    replay.add_argument("--from", dest="start", help="sequence number or ISO 8601 time")
    replay.add_argument("--to", dest="end", help="sequence number or ISO 8601 time")
    replay.set_defaults(run=replay_events)

    tail = actions.add_parser("tail", parents=[common], help="print new events as they come")
    tail.add_argument("--from", dest="start", help="start at this sequence (default: the end)")
    tail.set_defaults(run=tail_events)


def parse_bound(value: str | None) -> tuple[int | None, datetime | None]:
    if value is None:
        return None, None
    if value.isdigit():
        return int(value), None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is neither a sequence number nor an ISO 8601 time") from None
    return None, moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def replay_events(args: argparse.Namespace) -> int:
    from_seq, from_time = parse_bound(args.start)
    to_seq, to_time = parse_bound(args.end)
    selection = StreamRange(from_seq or 1, from_time, to_seq, to_time)
    with command_system(args) as system:
        transcoder = system.store.mapper.transcoder
        for message in read_stream(system.recorder.client, EVENTS_STREAM, selection):
            print(as_json_line(message, transcoder), flush=True)
    return 0


def tail_events(args: argparse.Namespace) -> int:
    from_seq, _ = parse_bound(args.start)
    with command_system(args) as system:
        transcoder = system.store.mapper.transcoder
        position = from_seq or (system.recorder.max_notification_id() or 0) + 1
        while True:
            for message in read_stream(
                system.recorder.client, EVENTS_STREAM, StreamRange(from_seq=position)
            ):
                print(as_json_line(message, transcoder), flush=True)
                position = message.seq + 1
            time.sleep(TAIL_POLL)
