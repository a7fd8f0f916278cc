"""Checking a partial update against per-field rules, reporting every bad field."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

from domain.shared.errors import FieldProblem, InvalidInput

Rule = Callable[[Any], Any]
"""Takes the raw JSON value; returns the value to keep or raises ValueError(message)."""

JsonValue: TypeAlias = "str | int | float | bool | list[JsonValue] | dict[str, JsonValue] | None"
JsonObject: TypeAlias = Mapping[str, JsonValue]
"""A document whose fields the domain's rules check one by one, naming each bad one."""
Patch: TypeAlias = JsonObject
"""A partial update: each field given with its JSON value, for its rule to check."""


def validate_patch(
    patch: Mapping[str, Any], rules: Mapping[str, Rule], unknown: str
) -> dict[str, Any]:
    problems: list[FieldProblem] = []
    values: dict[str, Any] = {}
    for name, raw in patch.items():
        rule = rules.get(name)
        if rule is None:
            problems.append(FieldProblem(name, "invalid", unknown))
            continue
        try:
            values[name] = rule(raw)
        except ValueError as e:
            problems.append(FieldProblem(name, "invalid", str(e)))
    if problems:
        raise InvalidInput.of(problems)
    return values
