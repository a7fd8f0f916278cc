"""What both benchmarks share: a throw-away nats-server, the machine's description,
and writing one script's section of docs/perf.md without touching the others."""

from __future__ import annotations

import os
import platform
import re
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from adapters.bootstrap import QuorumSystem
from adapters.config import Config
from adapters.nats_server import EmbeddedNats, nats_server_binary


def _load_average() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


LOAD_AT_START = _load_average()
PERF_DOC = Path(__file__).resolve().parent.parent / "docs" / "perf.md"

DOC_HEADER = """# Performance

Measured with `make bench` (`python -m bench.append`, `python -m bench.catchup`). Each
script rewrites only its own section below, between its marker comments, and compares
against a baseline measured in the same run on the same nats-server, so figures from
different machines can be read side by side.

Targets: `append_ratio` ≥ 0.50 (appends through the eventsourcing application, as a
fraction of nats-py's own synchronous `js.publish` rate, both with
`sync_interval: always`); projection catch-up ≥ 20,000 events/s.
"""


@contextmanager
def running_system(with_reports: bool) -> Iterator[QuorumSystem]:
    """A prepared `QuorumSystem` on its own nats-server (default fsync) and data dir."""
    with (
        nats_server(sync_always=False) as server,
        tempfile.TemporaryDirectory(prefix="quorum-bench-data-") as tmp,
    ):
        system = QuorumSystem(Config(data_dir=Path(tmp)), server.url, with_reports=with_reports)
        try:
            system.prepare()
            yield system
        finally:
            system.close()


@contextmanager
def nats_server(sync_always: bool) -> Iterator[EmbeddedNats]:
    """A nats-server on a fresh store in a temporary directory, always stopped."""
    with (
        tempfile.TemporaryDirectory(prefix="quorum-bench-") as tmp,
        EmbeddedNats(Path(tmp), sync_always=sync_always) as server,
    ):
        yield server


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def nats_server_version() -> str:
    try:
        out = subprocess.run(
            [nats_server_binary(), "--version"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return out.stdout.strip() or out.stderr.strip() or "unknown"


def machine_lines() -> list[str]:
    """Markdown bullet lines describing where and when the figures were measured."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return [
        f"- date: {stamp}",
        f"- machine: {_nproc()} CPUs (`nproc`), {cpu_model()}",
        f"- platform: {platform.platform()}, Python {platform.python_version()}",
        f"- load average when the run started (1/5/15 min): {LOAD_AT_START} "
        "(other work on the machine shows here)",
        f"- {nats_server_version()}, "
        + ", ".join(f"{p} {_version_of(p)}" for p in ("nats-py", "eventsourcing", "duckdb")),
    ]


def _nproc() -> str:
    try:
        out = subprocess.run(["nproc"], capture_output=True, text=True, timeout=10)
        return out.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return str(len(os.sched_getaffinity(0)))


def _version_of(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


def write_section(name: str, body: str, doc: Path = PERF_DOC) -> Path:
    """Replace (or append) the section of `doc` between the markers for `name`."""
    start = f"<!-- {name}:start -->"
    end = f"<!-- {name}:end -->"
    block = f"{start}\n{body.strip()}\n{end}"
    text = doc.read_text(encoding="utf-8") if doc.exists() else DOC_HEADER
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text, encoding="utf-8")
    return doc


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")
