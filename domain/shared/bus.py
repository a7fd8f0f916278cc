"""Reactions across contexts: a service publishes a typed outcome after its save, and
the bus runs the handlers the composition root's table lists for that type, at once,
in the same thread; a handler's error reaches the publisher.

A handler returns the outcomes its own saves produced (it holds no bus), and the bus
runs their handlers before the next handler of the current outcome."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

Publish = Callable[[object], None]
"""What a service is given to report an outcome once saved."""

Handler = Callable[[Any], Sequence[object]]
Table = Mapping[type[Any], Sequence[Handler]]


def ignore(outcome: object) -> None:
    """The publisher of a service used on its own (no reactions wired)."""


class MessageBus:
    def __init__(self, table: Table) -> None:
        self.table = table

    def handle(self, outcome: object) -> None:
        for handler in self.table.get(type(outcome), ()):
            for follow_up in handler(outcome):
                self.handle(follow_up)
