"""Video layouts (guide §14.4.4; FEATURES LAY-01..05, INT-04).

`layout: null | {layouts: [...], shuffling: {order, type, interval}}`, each layout
`{scope, participant_id, windows: [{type, participant_id, priority}], name_position,
forbid_changes, auto_fill}`:
- scope `common` (everyone), `individual` (one participant, a SIP/H.323 endpoint
  included) or `sip_webrtc` (common to SIP/H.323 and browser participants);
- window types `fixed` (a chosen participant), `random`, `time_based_shuffling`,
  `active_speaker`, `content`; `priority` is the enlarged window;
- shuffling (all time-based windows of all layouts): order `asc` ("from 1 to 36") or
  `desc`, type `replace` or `move`, interval in seconds (30 by default).
No layout in a video lecture; in a smart meeting every layout needs at least two
active-speaker windows; interpreters are never placed in a layout.
"""

from __future__ import annotations

from typing import Any

from domain.conferencing.checks import array, boolean, obj, one_of, text, whole
from domain.conferencing.modes import LECTURE, MAX_SPEAKERS, SMART
from domain.shared.errors import invalid

SCOPES = ("common", "individual", "sip_webrtc")
WINDOW_TYPES = ("fixed", "random", "time_based_shuffling", "active_speaker", "content")
NAME_POSITIONS = ("top", "bottom", "none")
SHUFFLE_ORDERS = ("asc", "desc")
SHUFFLE_TYPES = ("replace", "move")
DEFAULT_SHUFFLING = {"order": "asc", "type": "replace", "interval": 30}
MAX_WINDOWS = MAX_SPEAKERS
MAX_LAYOUTS = 1 + 1 + 1600
MIN_SMART_ACTIVE_SPEAKERS = 2


def check_layout(value: Any, field: str = "layout") -> dict[str, Any] | None:
    if value is None:
        return None
    body = obj(value, field, ("layouts", "shuffling"))
    layouts = [
        _layout(raw, f"{field}.layouts.{i}")
        for i, raw in enumerate(array(body.get("layouts", []), f"{field}.layouts", MAX_LAYOUTS))
    ]
    seen: set[tuple[str, str | None]] = set()
    for i, layout in enumerate(layouts):
        key = (layout["scope"], layout["participant_id"])
        if key in seen:
            raise invalid(f"{field}.layouts.{i}.scope", "this layout is defined twice")
        seen.add(key)
    return {"layouts": layouts, "shuffling": _shuffling(body.get("shuffling"), field)}


def _layout(value: Any, field: str) -> dict[str, Any]:
    body = obj(
        value,
        field,
        ("scope", "participant_id", "windows", "name_position", "forbid_changes", "auto_fill"),
    )
    scope = one_of(body.get("scope", "common"), f"{field}.scope", SCOPES)
    participant = body.get("participant_id")
    if scope == "individual":
        participant = text(participant, f"{field}.participant_id", 256, required=True)
    elif participant is not None:
        raise invalid(f"{field}.participant_id", "only an individual layout names a participant")
    raw_windows = array(body.get("windows"), f"{field}.windows", MAX_WINDOWS)
    if not raw_windows:
        raise invalid(f"{field}.windows", "a layout needs at least one window", "required")
    windows = [_window(w, f"{field}.windows.{i}") for i, w in enumerate(raw_windows)]
    if sum(w["priority"] for w in windows) > 1:
        raise invalid(f"{field}.windows", "only one window can be enlarged")
    return {
        "scope": scope,
        "participant_id": participant,
        "windows": windows,
        "name_position": one_of(
            body.get("name_position", "bottom"), f"{field}.name_position", NAME_POSITIONS
        ),
        "forbid_changes": boolean(body.get("forbid_changes", False), f"{field}.forbid_changes"),
        "auto_fill": boolean(body.get("auto_fill", False), f"{field}.auto_fill"),
    }


def _window(value: Any, field: str) -> dict[str, Any]:
    body = obj(value, field, ("type", "participant_id", "priority"))
    kind = one_of(body.get("type"), f"{field}.type", WINDOW_TYPES)
    participant = body.get("participant_id")
    if kind == "fixed":
        participant = text(participant, f"{field}.participant_id", 256, required=True)
    elif participant is not None:
        raise invalid(f"{field}.participant_id", "only a fixed window shows a chosen participant")
    return {
        "type": kind,
        "participant_id": participant,
        "priority": boolean(body.get("priority", False), f"{field}.priority"),
    }


def _shuffling(value: Any, field: str) -> dict[str, Any]:
    if value is None:
        return dict(DEFAULT_SHUFFLING)
    body = obj(value, f"{field}.shuffling", ("order", "type", "interval"))
    return {
        "order": one_of(body.get("order", "asc"), f"{field}.shuffling.order", SHUFFLE_ORDERS),
        "type": one_of(body.get("type", "replace"), f"{field}.shuffling.type", SHUFFLE_TYPES),
        "interval": whole(body.get("interval", 30), f"{field}.shuffling.interval", 1, 3600),
    }


def check_layout_fits(
    layout: dict[str, Any] | None,
    mode: str,
    participants: set[str],
    interpreters: set[str],
    field: str = "layout",
) -> None:
    """The layout against the conference: its mode, its participants, its interpreters."""
    if layout is None:
        return
    if mode == LECTURE and layout["layouts"]:
        raise invalid(field, "a video lecture has no layout settings (§14.4.4)")
    known = {p.lower() for p in participants}
    for i, entry in enumerate(layout["layouts"]):
        where = f"{field}.layouts.{i}"
        who = entry["participant_id"]
        if who is not None and who.lower() not in known:
            raise invalid(f"{where}.participant_id", f"{who} is not invited")
        active = sum(w["type"] == "active_speaker" for w in entry["windows"])
        if mode == SMART and active < MIN_SMART_ACTIVE_SPEAKERS:
            raise invalid(
                f"{where}.windows",
                "a smart meeting needs at least two active-speaker windows (§14.4.4)",
            )
        for j, window in enumerate(entry["windows"]):
            shown = window["participant_id"]
            if shown is None:
                continue
            if shown.lower() not in known:
                raise invalid(f"{where}.windows.{j}.participant_id", f"{shown} is not invited")
            if shown.lower() in interpreters:
                raise invalid(
                    f"{where}.windows.{j}.participant_id",
                    f"{shown} is an interpreter; interpreters are not shown (§14.4.3)",
                )
