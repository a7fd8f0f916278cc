"""The Recordings settings section (guide §9.6; FEATURES REC-01, REC-02, REC-05, REC-07,
Z-4): who is recorded, whether owners may download, and how long recordings are kept.

`DEFAULTS` and `RULES` are written for `domain.settings.rules.Section`."""

from __future__ import annotations

from typing import Any

from domain.shared.validation import Rule

GROUP_MODES = ("all", "none", "on_demand")
"""Group conferences: all recorded, none, or per conference (CONF-C-10)."""
P2P_MODES = ("all", "none")
"""P2P calls: all recorded (direct connections then go through the server) or none."""
MIN_DAYS, MAX_DAYS = 1, 10_000

DEFAULTS: dict[str, Any] = {
    "group_mode": "on_demand",
    "p2p_mode": "none",
    "forbid_owner_download": False,
    "auto_delete_days": None,
}
"""`auto_delete_days` None: the box is unchecked, recordings are kept forever."""


def _choice(*choices: str) -> Rule:
    def rule(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return str(value)

    return rule


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _days(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_DAYS <= value <= MAX_DAYS:
        raise ValueError(
            f"must be a whole number of days from {MIN_DAYS} to {MAX_DAYS}, or null (keep forever)"
        )
    return value


RULES: dict[str, Rule] = {
    "group_mode": _choice(*GROUP_MODES),
    "p2p_mode": _choice(*P2P_MODES),
    "forbid_owner_download": _flag,
    "auto_delete_days": _days,
}
