"""`quorum projections status|rebuild NAME`: read-model positions, and replays."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from tqdm import tqdm

from adapters.jetstream.factory import nats_servers
from adapters.jetstream.loop import run_sync
from adapters.runtime import DataDir, RunningServer
from cli.context import command_system
from cli.errors import CommandError

POLL = 0.2


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    projections = commands.add_parser("projections", help="read models built from the stream")
    actions = projections.add_subparsers(dest="action", required=True)
    status = actions.add_parser("status", parents=[common], help="position and lag of each")
    status.set_defaults(run=show_status)
    rebuild = actions.add_parser(
        "rebuild", parents=[common], help="drop one read model and replay it from sequence 1"
    )
    rebuild.add_argument("name", nargs="?", help="one read model (see `status`)")
    rebuild.add_argument("--all", action="store_true", help="every read model, one by one")
    rebuild.set_defaults(run=rebuild_projection)


def _print_statuses(statuses: list[dict[str, Any]]) -> None:
    print(f"{'projection':<20} {'position':>10} {'head':>10} {'lag':>10}")
    for s in statuses:
        print(f"{s['name']:<20} {s['position']:>10} {s['head']:>10} {s['lag']:>10}")


def show_status(args: argparse.Namespace) -> int:
    server = DataDir(args.data_dir).running()
    if server is not None:
        _print_statuses(_ask(server, "projections.status", {})["projections"])
        return 0
    from api.control import projection_statuses

    with command_system(args, with_reports=True) as system:
        _print_statuses(projection_statuses(system))
    return 0


def rebuild_projection(args: argparse.Namespace) -> int:
    if bool(args.name) == bool(args.all):
        raise CommandError("name one read model, or give --all")
    server = DataDir(args.data_dir).running()
    if server is not None:
        names = [args.name] if args.name else _remote_names(server)
        for name in names:
            answer = _ask(server, "projections.rebuild", {"name": name})
            if "error" in answer:
                raise CommandError(answer["error"])
            _follow_remote_rebuild(server, name)
        return 0
    with command_system(args, with_reports=True) as system:
        names = [args.name] if args.name else list(system.runners)
        for name in names:
            runner = system.runners.get(name)
            if runner is None:
                raise CommandError(f"no projection {name!r}; known: {', '.join(system.runners)}")
            with tqdm(total=0, unit="ev", desc=f"rebuild {name}") as bar:

                def progress(position: int, head: int) -> None:
                    bar.total = head
                    bar.n = position
                    bar.refresh()

                runner.rebuild(progress)
    return 0


def _remote_names(server: RunningServer) -> list[str]:
    return [s["name"] for s in _ask(server, "projections.status", {})["projections"]]


def _follow_remote_rebuild(server: RunningServer, name: str) -> None:
    with tqdm(total=0, unit="ev", desc=f"rebuild {name}") as bar:
        while True:
            statuses = _ask(server, "projections.status", {})["projections"]
            status = next(s for s in statuses if s["name"] == name)
            bar.total, bar.n = status["head"], status["position"]
            bar.refresh()
            if status["lag"] == 0:
                return
            time.sleep(POLL)


def _ask(server: RunningServer, what: str, body: dict[str, Any]) -> dict[str, Any]:
    import nats

    async def request() -> dict[str, Any]:
        nc = await nats.connect(servers=nats_servers(server.nats_url), connect_timeout=3)
        try:
            reply = await nc.request(
                f"{server.control_subject}.{what}", json.dumps(body).encode(), timeout=30
            )
        finally:
            await nc.close()
        answer: dict[str, Any] = json.loads(reply.data)
        return answer

    return run_sync(request())
