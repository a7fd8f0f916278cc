"""Whose conferences and sessions a requester may see and change (guide §15.1, OA-05).

Administrators and server-scope applications: every one. A user (a user-scope
application token, or the built-in client's): only conferences they own or are invited
to, and the sessions they took part in (or owned). What a user may not see answers
404, as if it did not exist; what they may see but not change (someone else's
conference they are invited to) answers 403.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import Depends

from api.auth import Principal, writing_own
from api.dependencies.conferencing import ConferencesQuery, ConferencesView
from domain.sessions.sessions_service import Requester
from domain.shared.errors import Forbidden, NotFound
from projections import conferences as view
from projections.conferences import ConferenceRow
from projections.report_spec import FilterValues


def party(principal: Principal) -> str | None:
    """The user a requester's lists are limited to; None: an administrator sees all."""
    return principal.name if principal.role == "user" else None


def conference(conferences: ConferencesQuery, principal: Principal, cid: str) -> ConferenceRow:
    """The conference `cid` as the requester may see it; 404 when it does not exist or
    the requester is a user neither owning it nor invited."""
    row = conferences.find(cid)
    user = party(principal)
    if row is None or (user is not None and not view.is_party(row, user)):
        raise NotFound(f"no conference {cid!r}")
    return row


def check_may_see(conferences: ConferencesQuery, principal: Principal, cid: str) -> None:
    if party(principal) is not None:
        conference(conferences, principal, cid)


def owned(conferences: ConferencesQuery, principal: Principal, cid: str) -> ConferenceRow:
    """The conference `cid` if the requester may change it: only its owner changes a
    conference (administrators change any)."""
    row = conference(conferences, principal, cid)
    user = party(principal)
    if user is not None and row.owner.lower() != user:
        raise Forbidden("only the conference's owner may change it")
    return row


def check_may_change(conferences: ConferencesQuery, principal: Principal, cid: str) -> None:
    if party(principal) is not None:
        owned(conferences, principal, cid)


def requester(conferences: ConferencesQuery, principal: Principal, cid: str) -> Requester:
    """Who manages a running conference's participants. The owner, from the API, with
    the authority of an administrator; an invitee by the domain's moderator rule
    (a moderator taking part, §2.3)."""
    user = party(principal)
    if user is None or conference(conferences, principal, cid).owner.lower() == user:
        return Requester(admin=principal.name)
    return Requester(user_id=user)


def changing(*permissions: str) -> Any:
    """`Annotated[Principal, changing("conferences:write")]`: `writing_own`, and a requester
    who may change the conference `{cid}`. A dependency, so that a refused requester hears
    403/404 before anything about the body it sent."""
    writer = writing_own(*permissions)

    def may_change(
        cid: str,
        conferences: ConferencesView,
        principal: Principal = writer,
    ) -> Principal:
        check_may_change(conferences, principal, cid)
        return principal

    return Depends(may_change)


def managing(*permissions: str) -> Any:
    """`Annotated[Requester, managing("conferences.participants:write")]`: who manages the
    running conference `{cid}` (`requester`), for a `writing_own` principal."""
    writer = writing_own(*permissions)

    def manager(
        cid: str,
        conferences: ConferencesView,
        principal: Principal = writer,
    ) -> Requester:
        return requester(conferences, principal, cid)

    return Depends(manager)


def start_cause(principal: Principal) -> str:
    """An administrator's launch, or the owner's (as a participant starting it)."""
    return "admin" if party(principal) is None else "participant"


def end_cause(principal: Principal) -> str:
    """An administrator's stop, or the owner's for everyone (as a moderator)."""
    return "admin" if party(principal) is None else "moderator"


def check_owner_field(principal: Principal, owner: str | None) -> None:
    """A user's conference is their own: `owner` may only name them."""
    user = party(principal)
    if user is not None and owner is not None and owner.lower() != user:
        raise Forbidden("a user may only own their own conferences")


def new_conference_owner(
    principal: Principal, owner: str | None, may_create: Callable[[str], bool]
) -> str | None:
    """The owner of a new conference: a user's is theirs, and only if their groups have
    the right to create conferences (§13.3.1, USR-02)."""
    user = party(principal)
    if user is None:
        return owner
    check_owner_field(principal, owner)
    if not may_create(user):
        raise Forbidden("your groups do not allow creating conferences (§13.3.1)")
    return owner or user


def calls(principal: Principal, filters: FilterValues) -> dict[str, Any]:
    """Call History rows limited to the sessions a user took part in or owned."""
    user = party(principal)
    return dict(filters) if user is None else {**filters, "visible_to": user}


def check_may_export(principal: Principal) -> None:
    """CSV exports are the administrators' reports (§16); a user reads their own rows."""
    if party(principal) is not None:
        raise Forbidden("only administrators export reports to CSV")


def since_created(row: ConferenceRow, date_from: datetime | None) -> datetime:
    """Rows of a conference start after it was created: earlier ones with its CID were
    another conference's, whose CID was freed and taken again."""
    created = row.created_at
    created = created if created.tzinfo else created.replace(tzinfo=UTC)  # SQLite: naive UTC
    return created if date_from is None else max(date_from, created)
