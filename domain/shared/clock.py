"""Time comes from an injectable clock, so time rules are testable without sleeping."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


_current_clock: ContextVar[Clock] = ContextVar("current_clock", default=system_clock)


def now() -> datetime:
    return _current_clock.get()()


@contextmanager
def using_clock(clock: Clock) -> Iterator[Clock]:
    token = _current_clock.set(clock)
    try:
        yield clock
    finally:
        _current_clock.reset(token)
