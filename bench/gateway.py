"""Many authenticated sockets on one gateway, and status-push delay, next to a bare
websockets broadcast server.

    .venv/bin/python -m bench.gateway

Starts `quorum serve` as a child process (like bench/login.py), creates USERS users in
one group whose address book is the group itself, and a "mover" user in it. Holder
child processes open authenticated sockets (tokens from the password grant, spread
over the users) up to each level of LEVELS; every socket pings every PING_SECONDS.
The serve process RSS (VmRSS) gives memory per socket. At each level a mover socket
connects and closes TOGGLES times (status 0→1, 1→0); SAMPLES watcher sockets in this
process time each `status` push from the mover's auth request / close.

The same run does the same against a bare `websockets` server in a child process
that, on a "bcast" frame, sends a frame to every socket it holds (a loop of sends).

The last line printed is `gateway_push_p99_ms=<p99 at 5000 sockets>`.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing as mp
import os
import resource
import subprocess
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from bench.common import machine_lines, write_section
from bench.login import (
    ADMIN_PASSWORD,
    CLIENT_ID,
    PASSWORD,
    PREFIX,
    Server,
    cli,
    free_port,
    quorum_serve,
)

USERS = 50
MOVER = "mover"
LEVELS = (1000, 5000)
HOLDERS = 2
SAMPLES = 50
TOGGLES = 20
CONCURRENCY = 50
PING_SECONDS = 20.0
PUSH_TIMEOUT = 10.0
TARGET_SOCKETS = 5000
TARGET_P99_MS = 100.0


# --- helpers -------------------------------------------------------------------------


def raise_open_files() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def set_up(server: Server) -> dict[str, str]:
    """Admin (CLI), a group seeing itself, USERS users + MOVER in it; a token each."""
    root = Path(__file__).resolve().parent.parent
    added = subprocess.run(
        [
            *cli("admin", "add", "root", "--role", "admin", "--password-stdin"),
            *("--data-dir", str(server.data_dir)),
        ],
        input=f"{ADMIN_PASSWORD}\n".encode(),
        capture_output=True,
        cwd=root,
        env={**os.environ, "QUORUM_NATS_URL": ""},
        timeout=120,
    )
    if added.returncode != 0:
        raise RuntimeError(f"admin add failed: {added.stderr.decode()}")
    tokens: dict[str, str] = {}
    with httpx.Client(base_url=f"{server.url}{PREFIX}", timeout=120) as http:
        reply = http.post("/admin/session", json={"login": "root", "password": ADMIN_PASSWORD})
        reply.raise_for_status()
        headers = {"Authorization": f"Bearer {reply.json()['access_token']}"}
        licence = {"online": 100_000, "pro": 1000, "guest": 10, "gateway": 10}
        reply = http.put("/license", json=licence, headers=headers)  # one per socket
        reply.raise_for_status()
        reply = http.post("/groups", json={"display_name": "bench"}, headers=headers)
        reply.raise_for_status()
        group = reply.json()["id"]
        reply = http.patch(
            f"/groups/{group}/addressbook",
            json={"mode": "groups", "groups": [group]},
            headers=headers,
        )
        reply.raise_for_status()
        for user_id in [*(f"u{i}" for i in range(1, USERS + 1)), MOVER]:
            reply = http.post("/users", json={"id": user_id, "password": PASSWORD}, headers=headers)
            if reply.status_code != 201:
                raise RuntimeError(f"creating {user_id}: {reply.status_code} {reply.text}")
            reply = http.post(f"/groups/{group}/users", json={"user_id": user_id}, headers=headers)
            if reply.status_code != 201:
                raise RuntimeError(f"adding {user_id}: {reply.status_code} {reply.text}")
            reply = http.post(
                "/oauth2/token",
                data={
                    "grant_type": "password",
                    "client_id": CLIENT_ID,
                    "username": user_id,
                    "password": PASSWORD,
                },
            )
            reply.raise_for_status()
            tokens[user_id] = reply.json()["access_token"]
    return tokens


async def open_socket(url: str, token: str | None) -> ClientConnection:
    """A socket; authenticated when `token` is given (quorum), else bare (echo)."""
    ws = await connect(url, max_size=2**20, ping_interval=None, open_timeout=60)
    if token is not None:
        await ws.send(json.dumps({"id": 1, "method": "auth", "params": _auth(token)}))
        while True:
            reply = json.loads(await asyncio.wait_for(ws.recv(), 60))
            if reply.get("id") == 1:
                break
        if "result" not in reply:
            await ws.close()
            raise RuntimeError(f"auth refused: {reply}")
    return ws


def _auth(token: str) -> dict[str, str]:
    return {"token": token, "app_name": "bench"}


async def keep(ws: ClientConnection, on_frame: Any = None) -> None:
    """Read frames; send a ping frame after PING_SECONDS of quiet."""
    pings = 100
    while True:
        try:
            frame = await asyncio.wait_for(ws.recv(), PING_SECONDS)
        except TimeoutError:
            pings += 1
            try:
                await ws.send(json.dumps({"id": pings, "method": "ping"}))
            except Exception:
                return
            continue
        except Exception:
            return
        if on_frame is not None:
            on_frame(frame, time.perf_counter())


# --- holder processes ----------------------------------------------------------------


def holder(url: str, tokens: list[str] | None, pipe: Connection) -> None:
    """Child process: on ("open", n) opens n more sockets; on ("stop",) closes all."""
    raise_open_files()
    asyncio.run(_holder(url, tokens, pipe))


async def _holder(url: str, tokens: list[str] | None, pipe: Connection) -> None:
    loop = asyncio.get_running_loop()
    sockets: list[ClientConnection] = []
    tasks: list[asyncio.Task[None]] = []
    turn = 0
    while True:
        command = await loop.run_in_executor(None, pipe.recv)
        if command[0] == "stop":
            break
        wanted = command[1]
        gate = asyncio.Semaphore(CONCURRENCY)
        errors: list[str] = []

        async def one(
            token: str | None,
            gate: asyncio.Semaphore = gate,
            errors: list[str] = errors,
        ) -> None:
            async with gate:
                try:
                    ws = await open_socket(url, token)
                except Exception as e:
                    errors.append(f"{type(e).__name__}: {e}"[:200])
                    return
                sockets.append(ws)
                tasks.append(asyncio.create_task(keep(ws)))

        batch = []
        for _ in range(wanted):
            batch.append(one(tokens[turn % len(tokens)] if tokens else None))
            turn += 1
        await asyncio.gather(*batch)
        pipe.send((len(sockets), errors[:5], len(errors)))
    for task in tasks:
        task.cancel()
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    pipe.send("stopped")


# --- the bare websockets broadcast server --------------------------------------------


def echo_server(port: int) -> None:
    raise_open_files()
    asyncio.run(_echo_server(port))


async def _echo_server(port: int) -> None:
    from websockets.asyncio.server import ServerConnection, serve

    clients: set[ServerConnection] = set()

    async def handler(ws: ServerConnection) -> None:
        clients.add(ws)
        try:
            async for frame in ws:
                if frame == "bcast":
                    message = json.dumps({"event": "status", "data": {"user_id": MOVER}})
                    for client in list(clients):
                        try:
                            await client.send(message)
                        except Exception:
                            pass
                else:
                    await ws.send(frame)
        except Exception:
            pass
        finally:
            clients.discard(ws)

    async with serve(handler, "127.0.0.1", port, max_size=2**16, ping_interval=None):
        await asyncio.Future()


# --- measuring -----------------------------------------------------------------------


@dataclass
class LevelFigures:
    sockets: int
    rss_kib: int
    per_socket_kib: float
    from_request: list[float] = field(default_factory=list)
    """ms from the mover's auth request / close to each sampled push."""
    from_reply: list[float] = field(default_factory=list)
    """ms from the mover's auth reply (connects only)."""
    missing: int = 0
    open_errors: list[str] = field(default_factory=list)
    ramp_seconds: float = 0.0


