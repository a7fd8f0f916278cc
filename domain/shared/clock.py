"""Time comes from an injectable clock, so time rules are testable without sleeping."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


_current_clock: ContextVar[Clock | None] = ContextVar("current_clock", default=None)
_process_clock: list[Clock] = [system_clock]
"""The clock of threads that were given none (a server's request threads)."""


def now() -> datetime:
    return (_current_clock.get() or _process_clock[0])()


@contextmanager
def process_clock(clock: Clock) -> Iterator[Clock]:
    """Every thread without a clock of its own reads `clock` inside the block: how a
    test moves a running server's time (24-hour licence rules) without sleeping."""
    previous, _process_clock[0] = _process_clock[0], clock
    try:
        yield clock
    finally:
        _process_clock[0] = previous


@contextmanager
def using_clock(clock: Clock) -> Iterator[Clock]:
    token = _current_clock.set(clock)
    try:
        yield clock
    finally:
        _current_clock.reset(token)
