"""`quorum audit sql`: an auditor's SQL over any range of the raw stream (issue 7,
item 6), beside a running `quorum serve`."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import UTC, datetime

import httpx

from tests.support import ServeProcess, quorum_cli


def _audit(serve: ServeProcess, query: str, *options: str) -> list[dict[str, str]]:
    done = quorum_cli("audit", "sql", query, "--csv", *options, data_dir=serve.data_dir)
    assert done.returncode == 0, done.stderr
    return list(csv.DictReader(io.StringIO(done.stdout)))


def test_an_auditor_queries_who_did_what_with_sql(serve: ServeProcess) -> None:
    added = quorum_cli(
        "admin", "add", "root", "--password-stdin", data_dir=serve.data_dir, stdin="pw-root-1\n"
    )
    assert added.returncode == 0, added.stderr
    with httpx.Client(base_url=serve.base_url, timeout=30) as http:
        token = http.post("/admin/session", json={"login": "root", "password": "pw-root-1"})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        before = datetime.now(UTC)
        time.sleep(0.05)
        for user in ("jane", "ann"):
            body = {"id": user, "password": "Secret123", "first_name": "Jane"}
            assert http.post("/users", json=body, headers=headers).status_code == 201
        time.sleep(0.05)
        created_at = datetime.now(UTC)
        time.sleep(0.05)
        edit = {"first_name": "Janet"}
        assert http.patch("/users/jane", json=edit, headers=headers).status_code == 200

    # time travel: jane as she was, and before she existed
    then = quorum_cli("audit", "at", created_at.isoformat(), "user:jane", data_dir=serve.data_dir)
    assert then.returncode == 0, then.stderr
    record = json.loads(then.stdout)
    assert record["profile"]["first_name"] == "Jane"
    assert record["password_hash"] == "[hidden]"
    later = quorum_cli(
        "audit", "at", datetime.now(UTC).isoformat(), "user:jane", data_dir=serve.data_dir
    )
    assert json.loads(later.stdout)["profile"]["first_name"] == "Janet"
    missing = quorum_cli("audit", "at", before.isoformat(), "user:jane", data_dir=serve.data_dir)
    assert missing.returncode == 2 and "did not exist" in missing.stderr

    created = _audit(
        serve,
        "select payload->>'user_id' as user_id, actor, actor_kind, ip "
        "from events where event_type = 'User.Created' order by sequence",
    )
    assert [(r["user_id"], r["actor"], r["actor_kind"]) for r in created] == [
        ("jane", "root", "admin"),
        ("ann", "root", "admin"),
    ]
    assert all(r["ip"] == "127.0.0.1" for r in created)
    # password hashes never leave the stream in clear; a range starts where it says
    whole = _audit(
        serve,
        "select count(*) filter (where payload->>'password_hash' = '[redacted]') as hidden, "
        "count(*) filter (where payload->>'password_hash' not in ('[redacted]')) as clear, "
        "min(sequence) filter (where aggregate_type = 'User') as first, count(*) as total "
        "from events",
    )[0]
    assert int(whole["hidden"]) >= 2 and int(whole["clear"]) == 0
    first = int(whole["first"])
    ranged = _audit(
        serve, "select min(sequence) as lo, count(*) as n from events", "--from", str(first)
    )[0]
    assert int(ranged["lo"]) == first
    assert 0 < int(ranged["n"]) < int(whole["total"])


def test_a_bad_query_is_refused_with_duckdbs_reason(serve: ServeProcess) -> None:
    done = quorum_cli("audit", "sql", "select nope from events", data_dir=serve.data_dir)
    assert done.returncode == 2
    assert "the query failed" in done.stderr and "nope" in done.stderr
    table = quorum_cli("audit", "sql", "select count(*) as n from events", data_dir=serve.data_dir)
    assert table.returncode == 0 and table.stdout.splitlines()[0].strip() == "n"
    assert table.stdout.rstrip().endswith("(1 row)")
