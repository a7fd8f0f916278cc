"""Invited participants (guide §14.4.2; FEATURES CONF-C-04, CONF-07, REGN-07).

Each invitation is `{id, display_name, is_moderator}`. `id` is a user ID (`user` on
this server, `user@server` on another), a call string (`#sip:`, `#h323:`, `#rtsp:`,
`#tel:`, `\\c\\CID`), for public conferences an e-mail guest (given as
`{email, display_name}`, kept with `id` `#mailto:<email>` and its `email`), or a
webinar registrant (`#guest2:…`, added by registering). The owner is always a
moderator."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from domain.conferencing.checks import array, boolean, email, obj, text
from domain.identity.call_strings import check_call_string
from domain.shared.errors import invalid

MAIL_PREFIX = "#mailto:"
REGISTRANT_PREFIX = "#guest2:"
ENDPOINT_PREFIXES = ("#sip:", "#h323:", "#rtsp:", "#tel:")
CONFERENCE_PREFIX = "\\c\\"
MAX_INVITATIONS = 1600
MAX_NAME = 256

USER = "user"
GUEST = "guest"
ENDPOINT = "endpoint"
CONFERENCE = "conference"


def kind(invitation_id: str) -> str:
    """'user' (own or federated server), 'guest' (e-mail or registrant), 'endpoint'
    (SIP/H.323/RTSP/phone) or 'conference'."""
    if invitation_id.startswith((MAIL_PREFIX, REGISTRANT_PREFIX)):
        return GUEST
    if invitation_id.startswith(ENDPOINT_PREFIXES):
        return ENDPOINT
    if invitation_id.startswith(CONFERENCE_PREFIX):
        return CONFERENCE
    return USER


def check_invitations(
    value: Any,
    *,
    public: bool,
    owner: str,
    registrant_ids: Collection[str] = (),
    field: str = "invitations",
) -> list[dict[str, Any]]:
    entries = array(value, field, MAX_INVITATIONS)
    checked: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        invitation = check_invitation(
            entry, public=public, owner=owner, registrant_ids=registrant_ids, field=f"{field}.{i}"
        )
        key = invitation["id"].lower()
        if key in seen:
            raise invalid(f"{field}.{i}.id", f"{invitation['id']} is invited twice")
        seen.add(key)
        checked.append(invitation)
    return checked


def check_invitation(
    value: Any,
    *,
    public: bool,
    owner: str,
    registrant_ids: Collection[str] = (),
    field: str = "invitation",
) -> dict[str, Any]:
    entry = obj(value, field, ("id", "display_name", "is_moderator", "email"))
    raw_id = entry.get("id")
    mailto = (
        raw_id[len(MAIL_PREFIX) :]
        if isinstance(raw_id, str) and raw_id.startswith(MAIL_PREFIX)
        else None
    )
    address: str | None = None
    if entry.get("email") is not None or mailto is not None:
        given = entry.get("email") or mailto
        address = email(given, f"{field}.email")
        if raw_id is not None and str(raw_id).lower() != f"{MAIL_PREFIX}{address}".lower():
            raise invalid(f"{field}.id", "does not match the e-mail address")
        if not public:
            raise invalid(
                f"{field}.email",
                "e-mail guests can be invited to public conferences only (§14.4.2)",
            )
        invitation_id = f"{MAIL_PREFIX}{address}"
    elif isinstance(raw_id, str) and raw_id.startswith(REGISTRANT_PREFIX):
        if raw_id not in registrant_ids:
            raise invalid(f"{field}.id", "registrants are added by registering (§14.4.8)")
        invitation_id = raw_id
    else:
        invitation_id = check_call_string(raw_id, f"{field}.id")
        if kind(invitation_id) == USER:
            invitation_id = invitation_id.lower()
    display_name = text(entry.get("display_name"), f"{field}.display_name", MAX_NAME)
    is_moderator = boolean(entry.get("is_moderator", False), f"{field}.is_moderator")
    invitation: dict[str, Any] = {
        "id": invitation_id,
        "display_name": display_name or address or invitation_id,
        "is_moderator": is_moderator or invitation_id == owner,
    }
    if address is not None:
        invitation["email"] = address
    return invitation


def participant_ids(owner: str, invitations: list[dict[str, Any]]) -> set[str]:
    return {owner, *(i["id"] for i in invitations)}


def headcount(owner: str, invitations: list[dict[str, Any]]) -> int:
    """Invited participants, the owner included (the '4 / 160' counter, §14.4.2)."""
    return len(participant_ids(owner, invitations))
