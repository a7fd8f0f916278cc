"""Reports (guide §16): filter, sort, page, export CSV, delete by filter. Read by every
administrator.

Each report is declared once in its projection (projections/report_spec.py); its
routes come from that declaration (api/report_routes.py). What is left here is each
report's path, permission and reply model, and who may see which rows.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Response

from adapters.bootstrap import QuorumSystem
from api import visibility
from api.auth import Principal, Reader, System, Writer, signed_in_with
from api.report_routes import (
    FRESHNESS_WAIT,
    Deletions,
    Given,
    Order,
    Paging,
    add_delete_route,
    add_list_routes,
    answer,
    reports_answering,
)
from api.schemas.reports import (
    Call,
    CallsDeleted,
    CallsPage,
    ChatPage,
    ConfigChangesPage,
    ConnectionsDeleted,
    Endpoint,
    EndpointsPage,
    EventsPage,
    FilesPage,
    InvitesPage,
    ParticipantsPage,
)
from domain.shared.actor import acting_as
from domain.shared.errors import NotFound
from projections.call_history import CALLS_REPORT, INVITES_REPORT, PARTICIPANTS_REPORT
from projections.chat_files import FILES_REPORT
from projections.chat_messages import CHAT_REPORT
from projections.config_changes import CONFIG_CHANGES_REPORT
from projections.endpoints_report import ENDPOINTS_REPORT
from projections.events_report import EVENTS_REPORT
from projections.report_paging import MAX_PAGE_SIZE

router = APIRouter(prefix="/logs", tags=["reports"])

CallsReader = Annotated[Principal, signed_in_with("logs.calls:read")]


# -- Configuration Changes (§16.4), Events (§16.1), Chat Messages (§16.3) ------------------

add_list_routes(
    router,
    CONFIG_CHANGES_REPORT,
    "/config-changes",
    name="config_changes_report",
    reader=Reader,
    page_model=ConfigChangesPage,
)
add_delete_route(
    router,
    CONFIG_CHANGES_REPORT,
    "/config-changes",
    name="delete_config_changes",
    description="Delete the rows matching the filters (RPT-04); Events row `delete_logs`.",
    refreshed=("config_changes", "events"),
)
add_list_routes(
    router, EVENTS_REPORT, "/events", name="events_report", reader=Reader, page_model=EventsPage
)
add_delete_route(
    router,
    EVENTS_REPORT,
    "/events",
    name="delete_events",
    description="Delete the rows matching the filters (RPT-04); the Events row `delete_events`\n"
    "this adds comes after them and stays.",
    refreshed=("events",),
)
add_list_routes(
    router, CHAT_REPORT, "/chat", name="chat_report", reader=Reader, page_model=ChatPage
)
add_delete_route(
    router,
    CHAT_REPORT,
    "/chat",
    name="delete_chat",
    description="Delete the messages matching the filters (RPT-04); Events row\n"
    "`delete_chat_messages`.",
    refreshed=("chat", "events"),
)


# -- Endpoints (§16.6; no CSV export for this report, RPT-03) ---------------------------

add_list_routes(
    router,
    ENDPOINTS_REPORT,
    "/endpoints",
    name="endpoints_report",
    reader=Reader,
    page_model=EndpointsPage,
    description="Connections of client applications; `search` matches every word in any field.",
)


@router.delete("/endpoints", response_model=ConnectionsDeleted)
def delete_old_connections(
    principal: Writer,
    system: System,
    deletions: Deletions,
    older_than_days: int | None = None,
) -> dict[str, Any]:
    """Delete the connection logs of endpoints gone more than `older_than_days` days
    ago (default 180, §16.6); an Events row `delete_connections` gives the count."""
    with acting_as(principal.actor), reports_answering():
        count, cutoff = deletions.delete_old_connections(older_than_days)
    system.fresh("endpoints", FRESHNESS_WAIT)
    return {"deleted": count, "before": cutoff.isoformat()}


@router.get("/endpoints/{endpoint_id}", response_model=Endpoint)
def endpoint_detail(
    endpoint_id: str, principal: Reader, system: System, response: Response
) -> dict[str, Any]:
    page = Paging(page_size=MAX_PAGE_SIZE)
    found = answer(
        ENDPOINTS_REPORT, {"search": endpoint_id}, principal, system, response, Order(), page
    )
    assert isinstance(found, dict)
    for row in found["list"]:
        if row["endpoint_id"].lower() == endpoint_id.lower():
            return dict(row)
    raise NotFound(f"no endpoint {endpoint_id}")


# -- Call History (§16.2) -------------------------------------------------------------------


def visible_calls(
    principal: Principal,
    system: QuorumSystem,
    response: Response,
    at: dict[str, str],
    filters: dict[str, Any],
) -> dict[str, Any]:
    return visibility.calls(principal, filters)


def delete_sessions(deletions: Deletions, given: Given, everything: bool) -> dict[str, Any]:
    count, cascade = deletions.delete_sessions(given.parameters, given.filters, everything)
    return {"deleted": count, "chat_messages_deleted": cascade}


add_list_routes(
    router,
    CALLS_REPORT,
    "/calls",
    name="calls_report",
    reader=CallsReader,
    page_model=CallsPage,
    scope=visible_calls,
    description='Sessions: calls ("Video call") and conference sessions; end empty while running.\n'
    "A user sees the sessions they took part in or owned, but exports none.",
)
add_delete_route(
    router,
    CALLS_REPORT,
    "/calls",
    name="delete_calls",
    description="Delete the sessions matching the filters (RPT-04) except those still running or\n"
    "recorded (SES-10), with their participants, invites, files and chat messages;\n"
    "Events rows `delete_conferences` and `delete_chat_messages_cascade`.",
    refreshed=("call_history", "chat", "chat_files", "events"),
    delete=delete_sessions,
    reply_model=CallsDeleted,
)


@router.get("/calls/{session_id}", response_model=Call)
def call_detail(
    session_id: str, principal: CallsReader, system: System, response: Response
) -> dict[str, Any]:
    """A user sees only a session they took part in or owned (404 otherwise)."""
    filters = visibility.calls(principal, {"session_id": session_id})
    found = answer(CALLS_REPORT, filters, principal, system, response, Order(), Paging())
    assert isinstance(found, dict)
    if not found["list"]:
        raise NotFound(f"no session {session_id}")
    return dict(found["list"][0])


# -- A session's Participant List, Invite List (§16.2.2) and File List (SES-07) ----------


def in_session(
    principal: Principal,
    system: QuorumSystem,
    response: Response,
    at: dict[str, str],
    filters: dict[str, Any],
) -> dict[str, Any]:
    """The rows of a session the caller may see (404 otherwise)."""
    call_detail(at["session_id"], principal, system, response)
    return {**filters, "session_id": at["session_id"]}


def invited_to_session(
    principal: Principal,
    system: QuorumSystem,
    response: Response,
    at: dict[str, str],
    filters: dict[str, Any],
) -> dict[str, Any]:
    filters = in_session(principal, system, response, at, filters)
    return {**filters, "server_name": system.config.server_name}


add_list_routes(
    router,
    PARTICIPANTS_REPORT,
    "/calls/{session_id}/participants",
    name="session_participants",
    reader=Annotated[Principal, signed_in_with("logs.calls.participants:read")],
    page_model=ParticipantsPage,
    scope=in_session,
    description="One row per connection: `date` it arrived, `joined_at` it entered (later for\n"
    "one admitted from the waiting room, empty if never), `left_at` and `duration`\n"
    "empty while connected.",
)
add_list_routes(
    router,
    INVITES_REPORT,
    "/calls/{session_id}/invites",
    name="session_invites",
    reader=Annotated[Principal, signed_in_with("logs.calls.invites:read")],
    page_model=InvitesPage,
    scope=invited_to_session,
    description="Calls into the session: the server's name as inviter for those made at the\n"
    "start, else the user or admin who called; `accepted` once the recipient joined\n"
    "after that call. Self-joins have no row.",
)
add_list_routes(
    router,
    FILES_REPORT,
    "/calls/{session_id}/files",
    name="session_files",
    reader=CallsReader,
    page_model=FilesPage,
    scope=in_session,
    description="Files sent to the session's group chat: `size` in bytes and `size_mb`; each\n"
    "downloads at `GET files/{file_id}` until an admin deletes it (`deleted_at`).",
)
