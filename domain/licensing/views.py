"""The PRO Licenses view of the control panel (guide §9.1.2; FEATURES LIC-PRO-04..12): a
pure function of the pool, the time and who the users are."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.licensing.pool import LicencePool
from domain.licensing.terms import PRO


@dataclass(frozen=True)
class Person:
    """What the view shows of a user: their display name and groups
    (`[{"id", "display_name"}]`); a deleted user shows by ID with no groups."""

    display_name: str
    groups: list[dict[str, Any]] = field(default_factory=list)


Lookup = Callable[[str], Person]
"""User ID -> Person, from the directory read model."""


def pro_view(pool: LicencePool, at: datetime, lookup: Lookup) -> dict[str, Any]:
    """Settings, the permanent and temporary holders and the two "without a licence"
    lists (permanent: missed at the last distribution; temporary: refused in the last
    24 h)."""
    people: dict[str, Person] = {}

    def person(user_id: str) -> Person:
        if user_id not in people:
            people[user_id] = lookup(user_id)
        return people[user_id]

    def listed(user_id: str) -> dict[str, Any]:
        who = person(user_id)
        return {"user_id": user_id, "display_name": who.display_name, "groups": who.groups}

    holders = pool.temporary_holders(at)
    temporary = [
        {
            "user_id": user_id,
            "display_name": person(user_id).display_name,
            "valid_until": None if holder["in"] else holder["until"],
            "in_conference": bool(holder["in"]),
        }
        for user_id, holder in sorted(holders.items())
    ]
    refused = pool.refused_users(at)
    temporary_missing = [
        {"user_id": user_id, "display_name": person(user_id).display_name, "since": since}
        for user_id, since in sorted(refused.items(), key=lambda item: (item[1], item[0]))
    ]
    settings = pool.pro_settings
    return {
        "groups": list(settings["groups"]),
        "allow_request": settings["allow_request"],
        "show_info": settings["show_info"],
        "total": pool.total(PRO, at),
        "used": pool.used(PRO, at),
        "available": pool.available(PRO, at),
        "permanent": [listed(u) for u in pool.permanent],
        "permanent_not_licensed": [listed(u) for u in pool.permanent_missing],
        "distributed_at": pool.distributed_at,
        "temporary": temporary,
        "temporary_not_licensed": temporary_missing,
        "without_licence": len(set(pool.permanent_missing) | set(refused)),
    }
