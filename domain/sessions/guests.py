"""Guests (guide §5.4): people without an account, who take part in public
conferences only. A guest connects with a display name, or a webinar registrant with
the ID of their registration (`#guest2:…`, the secret of their unique link)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from enum import Enum

from domain.conferencing.conference import Conference
from domain.conferencing.invitations import REGISTRANT_PREFIX
from domain.sessions.admission import GUEST, REGISTRANT
from domain.shared.errors import FieldProblem, Forbidden, invalid

GUEST_PREFIX = "#guest:"
"""Guests' IDs: `#guest:` and 16 hex digits, one per connection."""
MAX_NAME = 256
NAME_RULE = f"a display name of 1 to {MAX_NAME} characters"
REGISTRANT_RULE = f"must start with {REGISTRANT_PREFIX}"


@dataclass(frozen=True)
class Guest:
    user_id: str
    display_name: str | None
    """None for a registrant until they join (the registration has their name)."""


def new_guest(guest_name: str | None, registrant_id: str | None) -> Guest:
    """A registrant by their registration, else a guest by their display name."""
    if registrant_id is not None and not registrant_id.startswith(REGISTRANT_PREFIX):
        raise invalid("registrant_id", REGISTRANT_RULE)
    if registrant_id is None and (
        guest_name is None or not guest_name.strip() or len(guest_name) > MAX_NAME
    ):
        raise invalid("guest_name", NAME_RULE)
    name = guest_name.strip() if guest_name is not None else None
    return Guest(registrant_id or f"{GUEST_PREFIX}{secrets.token_hex(8)}", name)


def kind_of_guest(user_id: str) -> str:
    """How a guest joins a conference (domain.sessions.admission)."""
    return REGISTRANT if user_id.startswith(REGISTRANT_PREFIX) else GUEST


class Needs(Enum):
    """What a request of a connected client needs, as the guests rule sees it."""

    NOTHING = "nothing"
    """Open to guests: public conferences, their own endpoint, pings, logging out."""
    ACCOUNT = "an account"
    """Licences, calls, chat, contacts' presence: for users only."""
    ONLINE_LICENCE = "an online licence"
    """Sleeping gives back the online licence that a guest never holds."""


def check_guest_may(needs: Needs) -> None:
    """Refuse a guest what needs more than taking part in public conferences."""
    if needs is Needs.ACCOUNT:
        raise Forbidden("guests take part in public conferences only (§5.4)")
    if needs is Needs.ONLINE_LICENCE:
        raise Forbidden("a guest holds no online licence to give back")


def registrant_name(conference: Conference, registrant_id: str, default: str | None) -> str | None:
    """A registrant joins only the webinar they registered for, under the name they
    registered with (§14.4.8)."""
    if registrant_id not in conference.registrant_ids:
        raise Forbidden(
            "no such registration for this webinar",
            [FieldProblem("registrant_id", "invalid", "not registered for this webinar")],
        )
    registered = (r["display_name"] for r in conference.registrants if r["id"] == registrant_id)
    return next(registered, default)
