"""Webinar registration (guide §14.4.8; FEATURES REGN-01..09, WE-21).

`registration: {enabled, close, start_at, end_at, participants_limit,
participants_limit_enabled, allow_users_access, fields}` (the §16.4 sample's keys plus
`close`), public conferences only, and enabled only on scheduled ones.
- `close`: `without_limitation` (weekly conferences only), `at_start` or `at_end` (of
  the first occurrence), or `custom` (open from `start_at` to `end_at`, Unix seconds).
- `participants_limit_enabled`: close when the invited participants (the owner and the
  registrants included) reach `participants_limit`, or the conference's
  `max_participants` when the limit is null.
- `fields`: `{<name>: {index, is_required}}`; standard names `display_name` (the form's
  "Name"; `name` is accepted for it), `email`, `company`, `job_position`, `phone`; any
  other name is a custom field titled by it (up to 10). Set only at creation.
Each registrant gets a `#guest2:` ID and is added to the invitations.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from domain.conferencing.checks import boolean, email, obj, one_of, text, unix_time, whole
from domain.conferencing.invitations import REGISTRANT_PREFIX
from domain.conferencing.occurrences import next_occurrence
from domain.conferencing.schedule import NONE, WEEKLY, from_unix
from domain.shared.errors import FieldProblem, InvalidInput, invalid

WITHOUT_LIMITATION = "without_limitation"
AT_START = "at_start"
AT_END = "at_end"
CUSTOM = "custom"
CLOSE_POLICIES = (WITHOUT_LIMITATION, AT_START, AT_END, CUSTOM)
STANDARD_FIELDS = ("display_name", "email", "company", "job_position", "phone")
MAX_CUSTOM_FIELDS = 10
MAX_ANSWER = 256
KEYS = (
    "enabled",
    "close",
    "start_at",
    "end_at",
    "participants_limit",
    "participants_limit_enabled",
    "allow_users_access",
    "fields",
)
DEFAULT_FIELDS = {
    "display_name": {"index": 0, "is_required": True},
    "email": {"index": 1, "is_required": True},
}
DEFAULT_REGISTRATION: dict[str, Any] = {
    "enabled": False,
    "close": AT_END,
    "start_at": None,
    "end_at": None,
    "participants_limit": None,
    "participants_limit_enabled": False,
    "allow_users_access": False,
    "fields": DEFAULT_FIELDS,
}
"""Off by default (REGN-01); closing at the end lets late-comers register."""


def check_registration(
    value: Any, current: dict[str, Any], field: str = "registration"
) -> dict[str, Any]:
    """A whole or partial registration object over `current`."""
    body = obj(value, field, KEYS)
    merged = {**current, **body}
    limit = merged["participants_limit"]
    return {
        "enabled": boolean(merged["enabled"], f"{field}.enabled"),
        "close": one_of(merged["close"], f"{field}.close", CLOSE_POLICIES),
        "start_at": None
        if merged["start_at"] is None
        else unix_time(merged["start_at"], f"{field}.start_at"),
        "end_at": None
        if merged["end_at"] is None
        else unix_time(merged["end_at"], f"{field}.end_at"),
        "participants_limit": None
        if limit is None
        else whole(limit, f"{field}.participants_limit", 1, 1600),
        "participants_limit_enabled": boolean(
            merged["participants_limit_enabled"], f"{field}.participants_limit_enabled"
        ),
        "allow_users_access": boolean(merged["allow_users_access"], f"{field}.allow_users_access"),
        "fields": check_fields(merged["fields"], f"{field}.fields"),
    }


def check_fields(value: Any, field: str) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict) or not value:
        raise invalid(field, "must name at least one form field: {name: {index, is_required}}")
    fields: dict[str, dict[str, Any]] = {}
    for raw_name, spec in value.items():
        name = "display_name" if raw_name == "name" else raw_name
        where = f"{field}.{raw_name}"
        text(name, where, 64, required=True)
        if name in fields:
            raise invalid(where, "is listed twice")
        entry = obj(spec, where, ("index", "is_required"))
        fields[name] = {
            "index": whole(entry.get("index"), f"{where}.index", 0, 99),
            "is_required": boolean(entry.get("is_required", False), f"{where}.is_required"),
        }
    if len(set(fields) - set(STANDARD_FIELDS)) > MAX_CUSTOM_FIELDS:
        raise invalid(field, f"at most {MAX_CUSTOM_FIELDS} custom fields (§14.4.8)", "tooLong")
    if len({f["index"] for f in fields.values()}) != len(fields):
        raise invalid(field, "two fields have the same index")
    return dict(sorted(fields.items(), key=lambda item: int(item[1]["index"])))


def check_registration_fits(
    registration: dict[str, Any],
    schedule: dict[str, Any],
    max_participants: int,
    field: str = "registration",
) -> None:
    close = registration["close"]
    if registration["enabled"] and schedule["type"] == NONE:
        raise invalid(
            f"{field}.enabled", "registration is for scheduled conferences only (§14.4.8)"
        )
    if close == WITHOUT_LIMITATION and schedule["type"] != WEEKLY:
        raise invalid(f"{field}.close", "'without_limitation' is for recurring conferences only")
    if close == CUSTOM:
        if registration["start_at"] is None:
            raise invalid(f"{field}.start_at", "a custom period needs a start", "required")
        if registration["end_at"] is None:
            raise invalid(f"{field}.end_at", "a custom period needs an end", "required")
        if registration["end_at"] <= registration["start_at"]:
            raise invalid(f"{field}.end_at", "the end must be after the start")
    else:
        for name in ("start_at", "end_at"):
            if registration[name] is not None:
                raise invalid(f"{field}.{name}", "is set only for a custom period (close: custom)")
    limit = registration["participants_limit"]
    if limit is not None and limit > max_participants:
        raise invalid(
            f"{field}.participants_limit",
            f"cannot exceed the conference's max_participants ({max_participants})",
        )


def without_close_time(registration: dict[str, Any], scheduled: bool) -> dict[str, Any]:
    """What a conference made from a template keeps (§14.5): everything but the close
    time; off unless the new conference is scheduled (REGN-01)."""
    return {
        **registration,
        "close": DEFAULT_REGISTRATION["close"],
        "start_at": None,
        "end_at": None,
        "enabled": registration["enabled"] and scheduled,
    }


def window(
    registration: dict[str, Any], schedule: dict[str, Any]
) -> tuple[datetime | None, datetime | None]:
    """(opens, closes); None for no bound."""
    close = registration["close"]
    if close == CUSTOM:
        return from_unix(registration["start_at"]), from_unix(registration["end_at"])
    if close == WITHOUT_LIMITATION or schedule["type"] == NONE:
        return None, None
    first = next_occurrence(schedule, from_unix(schedule["start_time"]))
    if first is None:  # pragma: no cover - a schedule has a first occurrence
        return None, None
    return None, first.start if close == AT_START else first.end


def is_open(registration: dict[str, Any], schedule: dict[str, Any], now: datetime) -> bool:
    opens, closes = window(registration, schedule)
    return (opens is None or opens <= now) and (closes is None or now < closes)


def capacity(registration: dict[str, Any], max_participants: int) -> int | None:
    """How many invited participants close the registration; None for no limit."""
    if not registration["participants_limit_enabled"]:
        return None
    limit: int = registration["participants_limit"] or max_participants
    return limit


def check_answers(fields: dict[str, dict[str, Any]], body: Any) -> dict[str, str]:
    """A registrant's form, against the conference's form fields."""
    if not isinstance(body, dict):
        raise invalid("registration", "must be an object of the form's fields")
    problems = [
        FieldProblem(name, "invalid", "not a field of this registration form")
        for name in sorted(set(body) - set(fields))
    ]
    answers: dict[str, str] = {}
    for name, spec in fields.items():
        try:
            value = text(body.get(name), name, MAX_ANSWER, required=spec["is_required"])
            if name == "email" and value:
                value = email(value, name)
        except InvalidInput as e:
            problems.extend(e.problems)
            continue
        if value:
            answers[name] = value
    if problems:
        raise InvalidInput.of(problems)
    return answers


def new_registrant(answers: dict[str, str]) -> dict[str, Any]:
    registrant_id = f"{REGISTRANT_PREFIX}{secrets.token_hex(8)}"
    return {
        "id": registrant_id,
        "display_name": answers.get("display_name") or answers.get("email") or registrant_id,
        "email": answers.get("email"),
        "answers": answers,
    }
