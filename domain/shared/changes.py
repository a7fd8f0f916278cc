"""What an edit changes, parameter by parameter (the Configuration Changes report shows
each one's previous and new value, guide §16.4)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Change = dict[str, Any]
"""{"parameter": name, "previous": value, "new": value}."""


def changes_between(current: Mapping[str, Any], proposed: Mapping[str, Any]) -> list[Change]:
    """One change per parameter of `proposed` whose value differs from `current`."""
    return [
        {"parameter": name, "previous": current.get(name), "new": value}
        for name, value in proposed.items()
        if current.get(name) != value
    ]
