"""Permanent PRO licences handed out again (guide §5.2.1 items 5.1-5.3, §9.1.2;
FEATURES LIC-PRO-08/09/10): a pure function of who should hold one now."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

TEMPORARY_VALIDITY = timedelta(hours=24)

Temporary = dict[str, Any]
"""{"until": ISO time, "in": [participant IDs]}: valid while in a conference, then
until `until` (24 h after the last join or leave, §5.2.1 item 1)."""


def is_valid(holder: Temporary, at: datetime) -> bool:
    return bool(holder["in"]) or at < datetime.fromisoformat(holder["until"])


@dataclass(frozen=True)
class Distribution:
    permanent: list[str]
    """Members of the chosen groups who hold a permanent licence, in allocation order."""
    missing: list[str]
    """Members of the chosen groups left without one (more members than licences)."""
    revoked: list[str] = field(default_factory=list)
    """Temporary holders whose licence was taken back for permanent holders (5.1)."""
    granted: dict[str, Temporary] = field(default_factory=dict)
    """Former permanent holders given a temporary licence instead (5.2)."""
    lost: list[str] = field(default_factory=list)
    """Everyone left without a licence they had: removed from running conferences (5.3)."""


def distribute(
    wanted: list[str],
    total: int,
    previous_permanent: list[str],
    temporaries: Mapping[str, Temporary],
    participations: Mapping[str, list[str]],
    at: datetime,
) -> Distribution:
    """`wanted` lists the chosen groups' members by group priority, then by display
    name inside a group (LIC-PRO-08); a member of two groups counts once."""
    ordered = list(dict.fromkeys(wanted))
    permanent, missing = ordered[:total], ordered[total:]
    holding = {u: h for u, h in temporaries.items() if is_valid(h, at) and u not in permanent}
    free = total - len(permanent)
    # 5.1: the shortest remaining validity goes first, in a conference or not (WE-09).
    by_expiry = sorted(holding, key=lambda u: (holding[u]["until"], u))
    revoked = by_expiry[: max(len(holding) - free, 0)]
    free -= len(holding) - len(revoked)
    granted: dict[str, Temporary] = {}
    lost = list(revoked)
    for user in previous_permanent:
        if user in permanent or (user in holding and user not in revoked):
            continue
        if free > 0:  # 5.2, after 5.1
            granted[user] = {
                "until": (at + TEMPORARY_VALIDITY).isoformat(),
                "in": list(participations.get(user, [])),
            }
            free -= 1
        else:
            lost.append(user)
    return Distribution(permanent, missing, revoked, granted, lost)
