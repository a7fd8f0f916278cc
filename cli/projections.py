"""`quorum projections status|rebuild NAME`: read-model positions, and replays."""

from __future__ import annotations

import argparse
import json
import time
from contextlib import ExitStack
from typing import Any

from tqdm import tqdm

from adapters.jetstream.factory import nats_servers
from adapters.jetstream.loop import run_sync
from adapters.runtime import DataDir, RunningServer
from cli.context import command_system
from cli.errors import CommandError
from projections.engine import rebuild_together

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
    rebuild.add_argument(
        "--all", action="store_true", help="every read model, from one read of the stream"
    )
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
        answer = _ask(
            server, "projections.rebuild", {"all": True} if args.all else {"name": args.name}
        )
        if "error" in answer:
            raise CommandError(answer["error"])
        _follow_remote_rebuild(server, None if args.all else args.name)
        return 0
    with command_system(args, with_reports=True) as system:
        if args.all:
            runners = list(system.runners.values())
        elif args.name in system.runners:
            runners = [system.runners[args.name]]
        else:
            known = ", ".join(system.runners)
            raise CommandError(f"no projection {args.name!r}; known: {known}")
        # One bar per read model: they are rebuilt from one read, so they move together.
        with ExitStack() as stack:
            bars = [
                stack.enter_context(
                    tqdm(total=0, unit="ev", desc=f"rebuild {r.projection.name}", position=i)
                )
                for i, r in enumerate(runners)
            ]

            def progress(position: int, head: int) -> None:
                for bar in bars:
                    bar.total = head
                    bar.n = position
                    bar.refresh()

            rebuild_together(runners, progress)
    return 0


def _follow_remote_rebuild(server: RunningServer, name: str | None) -> None:
    """Show the server's progress on `name` (None: on every read model, the one
    furthest behind) until it has caught up."""
    with tqdm(total=0, unit="ev", desc=f"rebuild {name or 'all'}") as bar:
        while True:
            statuses = _ask(server, "projections.status", {})["projections"]
            status = min(
                (s for s in statuses if name is None or s["name"] == name),
                key=lambda s: s["position"],
            )
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
