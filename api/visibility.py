"""Whose conferences and sessions a caller may see and change (guide §15.1, OA-05).

Administrators and server-scope applications: every one. A user (a user-scope
application token, or the built-in client's): only conferences they own or are invited
to, and the sessions they took part in (or owned). What a user may not see answers
404, as if it did not exist; what they may see but not change (someone else's
conference they are invited to) answers 403.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from adapters.bootstrap import QuorumSystem
from api.auth import Principal
from domain.sessions.service import Caller
from domain.shared.errors import Forbidden, NotFound
from projections import conferences as view
from projections.conferences import ConferenceRow
from projections.report_spec import FilterValues


def party(principal: Principal) -> str | None:
    """The user a caller's lists are limited to; None: an administrator sees all."""
    return principal.name if principal.role == "user" else None


def conference(system: QuorumSystem, principal: Principal, cid: str) -> ConferenceRow:
    """The conference `cid` as the caller may see it; 404 when it does not exist or
    the caller is a user neither owning it nor invited."""
    system.fresh("conferences")
    row = view.get_conference(system.sql_engine, cid)
    user = party(principal)
    if row is None or (user is not None and not view.is_party(row, user)):
        raise NotFound(f"no conference {cid!r}")
    return row


def check_may_see(system: QuorumSystem, principal: Principal, cid: str) -> None:
    if party(principal) is not None:
        conference(system, principal, cid)


def owned(system: QuorumSystem, principal: Principal, cid: str) -> ConferenceRow:
    """The conference `cid` if the caller may change it: only its owner changes a
    conference (administrators change any)."""
    row = conference(system, principal, cid)
    user = party(principal)
    if user is not None and row.owner.lower() != user:
        raise Forbidden("only the conference's owner may change it")
    return row


def check_may_change(system: QuorumSystem, principal: Principal, cid: str) -> None:
    if party(principal) is not None:
        owned(system, principal, cid)


def caller(system: QuorumSystem, principal: Principal, cid: str) -> Caller:
    """Who manages a running conference's participants. The owner, from the API, with
    the authority of an administrator; an invitee by the domain's moderator rule
    (a moderator taking part, §2.3)."""
    user = party(principal)
    if user is None or conference(system, principal, cid).owner.lower() == user:
        return Caller(admin=principal.name)
    return Caller(user_id=user)


def start_cause(principal: Principal) -> str:
    """An administrator's launch, or the owner's (as a participant starting it)."""
    return "admin" if party(principal) is None else "participant"


def end_cause(principal: Principal) -> str:
    """An administrator's stop, or the owner's for everyone (as a moderator)."""
    return "admin" if party(principal) is None else "moderator"


def check_owner_field(principal: Principal, body: dict[str, Any]) -> None:
    """A user's conference is their own: `owner` may only name them."""
    user = party(principal)
    owner = body.get("owner")
    if user is not None and owner is not None and str(owner).lower() != user:
        raise Forbidden("a user may only own their own conferences")


def conference_to_create(
    system: QuorumSystem, principal: Principal, body: dict[str, Any]
) -> dict[str, Any]:
    """A user's new conference is theirs, and only if their groups have the right to
    create conferences (§13.3.1, USR-02)."""
    user = party(principal)
    if user is None:
        return body
    check_owner_field(principal, body)
    account = system.users.get(user)
    if not system.groups.rights_of(account.group_ids)["create_conferences"]:
        raise Forbidden("your groups do not allow creating conferences (§13.3.1)")
    return {**body, "owner": body.get("owner") or user}


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
