"""The process's ring timers (§13.2.2): each call is missed after its ring time, in
the order due; a stopped system fires none."""

from __future__ import annotations

import time

from adapters.ring_timers import RingTimers
from tests.support import eventually


def test_calls_are_missed_after_the_ring_time_soonest_first() -> None:
    fired: list[str] = []
    seconds = {"a": 0.3, "b": 0.05}
    current = ["a"]
    timers = RingTimers(lambda: seconds[current[0]], fired.append)
    try:
        timers.ring("a")
        current[0] = "b"
        timers.ring("b")
        eventually(lambda: len(fired) == 2, timeout=5)
        assert fired == ["b", "a"]
        assert timers.pending() == 0
    finally:
        timers.stop()


def test_a_failing_miss_does_not_stop_the_others() -> None:
    fired: list[str] = []

    def miss(call_id: str) -> None:
        if call_id == "broken":
            raise RuntimeError("NATS away")
        fired.append(call_id)

    timers = RingTimers(lambda: 0.01, miss)
    try:
        timers.ring("broken")
        timers.ring("fine")
        eventually(lambda: fired == ["fine"], timeout=5)
    finally:
        timers.stop()


def test_stopped_timers_fire_nothing() -> None:
    fired: list[str] = []
    timers = RingTimers(lambda: 0.2, fired.append)
    timers.ring("a")
    timers.stop()
    timers.ring("b")
    time.sleep(0.4)
    assert fired == []
