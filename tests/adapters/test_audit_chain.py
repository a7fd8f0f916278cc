"""The tamper-evident chain of the events stream (issue 7, items 7 and 2): real domain
saves on a real nats-server, then tampering through the NATS API as an intruder with
access to NATS would do it, and `quorum audit verify` naming the first broken link."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from adapters import audit_chain
from adapters.jetstream.chain import GENESIS, ChainReport
from adapters.jetstream.client import EVENTS, SNAPSHOTS, JetStreamClient, StoredMessage
from adapters.jetstream.loop import run_sync
from adapters.jetstream.subjects import H_CHAIN, H_EVENT, originator_filter
from cli.main import main as quorum
from domain.operations.events_purge import EventsPurge
from domain.operations.server_run import ServerRun
from domain.shared.application import QuorumStore, find
from domain.shared.errors import InvalidInput
from tests.support import reset_streams

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(nats_url: str) -> Iterator[QuorumStore]:
    reset_streams(nats_url)
    store = QuorumStore(
        env={"PERSISTENCE_MODULE": "adapters.jetstream", "QUORUM_NATS_URL": nats_url}
    )
    yield store
    store.close()


def client_of(store: QuorumStore) -> JetStreamClient:
    client: JetStreamClient = store.recorder.client  # type: ignore[attr-defined]
    return client


def new_run(store: QuorumStore, stops: int = 0) -> UUID:
    """A real aggregate saved through the application: Created (+ Stopped) in one save."""
    run = ServerRun(
        run_id=uuid4().hex,
        host="h",
        pid=1,
        software_version="t",
        previous_run=None,
        previous_run_stopped=None,
    )
    if stops:
        run.stop("signal")
    store.save(run)
    return run.id


def workload(store: QuorumStore) -> list[UUID]:
    ids = [new_run(store, stops=i % 2) for i in range(6)]
    for run_id in ids[:3]:
        run = find(store, run_id, ServerRun)
        assert run is not None
        run.stop("exit")  # no-op for the stopped ones
        store.save(run)
    return ids


def messages(store: QuorumStore, subject: str | None = None) -> list[StoredMessage]:
    page, _ = run_sync(client_of(store).direct_get_batch(EVENTS.name, 1, 1000, subject))
    return page


def verify(store: QuorumStore, start: int = 1, end: int | None = None) -> ChainReport:
    return audit_chain.verify(client_of(store), store, start, end)


def head(store: QuorumStore) -> int:
    return run_sync(client_of(store).last_sequence(EVENTS.name))


async def _republish(client: JetStreamClient, m: StoredMessage, payload: bytes) -> None:
    copied = {k: v for k, v in m.headers.items() if k in (H_EVENT, H_CHAIN)}
    await client.nc.request(m.subject, payload, headers=copied, timeout=5)


def test_an_untouched_stream_verifies_and_every_hash_follows_the_definition(
    store: QuorumStore,
) -> None:
    workload(store)
    stored = messages(store)
    assert len(stored) == head(store) >= 9
    previous = GENESIS
    for m in stored:  # the definition in adapters/jetstream/chain.py, by hand
        event = m.headers[H_EVENT].encode()
        digest = hashlib.sha256(
            previous
            + m.seq.to_bytes(8, "big")
            + len(m.subject).to_bytes(4, "big")
            + m.subject.encode()
            + len(event).to_bytes(4, "big")
            + event
            + m.payload
        ).digest()
        assert m.headers[H_CHAIN] == digest.hex()
        previous = digest
    report = verify(store)
    assert report.broken is None
    assert (report.checked, report.last_seq, report.tip) == (
        len(stored),
        stored[-1].seq,
        previous.hex(),
    )
    middle = verify(store, start=4, end=7)
    assert middle.broken is None and middle.checked == 4
    # Only the events stream is chained.
    snapshots, _ = run_sync(client_of(store).direct_get_batch(SNAPSHOTS.name, 1, 10))
    assert all(H_CHAIN not in m.headers for m in snapshots)


def test_events_purged_and_republished_altered_are_named_at_the_first_gap(
    store: QuorumStore,
) -> None:
    ids = workload(store)
    victim = originator_filter("quorum.ev", ids[1])
    originals = messages(store, victim)
    first = originals[0].seq
    client = client_of(store)

    async def tamper() -> None:
        # deny_delete refuses single deletes, and a stream update cannot lift it ...
        js = client.nc.jetstream()
        info = await js.stream_info(EVENTS.name)
        with pytest.raises(Exception, match="deny"):
            await js.update_stream(info.config.evolve(deny_delete=False))
        # ... but an intruder can purge a subject and put back altered copies.
        await js.purge_stream(EVENTS.name, subject=victim)
        for m in originals:
            await _republish(client, m, m.payload.replace(b'"h"', b'"x"'))

    run_sync(tamper())
    report = verify(store)
    assert report.broken is not None
    assert (report.broken.seq, report.broken.subject) == (first, None)
    assert "missing message" in report.broken.why
    assert report.checked == first - 1
    assert verify(store, end=first - 1).broken is None  # the history before it is intact
    # The application still appends after the tampering (verify keeps naming the gap).
    new_run(store)
    assert verify(store).broken == report.broken


def test_a_message_forged_past_the_writer_is_named(store: QuorumStore) -> None:
    ids = workload(store)
    client = client_of(store)
    (original,) = messages(store, originator_filter("quorum.ev", ids[0]))[:1]
    forged_at = head(store) + 1
    run_sync(_republish(client, original, original.payload))  # a replay: a stale hash
    report = verify(store)
    assert report.broken is not None
    assert (report.broken.seq, report.broken.subject) == (forged_at, original.subject)
    assert report.broken.why == "hash mismatch"
    assert report.checked == forged_at - 1

    bare_at = head(store) + 1
    run_sync(client.nc.request(original.subject, b"{}", headers={H_EVENT: "1 str x:Y z"}))
    after_forgery = verify(store, start=forged_at + 1)
    assert after_forgery.broken is not None
    assert (after_forgery.broken.seq, after_forgery.broken.why) == (
        bare_at,
        "message without a chain header",
    )
    # The writer chains on after it (from zero, having no hash to go on): an auditor
    # can check everything after the forgery.
    new_run(store, stops=1)
    rest = verify(store, start=bare_at + 1)
    assert rest.broken is None and rest.checked == 2


def test_concurrent_writers_in_two_processes_and_many_threads_do_not_fork_the_chain(
    store: QuorumStore, nats_url: str
) -> None:
    per_thread, threads = 30, 4
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD_WRITER, nats_url, str(per_thread), str(threads)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for i in range(per_thread):
                new_run(store, stops=i % 2)
        except BaseException as e:
            errors.append(e)

    workers = [threading.Thread(target=write) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    assert errors == []
    saved = json.loads(out)
    assert saved == per_thread * threads
    total = 2 * per_thread * threads * 3 // 2  # every other run saves Created + Stopped
    report = verify(store)
    assert report.broken is None
    assert report.checked == head(store) == total


CHILD_WRITER = """
import json, sys, threading
from uuid import uuid4
from domain.operations.server_run import ServerRun
from domain.shared.application import QuorumStore, find

