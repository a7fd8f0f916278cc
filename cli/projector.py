"""`quorum projector --reports`: a report replica for a scaled-out deployment.

It builds the DuckDB reports on its own file (`<data dir>/replicas/<id>/`) from stream
sequence 1, then answers report reads over NATS with the other replicas
(adapters/report_replica.py); `quorum serve` / `quorum api` with QUORUM_REPORTS=nats
asks them instead of building the reports itself.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import threading
from pathlib import Path
from typing import Any

import duckdb

from adapters.config import Config
from adapters.report_client import CALL_SUBJECT, QUEUE, REPLICA_SUBJECT
from adapters.report_replica import ReportReplica, replica_path
from adapters.runtime import DataDir
from cli.errors import CommandError

REPLICA_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    projector = commands.add_parser(
        "projector", parents=[common], help="run read models apart from the API (scaled out)"
    )
    projector.add_argument(
        "--reports", action="store_true", help="a report replica answering over NATS"
    )
    projector.add_argument(
        "--replica-id",
        default=os.environ.get("QUORUM_REPLICA_ID", socket.gethostname()),
        help="this replica's name: its subject and its file (default $QUORUM_REPLICA_ID "
        "or the host name)",
    )
    projector.set_defaults(run=run_projector)


def run_projector(args: argparse.Namespace) -> int:
    if not args.reports:
        raise CommandError("nothing to run: give --reports")
    if not REPLICA_ID.match(args.replica_id):
        raise CommandError("--replica-id: letters, digits, '-' and '_' only")
    config = Config(data_dir=Path(args.data_dir))
    try:
        replica = ReportReplica(config, _nats_url(config), args.replica_id)
    except duckdb.IOException as e:
        path = replica_path(config.data_dir, args.replica_id)
        raise CommandError(
            f"cannot open {path} (is replica {args.replica_id} running?): {e}"
        ) from None
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        replica.catch_up()
        replica.start()
        print(
            f"report replica {args.replica_id} ready at stream position {replica.position()}: "
            f"answering {CALL_SUBJECT} (queue {QUEUE}) and "
            f"{REPLICA_SUBJECT}.{args.replica_id}",
            flush=True,
        )
        stop.wait()
    finally:
        replica.close()
    return 0


def _nats_url(config: Config) -> str:
    """QUORUM_NATS_URL, or the NATS of the `quorum serve` running on the data dir."""
    if config.nats_url:
        return config.nats_url
    server = DataDir(config.data_dir).running()
    if server is None:
        raise CommandError(
            "no NATS: set QUORUM_NATS_URL, or run `quorum serve` on this data directory"
        )
    return server.nats_url
