"""Group rights (guide §13.3.1) and how several groups combine (§13.3.3, §13.2.3)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypedDict

from domain.shared.errors import FieldProblem, InvalidInput

RIGHTS = (
    "addressbook_edit",
    "p2p_calls",
    "create_conferences",
    "screen_sharing",
    "remote_control",
    "slideshow",
    "file_send",
    "file_download",
    "recording",
    "operator",
)
"""In the guide's order (GRP-04); also the bit order of the rights string in events."""

DEFAULT_RIGHTS = {right: right != "operator" for right in RIGHTS}
BANDWIDTH_FIELDS = ("max_inbound_kbps", "max_outbound_kbps")
BANDWIDTH_KBPS = (16, 100_000)
"""The lowest and highest limit in kbit/s."""


class BandwidthLimits(TypedDict, total=False):
    """A user's or group's own limits in kbit/s; null: none of its own."""

    max_inbound_kbps: int | None
    max_outbound_kbps: int | None


def check_rights(
    value: Mapping[str, bool], field: str = "rights", partial: bool = True
) -> dict[str, bool]:
    problems = []
    for name, allowed in value.items():
        if name not in RIGHTS:
            problems.append(FieldProblem(f"{field}.{name}", "invalid", "unknown right"))
        elif not isinstance(allowed, bool):
            problems.append(FieldProblem(f"{field}.{name}", "invalid", "must be true or false"))
    if problems:
        raise InvalidInput.of(problems)
    return dict(value) if partial else {**DEFAULT_RIGHTS, **value}


def effective_rights(group_rights: Iterable[dict[str, bool]]) -> dict[str, bool]:
    """Permissive wins: a right is allowed if any of the user's groups allows it."""
    rights = dict.fromkeys(RIGHTS, False)
    for granted in group_rights:
        for name in RIGHTS:
            rights[name] = rights[name] or bool(granted.get(name, False))
    return rights


def rights_bits(rights: dict[str, bool]) -> str:
    """The rights as a binary string, one digit per right in RIGHTS order (FEATURES Z-14)."""
    return "".join("1" if rights.get(name) else "0" for name in RIGHTS)


def check_bandwidth(value: BandwidthLimits, field: str = "app_settings") -> dict[str, int | None]:
    low, high = BANDWIDTH_KBPS
    limits: dict[str, int | None] = {}
    for name, kbps in value.items():
        if name not in BANDWIDTH_FIELDS:
            raise InvalidInput.of([FieldProblem(f"{field}.{name}", "invalid", "unknown setting")])
        if kbps is not None and (
            isinstance(kbps, bool) or not isinstance(kbps, int) or not low <= kbps <= high
        ):
            raise InvalidInput.of(
                [
                    FieldProblem(
                        f"{field}.{name}", "invalid", f"kbit/s from {low} to {high}, or null"
                    )
                ]
            )
        limits[name] = kbps
    return limits


def effective_bandwidth(
    own: dict[str, int | None], groups: Iterable[dict[str, int | None]]
) -> dict[str, int | None]:
    """The user's own limit wins; otherwise the most restrictive group limit (Z-3)."""
    group_list = list(groups)
    limits: dict[str, int | None] = {}
    for name in BANDWIDTH_FIELDS:
        if own.get(name) is not None:
            limits[name] = own[name]
            continue
        values = [g[name] for g in group_list if g.get(name) is not None]
        limits[name] = min(v for v in values if v is not None) if values else None
    return limits
