"""`quorum serve`: embedded NATS (unless QUORUM_NATS_URL), API, projections."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import uvicorn

from adapters.bootstrap import QuorumSystem
from adapters.config import Config
from adapters.nats_server import EmbeddedNats
from adapters.restart import Restart
from adapters.runtime import DataDir, DataDirBusy, RunningServer
from adapters.server_runs import ServerRuns
from api.app import PREFIX, create_app
from api.control import ControlService
from cli.errors import CommandError


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    serve = commands.add_parser("serve", parents=[common], help="run the server")
    serve.add_argument("--host", default=os.environ.get("QUORUM_HTTP_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("QUORUM_HTTP_PORT", 8080)))
    serve.set_defaults(run=run_server)


def run_server(args: argparse.Namespace) -> int:
    if _serve(args):
        # An administrator's restart: everything above has stopped; start afresh in this
        # process (same PID, arguments and environment).
        os.execv(sys.executable, [sys.executable, "-m", "cli.main", *sys.argv[1:]])
    return 0


def _serve(args: argparse.Namespace) -> bool:
    """Serve until a signal (False) or an administrator's restart (True)."""
    config = Config(data_dir=Path(args.data_dir), http_host=args.host, http_port=args.port)
    data_dir = DataDir(config.data_dir)
    with ExitStack() as stack:
        try:
            stack.enter_context(data_dir.exclusive())
        except DataDirBusy as e:
            raise CommandError(f"{e}: is `quorum serve` already running there?") from None
        nats_url = config.nats_url
        if not nats_url:
            nats_url = stack.enter_context(EmbeddedNats(config.data_dir)).url
        system = QuorumSystem(config, nats_url)
        stack.callback(system.close)
        system.prepare()
        system.start_projections()
        system.directory_sync.start()
        system.conference_jobs.start()
        system.start_licence_jobs()
        system.recording_jobs.start()
        runs = ServerRuns(system.store, config.data_dir)
        runs.started()
        restart = Restart(system, runs, lambda: setattr(server, "should_exit", True))
        # Before the system closes (LIFO).
        stack.callback(lambda: runs.stopped("restart" if restart.requested else "signal"))
        control_subject = f"quorum.ctl.{uuid.uuid4().hex}"
        control = ControlService(system, control_subject)
        control.start()
        stack.callback(control.stop)

        http_url = f"http://{config.http_host}:{config.http_port}"
        data_dir.announce(RunningServer(os.getpid(), nats_url, http_url, control_subject))
        stack.callback(data_dir.withdraw)
        _banner(http_url, config.data_dir, nats_url)
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(system, restart=restart.order),
                host=config.http_host,
                port=config.http_port,
                log_level="warning",
                access_log=False,
            )
        )
        # uvicorn shuts down gracefully on SIGTERM, then re-raises the signal: make that
        # an exception, so the stack above still stops NATS and the projections.
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
        server.run()
    return restart.requested


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _banner(http_url: str, data_dir: Path, nats_url: str) -> None:
    print(f"Quorum is running at {http_url}{PREFIX}  (API docs: {http_url}/docs)", flush=True)
    print(f"  data directory: {data_dir.resolve()}   event store: {nats_url}", flush=True)
    print("  create the first administrator in another terminal with:", flush=True)
    print(
        f"    .venv/bin/quorum admin add NAME --role admin --data-dir {data_dir}",
        flush=True,
    )
    print("  stop with Ctrl-C", flush=True)
