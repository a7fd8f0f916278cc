"""The projection engine (ARCHITECTURE §4): exactly-once application, rebuilds, lag."""

from __future__ import annotations

import threading

from adapters.bootstrap import QuorumSystem
from domain.settings.rules import SECTIONS
from domain.shared.actor import Actor, acting_as
from projections import config_changes
from projections.config_changes import ConfigChangesReport
from projections.engine import ProjectionRunner

ROOT = Actor(kind="admin", name="root")


def _edits(system: QuorumSystem, count: int) -> None:
    with acting_as(ROOT):
        for hours in range(1, count + 1):
            system.settings.edit("main", {"token_validity_hours": hours})


def _rows(system: QuorumSystem) -> list[dict[str, object]]:
    assert system.reports is not None
    _, rows = config_changes.query(system.reports, {}, paged=False)
    return rows


def test_catch_up_applies_each_event_once_and_reports_no_lag(system: QuorumSystem) -> None:
    _edits(system, 25)
    runner = system.runners["config_changes"]
    runner.catch_up()
    assert len(_rows(system)) == len(SECTIONS) + 25  # settings created + 25 edits
    status = runner.status()
    assert status.position == status.head
    assert status.lag == 0
    runner.catch_up()
    assert len(_rows(system)) == len(SECTIONS) + 25


def test_two_runners_on_one_read_model_never_double_apply(system: QuorumSystem) -> None:
    _edits(system, 40)
    projection = system.runners["config_changes"].projection
    runners = [ProjectionRunner(system.recorder, system.store.mapper, projection) for _ in "ab"]
    threads = [threading.Thread(target=r.catch_up) for r in runners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(_rows(system)) == len(SECTIONS) + 40


def test_a_rebuild_equals_the_live_read_model(system: QuorumSystem) -> None:
    _edits(system, 10)
    runner = system.runners["config_changes"]
    runner.catch_up()
    live = _rows(system)
    progress: list[tuple[int, int]] = []
    runner.rebuild(lambda position, head: progress.append((position, head)))
    assert _rows(system) == live
    assert progress[-1][0] == progress[-1][1] == system.recorder.max_notification_id()


def test_following_live_picks_up_new_events_at_once(system: QuorumSystem) -> None:
    system.start_projections()
    _edits(system, 3)
    head = system.recorder.max_notification_id() or 0
    assert system.runners["config_changes"].wait_until_applied(head, timeout=5)
    assert system.runners["admins"].wait_until_applied(head, timeout=5)
    assert len(_rows(system)) == len(SECTIONS) + 3


def test_unknown_event_types_only_move_the_position(system: QuorumSystem) -> None:
    with acting_as(ROOT):
        system.admins.add("root", "admin", "correct horse")
    runner = system.runners["config_changes"]
    runner.catch_up()
    assert runner.status().lag == 0
    assert all(r["object_type"] == "server_settings" for r in _rows(system))
    assert isinstance(runner.projection, ConfigChangesReport)