url, per_thread, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
store = QuorumStore(env={"PERSISTENCE_MODULE": "adapters.jetstream", "QUORUM_NATS_URL": url})
saved = []

def write():
    for i in range(per_thread):
        run = ServerRun(run_id=uuid4().hex, host="child", pid=2, software_version="t",
                        previous_run=None, previous_run_stopped=None)
        if i % 2:
            run.stop("signal")
        store.save(run)
        saved.append(1)

workers = [threading.Thread(target=write) for _ in range(threads)]
for w in workers: w.start()
for w in workers: w.join()
print(json.dumps(len(saved)))
store.close()
"""


def test_a_recorded_purge_is_bridged_and_an_unrecorded_one_is_not(store: QuorumStore) -> None:
    ids = workload(store)
    erased = originator_filter("quorum.ev", ids[2])
    gone = messages(store, erased)
    assert len(gone) == 2  # Created, then Stopped in a later save: not contiguous
    before = head(store)

    done = audit_chain.purge(client_of(store), store, str(ids[2]), "GDPR request 42")

    assert done.sequences == [m.seq for m in gone]
    assert messages(store, erased) == []
    assert head(store) == before + 1  # only the record was appended
    record = find(store, done.record_id, EventsPurge)
    assert record is not None
    assert (record.aggregate_id, record.reason) == (str(ids[2]), "GDPR request 42")
    assert record.chain_hashes == [m.headers[H_CHAIN] for m in gone]
    (stored_record,) = messages(store, originator_filter("quorum.ev", done.record_id))
    assert b'"h"' not in stored_record.payload  # hashes and sequences, never the content
    report = verify(store)
    assert report.broken is None
    assert (report.checked, report.bridged) == (head(store) - 2, 2)
    assert verify(store, start=gone[0].seq + 1).broken is None  # anchored on a purged one

    # A purge nobody recorded is still a broken link.
    other = messages(store, originator_filter("quorum.ev", ids[4]))
    run_sync(client_of(store).purge_subject(EVENTS.name, originator_filter("quorum.ev", ids[4])))
    report = verify(store)
    assert report.broken is not None and report.broken.seq == other[0].seq


def test_a_purge_of_nothing_or_without_a_reason_is_refused_and_records_nothing(
    store: QuorumStore,
) -> None:
    ids = workload(store)
    before = head(store)
    with pytest.raises(InvalidInput, match="subject"):
        audit_chain.purge(client_of(store), store, str(uuid4()), "erase")
    with pytest.raises(InvalidInput, match="reason"):
        audit_chain.purge(client_of(store), store, str(ids[0]), "  ")
    done = audit_chain.purge(client_of(store), store, str(ids[0]), "erase")
    with pytest.raises(InvalidInput, match="purge record"):
        audit_chain.purge(client_of(store), store, str(done.record_id), "erase the erase")
    assert head(store) == before + 1


def test_the_cli_verifies_and_purges(
    store: QuorumStore,
    nats_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("QUORUM_NATS_URL", nats_url)
    data = ["--data-dir", str(tmp_path / "var")]
    ids = workload(store)
    assert quorum(["audit", "verify", *data]) == 0
    assert capsys.readouterr().out.startswith("OK: ")

    assert (
        quorum(["audit", "purge", "--subject", str(ids[1]), "--reason", "court order", *data]) == 0
    )
    assert "purged 2 events" in capsys.readouterr().out
    assert quorum(["audit", "purge", "--subject", str(ids[1]), "--reason", "again", *data]) == 2
    assert "no events" in capsys.readouterr().err
    assert quorum(["audit", "verify", *data]) == 0
    assert "2 purged sequences bridged" in capsys.readouterr().out

    victim = messages(store, originator_filter("quorum.ev", ids[3]))[0]
    run_sync(client_of(store).purge_subject(EVENTS.name, victim.subject))
    assert quorum(["audit", "verify", *data]) == 1
    assert capsys.readouterr().out.startswith(f"BROKEN at sequence {victim.seq}: missing message")
    assert quorum(["audit", "verify", "--to", str(victim.seq - 1), *data]) == 0
