"""A conference's parameters (guide §14.4; API.md `conferences`): checking a create or
edit body as the API receives it, field by field, then the rules that span fields.
Everything is checked before any event is triggered, and every problem names its
field. Defaults the guide leaves open (FEATURES Z-20) are chosen here:
`allow_uninvited` off, camera and microphone not muted, recording off, `auto_invite`
on, waiting room off."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from copy import deepcopy
from typing import Any, TypedDict

from domain.conferencing import registration as reg
from domain.conferencing.checks import boolean, one_of, text, whole
from domain.conferencing.connection import (
    DEFAULT_MULTICAST,
    MCU_JOIN_METHODS,
    check_join_methods,
    check_multicast,
)
from domain.conferencing.interpretation import check_interpretation, interpreter_ids
from domain.conferencing.invitations import (
    USER,
    check_invitations,
    headcount,
    kind,
    participant_ids,
)
from domain.conferencing.layout import check_layout, check_layout_fits
from domain.conferencing.media import check_media_limits
from domain.conferencing.modes import (
    DEFAULT_MODE,
    DEFAULT_SPEAKERS,
    MAX_SPEAKERS,
    MIN_PARTICIPANTS,
    MODES,
    ROLE_BASED,
    chooses_speakers,
    participant_cap,
    speakers,
)
from domain.conferencing.pin import PinGenerator, check_pin, generate_pin
from domain.conferencing.schedule import VIRTUAL_ROOM, check_schedule
from domain.conferencing.waiting_room import ALL, CATEGORIES, DEFAULT_CATEGORY
from domain.conferencing.webinar import (
    DEFAULT_GUEST_PERMISSIONS,
    check_guest_permissions,
    check_guests_limit,
)
from domain.identity.ids import check_user_id
from domain.shared.errors import FieldProblem, InvalidInput, invalid

PRIVATE = "private"
PUBLIC = "public"
ACCESS_TYPES = (PRIVATE, PUBLIC)
MAX_TOPIC = 256
MAX_LOCATION = 256
MAX_DESCRIPTION = 10_000

PARAMETERS = (
    "topic",
    "owner",
    "description",
    "location",
    "access",
    "mode",
    "max_podiums",
    "max_participants",
    "schedule",
    "invitations",
    "pin",
    "allow_uninvited",
    "waiting_room_enabled",
    "waiting_room_category",
    "on_join_mute_camera",
    "on_join_mute_mic",
    "recording_enabled",
    "auto_invite",
    "join_methods",
    "mcu_mode",
    "multicast",
    "media_limits",
    "interpretation",
    "layout",
    "registration",
    "guest_permissions",
    "guests_limit",
)
READ_ONLY = ("state", "session_id", "created_at", "locked")
"""Shown by the API, changed only by their own commands: accepted in an edit body only
with their current value, so that a GET body can be sent back."""

NEW: dict[str, Any] = {
    "topic": None,
    "owner": None,
    "description": "",
    "location": "",
    "access": PRIVATE,
    "mode": None,
    "max_podiums": None,
    "max_participants": None,
    "schedule": VIRTUAL_ROOM,
    "invitations": [],
    "pin": None,
    "allow_uninvited": False,
    "waiting_room_enabled": False,
    "waiting_room_category": None,
    "on_join_mute_camera": False,
    "on_join_mute_mic": False,
    "recording_enabled": False,
    "auto_invite": True,
    "join_methods": None,
    "mcu_mode": False,
    "multicast": DEFAULT_MULTICAST,
    "media_limits": None,
    "interpretation": None,
    "layout": None,
    "registration": None,
    "guest_permissions": None,
    "guests_limit": None,
}
"""Before defaults that depend on other fields (mode, caps, category, webinar parts)."""


class ConferenceFields(TypedDict, total=False):
    """A create or edit body's fields as the API receives them (JSON values): every one
    is checked by `check_parameters` (values, and the rules that span fields)."""

    id: str
    """The conference ID (CID): custom at creation, a new one in an edit (cid.py)."""
    topic: str
    owner: str
    description: str | None
    location: str | None
    access: str
    mode: str
    max_podiums: int
    max_participants: int
    schedule: dict[str, Any]
    invitations: list[dict[str, Any]]
    pin: str | bool | None
    allow_uninvited: bool
    waiting_room_enabled: bool
    waiting_room_category: str
    on_join_mute_camera: bool
    on_join_mute_mic: bool
    recording_enabled: bool
    auto_invite: bool
    join_methods: list[str] | None
    mcu_mode: bool
    multicast: dict[str, Any]
    media_limits: dict[str, Any] | None
    interpretation: dict[str, Any] | None
    layout: dict[str, Any] | None
    registration: dict[str, Any] | None
    guest_permissions: dict[str, Any] | None
    guests_limit: int | None
    state: str | None
    session_id: str | None
    created_at: int | None
    locked: bool | None


Check = Callable[[Any], Any]


def check_parameters(
    fields: ConferenceFields,
    *,
    current: Mapping[str, Any] | None = None,
    read_only: Mapping[str, Any] | None = None,
    registrant_ids: Collection[str] = (),
    generate: PinGenerator = generate_pin,
    fixed: bool = True,
) -> dict[str, Any]:
    """The full parameters after applying `fields` to `current` (None: a new conference).
    `fixed`: the rules of an existing conference (access type, interpretation and the
    registration form cannot change); templates are edited without them."""
    body: Mapping[str, Any] = fields
    base = dict(current) if current is not None else dict(NEW)
    problems = _foreign_fields(body, read_only or {}, creating=current is None)
    checked: dict[str, Any] = {}

    def attempt(name: str, check: Check) -> None:
        if name not in body:
            return
        try:
            checked[name] = check(body[name])
        except InvalidInput as e:
            problems.extend(e.problems)

    attempt("access", lambda v: one_of(v, "access", ACCESS_TYPES))
    attempt("owner", lambda v: check_user_id(v, "owner"))
    access = checked.get("access", base["access"])
    owner = checked.get("owner", base["owner"]) or ""
    attempt("topic", lambda v: text(v, "topic", MAX_TOPIC, required=True))
    attempt("description", lambda v: text(v, "description", MAX_DESCRIPTION))
    attempt("location", lambda v: text(v, "location", MAX_LOCATION))
    attempt("mode", lambda v: one_of(v, "mode", MODES))
    attempt("max_podiums", lambda v: whole(v, "max_podiums", 1, MAX_SPEAKERS))
    attempt(
        "max_participants",
        lambda v: whole(v, "max_participants", MIN_PARTICIPANTS, participant_cap(ROLE_BASED, True)),
    )
    attempt("schedule", check_schedule)
    attempt(
        "invitations",
        lambda v: check_invitations(
            v, public=access == PUBLIC, owner=owner, registrant_ids=registrant_ids
        ),
    )
    attempt("pin", lambda v: check_pin(v, base["pin"], generate))
    for flag in (
        "allow_uninvited",
        "waiting_room_enabled",
        "on_join_mute_camera",
        "on_join_mute_mic",
        "recording_enabled",
        "auto_invite",
        "mcu_mode",
    ):
        attempt(flag, _flag(flag))
    attempt(
        "waiting_room_category", lambda v: one_of(v, "waiting_room_category", CATEGORIES[access])
    )
    attempt("join_methods", check_join_methods)
    attempt("multicast", lambda v: check_multicast(v, base["multicast"]))
    attempt("media_limits", check_media_limits)
    attempt("interpretation", check_interpretation)
    attempt("layout", check_layout)
    attempt(
        "registration",
        lambda v: _optional(
            v, reg.check_registration, base["registration"] or reg.DEFAULT_REGISTRATION
        ),
    )
    attempt(
        "guest_permissions",
        lambda v: _optional(
            v, check_guest_permissions, base["guest_permissions"] or DEFAULT_GUEST_PERMISSIONS
        ),
    )
    attempt("guests_limit", check_guests_limit)
    if current is None:
        problems.extend(
            FieldProblem(name, "required", "is required")
            for name in ("topic", "owner")
            if name not in body
        )
    if problems:
        raise InvalidInput.of(problems)
    params = {**base, **checked}
    given = set(checked)
    if fixed and current is not None:
        _keep_fixed(params, current, given)
    _settle(params, given)
    return deepcopy(params)


def _optional(value: Any, check: Callable[[Any, Any], Any], current: Any) -> Any:
    """A partial object over `current`; null for none (a private conference's webinar
    parts)."""
    return None if value is None else check(value, current)


def _flag(name: str) -> Check:
    return lambda value: boolean(value, name)


def _foreign_fields(
    body: Mapping[str, Any], read_only: Mapping[str, Any], creating: bool
) -> list[FieldProblem]:
    problems = []
    for name in sorted(set(body) - set(PARAMETERS)):
        if name not in READ_ONLY:
            problems.append(FieldProblem(name, "invalid", "unknown field"))
        elif creating or read_only.get(name) != body[name]:
            problems.append(FieldProblem(name, "invalid", _READ_ONLY_HINT[name]))
    return problems


_READ_ONLY_HINT = {
    "state": "read-only; run or stop the conference instead",
    "session_id": "read-only; each start creates a new session",
    "created_at": "read-only",
    "locked": "read-only here; lock or unlock the ongoing conference instead",
}


def _keep_fixed(params: dict[str, Any], current: Mapping[str, Any], given: set[str]) -> None:
    if params["access"] != current["access"]:
        raise invalid("access", "the access type cannot be changed after creation (§14.4)")
    if "interpretation" in given and (params["interpretation"] is None) != (
        current["interpretation"] is None
    ):
        raise invalid(
            "interpretation",
            "interpretation can be switched on only when the conference is created (§14.4)",
        )
    old, new = current["registration"], params["registration"]
    if old is not None and new is None:
        raise invalid(
            "registration",
            "a webinar keeps its registration settings; set enabled to false to turn it off",
        )
    if old is not None and new is not None and old["fields"] != new["fields"]:
        raise invalid(
            "registration.fields",
            "the registration form is set at creation and cannot be edited (§14.4.8)",
        )


def _settle(params: dict[str, Any], given: set[str]) -> None:
    """Derive what depends on other fields, then check the rules spanning fields."""
    _settle_mode(params, given)
    _settle_participants(params, given)
    _settle_webinar(params, given)
    _settle_waiting_room(params, given)
    _settle_connection(params, given)
    check_layout_fits(
        params["layout"],
        params["mode"],
        participant_ids(params["owner"], params["invitations"]),
        interpreter_ids(params["interpretation"]),
    )


def _settle_mode(params: dict[str, Any], given: set[str]) -> None:
    interpretation = params["interpretation"]
    if params["mode"] is None:
        params["mode"] = ROLE_BASED if interpretation else DEFAULT_MODE
    mode = params["mode"]
    if interpretation is not None and mode != ROLE_BASED:
        raise invalid(
            "interpretation" if "interpretation" in given or "mode" not in given else "mode",
            "interpretation works only in the moderated role-based mode 'S|L' (§14.4)",
        )
    cap = participant_cap(mode, params["multicast"]["enabled"])
    if params["max_participants"] is None or (
        "max_participants" not in given and params["max_participants"] > cap
    ):
        params["max_participants"] = cap
    if params["max_participants"] > cap:
        raise invalid(
            "max_participants",
            f"at most {cap} participants in mode {mode}"
            + (" with UDP Multicast" if params["multicast"]["enabled"] else ""),
        )
    if chooses_speakers(mode):
        limit = min(MAX_SPEAKERS, params["max_participants"])
        podiums = params["max_podiums"]
        if podiums is None or ("max_podiums" not in given and podiums > limit):
            params["max_podiums"] = min(DEFAULT_SPEAKERS, limit)
        elif podiums > limit:
            raise invalid("max_podiums", f"at most {limit} speakers (§14.4.1)")
    else:
        params["max_podiums"] = speakers(mode, 1, params["max_participants"])


def _settle_participants(params: dict[str, Any], given: set[str]) -> None:
    owner = params["owner"]
    params["invitations"] = [
        {**i, "is_moderator": True} if i["id"] == owner and not i["is_moderator"] else i
        for i in params["invitations"]
    ]
    count = headcount(owner, params["invitations"])
    if count > params["max_participants"]:
        raise invalid(
            "max_participants"
            if "max_participants" in given and "invitations" not in given
            else "invitations",
            f"{count} participants with the owner, more than max_participants "
            f"({params['max_participants']})",
        )
    if params["access"] == PRIVATE and any("email" in i for i in params["invitations"]):
        raise invalid("invitations", "e-mail guests can be invited to public conferences only")
    interpretation = params["interpretation"]
    if interpretation is None:
        return
    invited = {p.lower() for p in participant_ids(owner, params["invitations"])}
    for i, interpreter in enumerate(interpretation["interpreters"]):
        user_id = interpreter["user_id"]
        if kind(user_id) != USER or user_id not in invited:
            raise invalid(
                f"interpretation.interpreters.{i}.user_id",
                f"{user_id} must be an invited user of this or a federated server; "
                "guests and endpoints cannot interpret (§14.4.3)",
            )


def _settle_webinar(params: dict[str, Any], given: set[str]) -> None:
    if params["access"] == PRIVATE:
        for name in ("registration", "guest_permissions", "guests_limit"):
            if params[name] is not None and name in given:
                raise invalid(name, "is for public conferences (webinars) only")
            params[name] = None
        return
    if params["allow_uninvited"]:
        raise invalid("allow_uninvited", "is for private conferences only (§14.4.6.1)")
    if params["registration"] is None:
        params["registration"] = dict(reg.DEFAULT_REGISTRATION)
    if params["guest_permissions"] is None:
        params["guest_permissions"] = dict(DEFAULT_GUEST_PERMISSIONS)
    registration = params["registration"]
    reg.check_registration_fits(registration, params["schedule"], params["max_participants"])
    if registration["enabled"] and params["pin"] is not None:
        raise invalid(
            "pin" if "pin" in given or "registration" not in given else "registration.enabled",
            "a PIN is not available while registration is enabled (§14.4.6.1)",
        )


def _settle_waiting_room(params: dict[str, Any], given: set[str]) -> None:
    access = params["access"]
    category = params["waiting_room_category"]
    registration = params["registration"]
    if registration is not None and registration["enabled"]:
        if "waiting_room_category" in given and category != ALL:
            raise invalid(
                "waiting_room_category",
                "no category can be chosen while registration is enabled: everyone but the "
                "owner and moderators waits (§14.4.6.1)",
            )
        params["waiting_room_category"] = ALL
    elif category is None or category not in CATEGORIES[access]:
        params["waiting_room_category"] = DEFAULT_CATEGORY[access]


def _settle_connection(params: dict[str, Any], given: set[str]) -> None:
    if not params["mcu_mode"]:
        return
    methods = params["join_methods"]
    if "join_methods" in given and methods not in (None, list(MCU_JOIN_METHODS)):
        raise invalid(
            "join_methods",
            "in MCU mode only SIP/H.323 endpoints and browsers can join (§14.4.6.3)",
        )
    params["join_methods"] = list(MCU_JOIN_METHODS)
