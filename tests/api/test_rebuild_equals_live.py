"""Every read model rebuilt from sequence 1 equals the live one, row for row, after a
mixed workload (issue 7 item 6; ARCHITECTURE §4 "the rebuilt model equals the live
one"), and `quorum projections rebuild --all` rebuilds them all."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from tests.support import RunningApi, quorum_cli
from tests.ws_client import Peer, call_chat_and_meeting, people_and_room


def _workload(api: RunningApi) -> None:
    """Accounts, groups, settings, licences, sign-ins good and bad, calls, chat and a
    conference with a guest: most kinds of event the reports follow."""
    admin = api.admin_token()
    with api.client(admin) as c:
        team = people_and_room(c)
        assert c.put("/license/pro", json={"groups": [team]}).status_code == 200
        assert c.post("/license/pro/redistribute").status_code == 200
        unknown = {"grant_type": "password", "client_id": "quorum-client", "username": "nobody"}
        c.post("/oauth2/token", data={**unknown, "password": "wrong"})
    api.system.fresh("directory")
    call_chat_and_meeting(api.base_url)
    with Peer(api.base_url).login("jane") as jane:
        jane.ok("chat.send", to="ann", text="after the meeting")
    with api.client(admin) as c:  # deletions by filter (RPT-04) are replayed too
        for path, params in (
            ("/logs/chat", {"date_to": "2100-01-01", "recipient": "ann"}),
            ("/logs/calls", {"all": "true"}),
            ("/logs/events", {"event": "login", "source": "user"}),
            ("/logs/config-changes", {"object_type": "group"}),
        ):
            deleted = c.delete(path, params=params)
            assert deleted.status_code == 200 and deleted.json()["deleted"] > 0, deleted.text


def _snapshot(api: RunningApi) -> dict[str, list[str]]:
    """Every table of both read-model databases, rows sorted (order is not content)."""
    tables: dict[str, list[str]] = {}
    assert api.system.reports is not None
    duck = api.system.reports.cursor()  # the thread's own cursor: not closed here
    listed = duck.execute("select table_name from information_schema.tables").fetchall()
    for (name,) in listed:
        rows = duck.execute(f'select * from "{name}"').fetchall()
        tables[f"duckdb:{name}"] = sorted(repr(r) for r in rows)
    engine = api.system.sql_engine
    with engine.connect() as sql:
        for name in inspect(engine).get_table_names():
            sql_rows = sql.execute(text(f'select * from "{name}"')).fetchall()
            tables[f"sql:{name}"] = sorted(repr(tuple(r)) for r in sql_rows)
    return tables


def test_every_read_model_rebuilt_equals_the_live_one(api: RunningApi) -> None:
    _workload(api)
    for name in api.system.runners:
        assert api.system.fresh(name, timeout=30), name
    live = _snapshot(api)
    assert sum(len(rows) for rows in live.values()) > 50
    for runner in api.system.runners.values():
        runner.rebuild()
    for name in api.system.runners:
        assert api.system.fresh(name, timeout=60), name
    rebuilt = _snapshot(api)
    assert rebuilt.keys() == live.keys()
    for table in live:
        assert rebuilt[table] == live[table], table


def test_rebuild_all_from_the_command_line(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    added = quorum_cli(
        "admin", "add", "root", "--password-stdin", data_dir=data_dir, stdin="correct horse\n"
    )
    assert added.returncode == 0, added.stderr
    done = quorum_cli("projections", "rebuild", "--all", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    for name in ("directory", "events", "call_history", "config_changes"):
        assert f"rebuild {name}" in done.stderr
    neither = quorum_cli("projections", "rebuild", data_dir=data_dir)
    assert neither.returncode == 2 and "--all" in neither.stderr
