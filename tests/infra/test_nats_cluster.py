"""infra/nats/cluster.sh: a 3-node JetStream cluster that keeps writing with one node down."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

import nats
import pytest
from eventsourcing.persistence import StoredEvent
from nats.js import JetStreamContext, api

from adapters.jetstream import JetStreamFactory
from adapters.jetstream.client import EVENTS
from adapters.jetstream.subjects import EVENTS_PREFIX
from adapters.nats_server import nats_server_binary, pid_alive

CLUSTER_SH = Path(__file__).resolve().parents[2] / "infra" / "nats" / "cluster.sh"
NODES = ("n1", "n2", "n3")
# cluster.sh's ports for BASE: client BASE+i, cluster BASE+2000+i, monitor BASE+4000+i.
PORT_OFFSETS = tuple(offset + i for offset in (0, 2000, 4000) for i in range(3))
STREAM = "INFRA_CLUSTER_TEST"

pytestmark = pytest.mark.timeout(120)


@dataclass(frozen=True)
class Cluster:
    dir: Path
    urls: str

    @property
    def servers(self) -> list[str]:
        return self.urls.split(",")

    def pid(self, node: str) -> int:
        return int((self.dir / f"{node}.pid").read_text())

    def kill(self, node: str) -> None:
        """Crash one node (SIGKILL), as a power cut would."""
        pid = self.pid(node)
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while _running(pid) and time.monotonic() < deadline:
            time.sleep(0.05)


def _running(pid: int) -> bool:
    """Alive and not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return pid_alive(pid)
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _free_base_port() -> int:
    """A base whose nine ports are free, below Linux's ephemeral range (32768+)."""
    for _ in range(200):
        base = random.randrange(10_000, 28_000)
        if all(_port_free(base + offset) for offset in PORT_OFFSETS):
            return base
    raise RuntimeError("no free port range for the cluster")


