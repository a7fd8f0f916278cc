"""Simultaneous interpretation (guide §14.4, §14.4.3; FEATURES CONF-C-02, INT-01..06).

`interpretation: null | {languages: [...], interpreters: [{user_id, from, to}],
source_volume}`. Switched on only when the conference is created, and only in the
moderated role-based mode. Interpreters are invited users of this or a federated
server, never guests. Each has a language pair and may switch direction live; several
may share a pair, but at any moment only one person translates in a given direction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.conferencing.checks import array, obj, text, whole
from domain.shared.errors import Conflict, FieldProblem, invalid

MAX_LANGUAGES = 32
MAX_INTERPRETERS = 256
DEFAULT_SOURCE_VOLUME = 30
"""Percent of the original audio in interpreter channels (§14.4.3)."""


def check_interpretation(value: Any, field: str = "interpretation") -> dict[str, Any] | None:
    if value is None:
        return None
    body = obj(value, field, ("languages", "interpreters", "source_volume"))
    languages = _languages(body.get("languages"), f"{field}.languages")
    interpreters: list[dict[str, str]] = []
    seen: set[tuple[str, ...]] = set()
    for i, raw in enumerate(
        array(body.get("interpreters", []), f"{field}.interpreters", MAX_INTERPRETERS)
    ):
        where = f"{field}.interpreters.{i}"
        entry = obj(raw, where, ("user_id", "from", "to"))
        user_id = text(entry.get("user_id"), f"{where}.user_id", 256, required=True).lower()
        source = _language(entry.get("from"), f"{where}.from", languages)
        target = _language(entry.get("to"), f"{where}.to", languages)
        if source == target:
            raise invalid(f"{where}.to", "must differ from the source language")
        pair = (user_id, *sorted((source, target)))
        if pair in seen:
            raise invalid(where, f"{user_id} already interprets {source} and {target}")
        seen.add(pair)
        interpreters.append({"user_id": user_id, "from": source, "to": target})
    volume = whole(
        body.get("source_volume", DEFAULT_SOURCE_VOLUME), f"{field}.source_volume", 0, 100
    )
    return {"languages": languages, "interpreters": interpreters, "source_volume": volume}


def _languages(value: Any, field: str) -> list[str]:
    items = array(value, field, MAX_LANGUAGES)
    languages = [text(v, field, 64, required=True) for v in items]
    if len(languages) < 2:
        raise invalid(field, "interpretation needs at least two languages", reason="required")
    if len({v.lower() for v in languages}) != len(languages):
        raise invalid(field, "lists a language twice")
    return languages


def _language(value: Any, field: str, languages: list[str]) -> str:
    if value not in languages:
        raise invalid(field, f"must be one of the conference languages: {', '.join(languages)}")
    result: str = value
    return result


def interpreter_ids(interpretation: dict[str, Any] | None) -> set[str]:
    if not interpretation:
        return set()
    return {i["user_id"] for i in interpretation["interpreters"]}


def claim_direction(
    active: Mapping[str, str], user_id: str, source: str, target: str
) -> dict[str, str]:
    """Live rule (INT-03): `active` maps "from>to" to the interpreter translating in that
    direction. Returns the new map with `user_id` on source→target (and off any other
    direction), or refuses if someone else holds that direction now."""
    direction = f"{source}>{target}"
    holder = active.get(direction)
    if holder is not None and holder != user_id:
        raise Conflict(
            f"{holder} is translating from {source} to {target}; only one interpreter "
            "may translate in a direction at a time (§14.4.3)",
            [FieldProblem("to", "conflict", f"{source} to {target} is taken")],
        )
    claimed = {d: u for d, u in active.items() if u != user_id}
    claimed[direction] = user_id
    return claimed
