"""The reactions bus: handlers in the table's order, a handler's own outcomes handled
before the next handler, errors reaching the publisher."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from domain.shared.bus import MessageBus


@dataclass(frozen=True)
class Started:
    name: str


@dataclass(frozen=True)
class Ended:
    name: str


def test_handlers_run_in_order_and_follow_ups_before_the_next_handler() -> None:
    seen: list[str] = []

    def first(outcome: Started) -> list[object]:
        seen.append(f"first {outcome.name}")
        return [Ended(outcome.name)]

    def second(outcome: Started) -> list[object]:
        seen.append(f"second {outcome.name}")
        return []

    def ended(outcome: Ended) -> list[object]:
        seen.append(f"ended {outcome.name}")
        return []

    bus = MessageBus({Started: [first, second], Ended: [ended]})
    bus.handle(Started("a"))
    bus.handle("an outcome nobody reacts to")
    assert seen == ["first a", "ended a", "second a"]


def test_an_error_reaches_the_publisher() -> None:
    def broken(outcome: Started) -> list[object]:
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        MessageBus({Started: [broken]}).handle(Started("a"))