def _cluster_sh(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NATS_SERVER": nats_server_binary()}
    return subprocess.run(
        ["bash", str(CLUSTER_SH), *map(str, args)],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    directory = tmp_path / "cluster"
    try:
        started = None
        for _ in range(3):  # a port taken between the check and the start: try another base
            started = _cluster_sh("start", directory, str(_free_base_port()))
            if started.returncode == 0:
                break
            shutil.rmtree(directory, ignore_errors=True)  # cluster.sh stopped what it started
        assert started is not None and started.returncode == 0, started and started.stderr
        yield Cluster(directory, started.stdout.strip())
    finally:
        pids = [
            int(p.read_text()) for p in directory.glob("n*.pid") if p.read_text().strip().isdigit()
        ]
        stopped = _cluster_sh("stop", directory)
        assert stopped.returncode == 0, stopped.stderr
        assert not list(directory.glob("*.pid"))
        assert not [pid for pid in pids if _running(pid)], "nats-server left running"


def test_start_prints_the_three_client_urls(cluster: Cluster) -> None:
    servers = cluster.servers
    assert len(servers) == 3
    base = int(servers[0].rsplit(":", 1)[1])
    assert servers == [f"nats://127.0.0.1:{base + i}" for i in range(3)]
    assert all(_running(cluster.pid(node)) for node in NODES)
    for node in NODES:
        assert "sync_interval: always" in (cluster.dir / f"{node}.conf").read_text()


def test_replicated_stream_keeps_accepting_writes_with_one_node_down(cluster: Cluster) -> None:
    asyncio.run(_replicated_stream(cluster))


async def _replicated_stream(cluster: Cluster) -> None:
    nc = await nats.connect(
        servers=cluster.servers, max_reconnect_attempts=-1, reconnect_time_wait=0.2
    )
    try:
        js = nc.jetstream(timeout=5)
        await js.add_stream(
            api.StreamConfig(
                name=STREAM,
                subjects=["infra.>"],
                storage=api.StorageType.FILE,
                num_replicas=3,
            )
        )
        await _wait_until_stream_answers(cluster, "infra.probe")
        first = await js.publish("infra.one", b"first")
        assert (await js.get_msg(STREAM, first.seq)).data == b"first"

        info = await _all_replicas_current(js)
        assert info.config.num_replicas == 3
        assert info.cluster is not None and info.cluster.name == "quorum"
        replicas = [r.name for r in info.cluster.replicas or [] if r.name is not None]
        assert info.cluster.leader is not None and len(replicas) == 2
        assert sorted([info.cluster.leader, *replicas]) == list(NODES)

        # Crash the stream's leader: the two others elect a new one and take the write.
        crashed = info.cluster.leader
        cluster.kill(crashed)
        second = await _publish_until_acknowledged(js, "infra.two", b"second", within=20)
        assert second.seq == first.seq + 1
        assert (await js.get_msg(STREAM, first.seq)).data == b"first"
        assert (await js.get_msg(STREAM, second.seq)).data == b"second"

        info = await js.stream_info(STREAM)
        assert info.cluster is not None and info.cluster.leader not in (None, crashed)
        down = [r for r in info.cluster.replicas or [] if r.name == crashed]
        assert down and not down[0].current
    finally:
        await nc.close()


async def _wait_until_stream_answers(cluster: Cluster, subject: str, within: float = 10) -> None:
    """Wait until a publish to `subject` reaches the stream from each of the three nodes.

    Right after a stream is created its leader's interest in the subjects takes a
    moment to reach the other nodes; a publish there meanwhile gets "no responders".
    The probe names a wrong expected stream, so the stream refuses it and stores nothing.
    """
    deadline = time.monotonic() + within
    for server in cluster.servers:
        nc = await nats.connect(servers=[server])
        try:
            while True:
                try:
                    reply = await nc.request(
                        subject, b"", timeout=1, headers={"Nats-Expected-Stream": "PROBE"}
                    )
                    assert b"error" in reply.data, reply.data
                    break
                except (nats.errors.NoRespondersError, nats.errors.TimeoutError):
                    assert time.monotonic() < deadline, f"no stream answers {subject} on {server}"
                    await asyncio.sleep(0.05)
        finally:
            await nc.close()


async def _all_replicas_current(js: JetStreamContext) -> api.StreamInfo:
    deadline = time.monotonic() + 10
    while True:
        info = await js.stream_info(STREAM)
        replicas = info.cluster.replicas if info.cluster else None
        if replicas and len(replicas) == 2 and all(r.current for r in replicas):
            return info
        assert time.monotonic() < deadline, f"replicas not current: {info.cluster}"
        await asyncio.sleep(0.1)


async def _publish_until_acknowledged(
    js: JetStreamContext, subject: str, payload: bytes, within: float
) -> api.PubAck:
    deadline = time.monotonic() + within
    while True:
        try:
            # The id makes a retry of an ack that got lost in the failover harmless.
            return await js.publish(subject, payload, timeout=2, headers={"Nats-Msg-Id": subject})
        except (nats.errors.Error, TimeoutError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


def test_jetstream_factory_stores_events_with_three_replicas(cluster: Cluster) -> None:
    factory = JetStreamFactory({"QUORUM_NATS_URL": cluster.urls, "QUORUM_NATS_REPLICAS": "3"})
    try:
        asyncio.run(_wait_until_stream_answers(cluster, f"{EVENTS_PREFIX}.probe"))
        recorder = factory.application_recorder()
        event = StoredEvent(
            originator_id=uuid4(),
            originator_version=1,
            topic="tests.infra:Ping",
            state=b'{"hello": "cluster"}',
        )
        recorder.insert_events([event])
        assert list(recorder.select_events(event.originator_id)) == [event]
        assert recorder.max_notification_id() == 1
    finally:
        factory.close()
    assert asyncio.run(_num_replicas(cluster, EVENTS.name)) == 3


async def _num_replicas(cluster: Cluster, stream: str) -> int:
    nc = await nats.connect(servers=cluster.servers)
    try:
        info = await nc.jetstream(timeout=5).stream_info(stream)
        assert info.cluster is not None and len(info.cluster.replicas or []) == 2
        return info.config.num_replicas or 0
    finally:
        await nc.close()
