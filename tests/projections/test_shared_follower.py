"""The reports share one follower: one read per look, one DuckDB transaction per batch."""

from __future__ import annotations

import pytest

from adapters.bootstrap import QuorumSystem
from domain.shared.actor import Actor, acting_as
from projections.engine import Part, PositionMoved

ROOT = Actor(kind="admin", name="root")
REPORTS = ("config_changes", "events", "endpoints", "call_history", "chat", "chat_files")


def _edit(system: QuorumSystem, hours: int) -> None:
    with acting_as(ROOT):
        system.settings.edit("main", {"token_validity_hours": hours})


def test_every_report_follows_live_on_one_follower(system: QuorumSystem) -> None:
    followers = {system.runners[name].follower for name in REPORTS}
    assert len(followers) == 1
    assert system.runners["directory"].follower not in followers
    system.start_projections()
    _edit(system, 3)
    head = system.recorder.max_notification_id() or 0
    for name in system.runners:
        assert system.runners[name].wait_until_applied(head, timeout=5), name
    assert {system.runners[name].status().lag for name in system.runners} == {0}


def test_a_batch_refused_for_one_report_changes_no_report(system: QuorumSystem) -> None:
    assert system.reports is not None
    _edit(system, 3)
    system.catch_up()
    _edit(system, 4)
    config = system.runners["config_changes"].projection
    events = system.runners["events"].projection
    at = config.position()
    page = system.recorder.select_notifications(at + 1, 10)
    follower = system.runners["config_changes"].follower
    parts: list[Part] = []
    for projection in (events, config):
        part = follower.part(projection, page, at, {})
        assert part is not None
        parts.append(part)
    # config_changes is told it is one behind where it is: the whole batch is refused.
    stale = [(p, e, after - 1 if p is config else after, to) for p, e, after, to in parts]
    rows_before = system.reports.cursor().execute("SELECT count(*) FROM config_changes").fetchone()
    with pytest.raises(PositionMoved):
        system.reports.apply_together(stale)
    assert events.position() == at and config.position() == at
    rows_after = system.reports.cursor().execute("SELECT count(*) FROM config_changes").fetchone()
    assert rows_after == rows_before
    system.reports.apply_together(parts)
    assert events.position() == config.position() == page[-1].id