@dataclass
class Run:
    name: str
    idle_rss_kib: int
    levels: list[LevelFigures] = field(default_factory=list)


class Samples:
    """SAMPLES watcher sockets here; arrival times of the mover's pushes."""

    def __init__(self) -> None:
        self.arrivals: list[float] = []
        self.wanted = 0
        self.done = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []
        self.sockets: list[ClientConnection] = []

    def on_frame(self, frame: Any, at: float) -> None:
        if MOVER not in frame:
            return
        message = json.loads(frame)
        if message.get("event") == "status" and message["data"].get("user_id") == MOVER:
            self.arrivals.append(at)
            if len(self.arrivals) >= self.wanted:
                self.done.set()

    def expect(self) -> None:
        self.arrivals = []
        self.wanted = len(self.sockets)
        self.done = asyncio.Event()

    async def wait(self) -> None:
        try:
            await asyncio.wait_for(self.done.wait(), PUSH_TIMEOUT)
        except TimeoutError:
            pass


async def measure_target(name: str, url: str, pid: int, tokens: dict[str, str] | None) -> Run:
    quorum = tokens is not None
    watcher_tokens = [t for u, t in (tokens or {}).items() if u != MOVER]
    run = Run(name, rss_kib(pid))
    ctx = mp.get_context("spawn")
    pipes: list[Connection] = []
    procs = []
    for _ in range(HOLDERS):
        mine, theirs = ctx.Pipe()
        proc = ctx.Process(target=holder, args=(url, watcher_tokens or None, theirs))
        proc.start()
        pipes.append(mine)
        procs.append(proc)
    samples = Samples()
    loop = asyncio.get_running_loop()
    try:
        for i in range(SAMPLES):
            ws = await open_socket(url, watcher_tokens[i % len(watcher_tokens)] if quorum else None)
            samples.sockets.append(ws)
            samples.tasks.append(asyncio.create_task(keep(ws, samples.on_frame)))
        held = 0
        for level in LEVELS:
            rss_before = rss_kib(pid)
            before = SAMPLES + held
            add = level - before
            started = time.perf_counter()
            shares = [add // HOLDERS + (1 if k < add % HOLDERS else 0) for k in range(HOLDERS)]
            for pipe, share in zip(pipes, shares, strict=True):
                pipe.send(("open", share))
            answers = [await loop.run_in_executor(None, p.recv) for p in pipes]
            held = sum(a[0] for a in answers)
            errors = [e for a in answers for e in a[1]]
            error_count = sum(a[2] for a in answers)
            ramp = time.perf_counter() - started
            await asyncio.sleep(2)  # let the server settle (departures, GC)
            total = SAMPLES + held
            rss = rss_kib(pid)
            figures = LevelFigures(
                total,
                rss,
                (rss - rss_before) / max(1, total - before),
                open_errors=[f"{error_count} failed opens", *errors] if error_count else [],
                ramp_seconds=ramp,
            )
            print(
                f"{name}: {total} sockets in {ramp:.1f} s ramp, RSS {rss / 1024:.0f} MiB; "
                "measuring pushes ...",
                flush=True,
            )
            await toggles(url, tokens, samples, figures)
            run.levels.append(figures)
    finally:
        for task in samples.tasks:
            task.cancel()
        await asyncio.gather(*(ws.close() for ws in samples.sockets), return_exceptions=True)
        for pipe in pipes:
            try:
                pipe.send(("stop",))
            except OSError:
                pass
        for pipe, proc in zip(pipes, procs, strict=True):
            try:
                if pipe.poll(120):
                    pipe.recv()
            except (OSError, EOFError):
                pass
            proc.join(30)
            if proc.is_alive():
                proc.kill()
                proc.join()
    return run


async def toggles(
    url: str, tokens: dict[str, str] | None, samples: Samples, figures: LevelFigures
) -> None:
    for _ in range(TOGGLES):
        if tokens is not None:
            samples.expect()
            ws = await connect(url, ping_interval=None, open_timeout=60)
            sent = time.perf_counter()
            await ws.send(json.dumps({"id": 1, "method": "auth", "params": _auth(tokens[MOVER])}))
            while True:
                reply = json.loads(await ws.recv())
                if reply.get("id") == 1:
                    break
            replied = time.perf_counter()
            await samples.wait()
            figures.from_request += [(t - sent) * 1000 for t in samples.arrivals]
            figures.from_reply += [(t - replied) * 1000 for t in samples.arrivals]
            figures.missing += samples.wanted - len(samples.arrivals)
            samples.expect()
            closed = time.perf_counter()
            await ws.close()
            await samples.wait()
            figures.from_request += [(t - closed) * 1000 for t in samples.arrivals]
            figures.missing += samples.wanted - len(samples.arrivals)
        else:
            ws = await connect(url, ping_interval=None, open_timeout=60)
            for _ in range(2):  # as many pushes as one quorum toggle
                samples.expect()
                sent = time.perf_counter()
                await ws.send("bcast")
                await samples.wait()
                figures.from_request += [(t - sent) * 1000 for t in samples.arrivals]
                figures.missing += samples.wanted - len(samples.arrivals)
            await ws.close()
        await asyncio.sleep(0.2)


def settle(server: Server, timeout: float = 300.0) -> None:
    """Wait until serve is idle (every closed socket recorded as gone), so that
    SIGTERM is not left with thousands of departures to record."""
    deadline = time.monotonic() + timeout
    last = sum(server.cpu_seconds())
    while time.monotonic() < deadline:
        time.sleep(2)
        now = sum(server.cpu_seconds())
        if now - last < 0.1:
            return
        last = now


def measure() -> tuple[Run, Run, int]:
    limit = raise_open_files()
    print(f"open-files limit {limit} (inherited by quorum serve and the holders)", flush=True)
    with quorum_serve() as server:
        print(f"quorum serve up at {server.url}; creating {USERS + 1} users ...", flush=True)
        tokens = set_up(server)
        ws_url = server.url.replace("http://", "ws://") + f"{PREFIX}/ws"
        quorum = asyncio.run(measure_target("quorum", ws_url, server.process.pid, tokens))
        print("waiting for quorum serve to record the departures ...", flush=True)
        settle(server)
    port = free_port()
    proc = mp.get_context("spawn").Process(target=echo_server, args=(port,))
    proc.start()
    try:
        time.sleep(1.5)
        assert proc.pid is not None
        bare = asyncio.run(measure_target("websockets", f"ws://127.0.0.1:{port}/", proc.pid, None))
    finally:
        proc.terminate()
        proc.join(30)
    return quorum, bare, limit


# --- report --------------------------------------------------------------------------


def table(runs: list[Run]) -> list[str]:
    lines = [
        "| server | sockets | ramp s | RSS MiB (idle → now) | KiB/socket | pushes timed | missing "
        "| p50 ms | p99 ms | max ms | p50 / p99 ms from auth reply |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        for lv in run.levels:
            reply = (
                f"{percentile(lv.from_reply, 50):.1f} / {percentile(lv.from_reply, 99):.1f}"
                if lv.from_reply
                else "n/a"
            )
            lines.append(
                f"| {run.name} | {lv.sockets:,} | {lv.ramp_seconds:.1f} "
                f"| {run.idle_rss_kib / 1024:.0f} → {lv.rss_kib / 1024:.0f} "
                f"| {lv.per_socket_kib:.1f} | {len(lv.from_request)} | {lv.missing} "
                f"| {percentile(lv.from_request, 50):.1f} | {percentile(lv.from_request, 99):.1f} "
                f"| {max(lv.from_request, default=float('nan')):.1f} | {reply} |"
            )
    return lines


def at_target(run: Run) -> LevelFigures | None:
    return next((lv for lv in run.levels if lv.sockets >= TARGET_SOCKETS), None)


def section(quorum: Run, bare: Run, limit: int) -> str:
    target = at_target(quorum)
    p99 = percentile(target.from_request, 99) if target else float("nan")
    met = target is not None and p99 < TARGET_P99_MS and target.missing == 0
    reached = max((lv.sockets for lv in quorum.levels), default=0)
    errors = [e for run in (quorum, bare) for lv in run.levels for e in lv.open_errors]
    return "\n".join(
        [
            "## Signaling gateway sockets (`bench/gateway.py`)",
            "",
            *machine_lines(),
            f"- websockets {version('websockets')}, uvicorn {version('uvicorn')}, "
            f"fastapi {version('fastapi')}; open-files limit {limit}",
            "",
            "A real `quorum serve` child process (embedded nats-server) on a fresh data "
            f"directory; {USERS} users and `{MOVER}` in one group whose address book is "
            "the group itself, so every socket hears every member's status change. "
            f"{HOLDERS} holder child processes open authenticated sockets ({CONCURRENCY} "
            "at a time each, `auth` with a password-grant token, spread over the users) up "
            f"to each level; {SAMPLES} watcher sockets in the measuring process count "
            f"towards it. Every socket sends a `ping` after {PING_SECONDS:.0f} s of quiet. "
            f"Then {TOGGLES} times: `{MOVER}` opens a socket and authenticates (status "
            "0→1), then closes it (1→0); the delay is from the auth request (or the close) "
            "leaving the client to each sampled `status` push arriving, so it includes "
            "recording the event; the last column counts from the auth reply instead. "
            "All sockets, not only the samples, receive every push. Memory per socket = "
            "growth of the server process's VmRSS over the level / sockets added (the "
            "nats-server child not included). Clients, servers and holders share the "
            "same cores.",
            "",
            "Baseline in the same run: a bare `websockets` asyncio server in a child "
            "process that, on a `bcast` frame, sends one frame to each socket it holds in "
            "a loop (what the gateway's fan-out does, without auth, NATS or events); the "
            "same holders, samples and levels, two broadcasts per toggle.",
            "",
            *table([quorum, bare]),
            "",
            f"Socket open errors: {'; '.join(errors) if errors else 'none'}.",
            "",
            f"**gateway_push_p99_ms = {p99:.1f}** at {target.sockets if target else reached:,} "
            f"sockets on one process (target: {TARGET_SOCKETS:,} sockets, push p99 < "
            f"{TARGET_P99_MS:.0f} ms: {'meets' if met else 'MISSES'}).",
        ]
    )


def main() -> None:
    quorum, bare, limit = measure()
    print()
    for line in table([quorum, bare]):
        print(line)
    for run in (quorum, bare):
        for lv in run.levels:
            for problem in lv.open_errors:
                print(f"{run.name} at {lv.sockets}: {problem}")
    doc = write_section("bench.gateway", section(quorum, bare, limit))
    print(f"wrote {doc}")
    target = at_target(quorum)
    p99 = percentile(target.from_request, 99) if target else float("nan")
    print(f"gateway_push_p99_ms={p99:.1f}")


if __name__ == "__main__":
    main()
