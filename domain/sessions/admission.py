"""Who may join a running conference, and who waits for a moderator (guide §3.5,
§14.3.1, §14.4.6.1, §14.4.7, §14.4.8; FEATURES CONF-02, WR-*, LIVE-03, WE-12, WE-15)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.conferencing.conference import Conference
from domain.conferencing.waiting_room import ALL, DEFAULT_CATEGORY
from domain.shared.errors import Conflict, FieldProblem, Forbidden

USER = "user"
"""A user of this server."""
FEDERATED = "federated"
"""A user of another server (`user@server`)."""
GUEST = "guest"
"""Someone without an account, in a public conference."""
REGISTRANT = "registrant"
"""A guest who registered for the webinar (`#guest2:…`)."""
ENDPOINT = "endpoint"
"""A SIP/H.323/RTSP device: always treated as from another server (WR-07)."""
KINDS = (USER, FEDERATED, GUEST, REGISTRANT, ENDPOINT)


@dataclass(frozen=True)
class Joiner:
    user_id: str
    display_name: str
    kind: str
    moderator: bool
    """The owner, a moderator (pre-assigned or named in the session) or an operator."""
    pre_invited: bool
    """On the invitation list when the session started (registrants included)."""
    invited_live: bool = False
    """Called into this session after its start, by a moderator or an admin."""
    invited_while_locked: bool = False

    @property
    def is_guest(self) -> bool:
        return self.kind in (GUEST, REGISTRANT)


def waits(conference: Conference, joiner: Joiner) -> bool:
    """Whether the joiner goes to the waiting room (WE-12)."""
    if not conference.param("waiting_room_enabled") or joiner.moderator:
        return False
    registration = conference.registration or {}
    category = conference.param("waiting_room_category") or DEFAULT_CATEGORY[conference.access]
    if category == ALL or (conference.is_public and registration.get("enabled")):
        return True  # WR-08: registration leaves no category to choose
    if joiner.kind == ENDPOINT:
        return category != "guests_only"
    if joiner.kind == GUEST:
        return True
    if category == "guests_only" or joiner.kind == REGISTRANT:
        return False
    uninvited = not joiner.pre_invited
    if category in ("uninvited", "uninvited_and_guests"):
        return uninvited
    return uninvited and joiner.kind == FEDERATED  # "… from other servers"


def check_may_join(
    conference: Conference,
    joiner: Joiner,
    *,
    pin: str | None,
    present: int,
    guests_present: int,
) -> None:
    """Refuse a join the conference's rules do not allow; `present` counts those
    joined or waiting, `guests_present` the guests among them."""
    if joiner.is_guest and not conference.is_public:
        raise _forbidden("cid", "a private conference is for signed-in users only (§3.2)")
    if conference.locked and not (joiner.moderator or joiner.invited_while_locked):
        raise _forbidden(
            "cid",
            "the conference is locked: only moderators and those invited after the lock "
            "may join (§14.3.1)",
        )
    if conference.pin and not (joiner.moderator or joiner.invited_live):
        if pin is None or pin == "":
            raise _forbidden("pin", "this conference asks for a PIN", reason="required")
        if str(pin) != conference.pin:
            raise _forbidden("pin", "wrong PIN")
    invited = joiner.pre_invited or joiner.invited_live or joiner.moderator
    registration = conference.registration or {}
    if conference.is_public and registration.get("enabled") and not invited:
        raise _forbidden("cid", "register for this webinar before joining (§14.4.8)")
    if (
        not conference.is_public
        and not conference.param("allow_uninvited")
        and not invited
        and joiner.kind != ENDPOINT
    ):
        raise _forbidden("cid", "you are not invited to this conference (§14.4.6.1)")
    limit = conference.param("max_participants")
    if isinstance(limit, int) and present >= limit:
        raise Conflict(
            f"conference {conference.cid} is full ({limit} participants)",
            [FieldProblem("cid", "conflict", f"the conference is full ({limit} participants)")],
        )
    guests_limit = conference.param("guests_limit")
    if joiner.is_guest and isinstance(guests_limit, int) and guests_present >= guests_limit:
        raise Conflict(
            f"the webinar's guest limit ({guests_limit}) is reached (§14.4.7)",
            [FieldProblem("cid", "conflict", f"the guest limit ({guests_limit}) is reached")],
        )


def _forbidden(field: str, message: str, reason: str = "invalid") -> Forbidden:
    return Forbidden(message, [FieldProblem(field, reason, message)])
