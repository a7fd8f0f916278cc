"""The licence pool as a consistency point: what it costs joins and connections.

    .venv/bin/python -m bench.licences

Every PRO join saves the session and the one `LicencePool` aggregate in one atomic
batch, and every user's endpoint saves itself with the pool; so all joins and
connections of the server contend for one aggregate (issue 6, item 5). Measured in
one process on a fresh nats-server (default fsync, as `quorum serve` runs it), with
`THREADS` concurrent callers, against a baseline of the same calls that take no
licence, in the same run:

- joins: users joining one running conference with a temporary PRO licence taken
  at the join (session + pool in one batch) next to users holding a permanent one
  (the pool is read, only the session is written);
- connections: users' endpoints connecting (online licence: endpoint + pool) next to
  guests' endpoints (no licence: the endpoint alone).
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable

from bench.common import machine_lines, rate, running_system, write_section
from domain.conferencing.parameters import ConferenceFields
from domain.identity.group import NO_GROUP
from domain.shared.actor import SYSTEM, acting_as
from domain.shared.clock import now

USERS = 300
THREADS = (1, 8)
LICENCE = {"online": 100_000, "pro": 100_000, "guest": 10, "gateway": 10}


def _these(users: list[str], groups: list[str]) -> list[str]:
    return users


def timed(calls: list[Callable[[], object]], threads: int) -> float:
    """Seconds for `threads` callers to run `calls` between them."""
    chunks = [calls[i::threads] for i in range(threads)]

    def work(chunk: list[Callable[[], object]]) -> None:
        with acting_as(SYSTEM):
            for call in chunk:
                call()

    workers = [threading.Thread(target=work, args=(chunk,)) for chunk in chunks]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - start


def main() -> None:
    rows: list[tuple[str, int, float, float]] = []
    with running_system(with_reports=False) as system:
        with acting_as(SYSTEM):
            system.licensing.load(LICENCE)
            for i in range(USERS * len(THREADS)):
                system.users.create({"id": f"u{i}", "password": "Secret123"})
        for round_, threads in enumerate(THREADS):
            cid = f"room{threads}"
            with acting_as(SYSTEM):
                room: ConferenceFields = {
                    "id": cid,
                    "topic": cid,
                    "owner": "u0",
                    "allow_uninvited": True,
                }
                system.conferences.create(room)
                system.conferences.run(cid)
            users = [f"u{i}" for i in range(round_ * USERS, (round_ + 1) * USERS)]

            def join(user: str, kind: str, room: str = cid) -> Callable[[], object]:
                return lambda: system.sessions.join(room, user_id=user, kind=kind, endpoint_id=None)

            def connect(user: str, guest: bool) -> Callable[[], object]:
                return lambda: system.endpoints.connect(user, None, "bench", {}, guest=guest)

            holders = [f"p{u}" for u in users]
            with acting_as(SYSTEM):
                for holder in holders:
                    system.users.create({"id": holder, "password": "Secret123"})
                # permanent holders: the pool is read at their join, never written
                system.licensing.members_in_order = functools.partial(_these, holders)
                system.licensing.change_pro_settings({"groups": [NO_GROUP]})
                system.licensing.redistribute(manual=True)
            base = timed([join(u, "user") for u in holders], threads)
            pro = timed([join(u, "user") for u in users], threads)
            rows.append(("joins", threads, rate(USERS, base), rate(USERS, pro)))
            base = timed([connect(f"#guest:{u}", True) for u in users], threads)
            online = timed([connect(u, False) for u in users], threads)
            rows.append(("connections", threads, rate(USERS, base), rate(USERS, online)))
            assert system.licensing.pool().used("pro", now()) >= USERS
    table = [
        "| what | threads | baseline /s | taking a licence /s | ratio |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {what} | {threads} | {base:,.0f} | {pooled:,.0f} | {pooled / base:.2f} |"
            for what, threads, base, pooled in rows
        ),
    ]
    body = "\n".join(
        [
            "## Licence pool contention (`bench/licences.py`)",
            "",
            *machine_lines(),
            "",
            f"{USERS} calls per row, in one process on a fresh nats-server (default fsync). "
            "Joins: users into one running conference (PRO: session + pool in one atomic "
            "batch) next to permanent holders (the pool read, the session alone written). "
            "Connections: users' endpoints "
            "(online: endpoint + pool) next to guests' (endpoint only). Retries after a "
            "collision back off by a few random milliseconds.",
            "",
            *table,
        ]
    )
    print(body)
    write_section("bench.licences", body)


if __name__ == "__main__":
    main()
