"""Reports (guide §16): filter, sort, page, export CSV. Read by every administrator.

Each report is a `Report` (its projection, sortable columns, query and CSV line) and
two routes, the list and its `/export`, sharing one set of query parameters.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Concatenate, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Response

from adapters.bootstrap import QuorumSystem
from api import visibility
from api.auth import Principal, Reader, System, Writer, signed_in_with
from api.csv_export import ViewerFormat, csv_response, exporting, viewer_format
from api.schemas.common import CsvFile
from api.schemas.reports import (
    Call,
    CallsDeleted,
    CallsPage,
    ChatPage,
    ConfigChangesPage,
    ConnectionsDeleted,
    Deleted,
    Endpoint,
    EndpointsPage,
    EventsPage,
    FilesPage,
    InvitesPage,
    ParticipantsPage,
)
from domain.operations.report_deletion import CALL_HISTORY as CALLS_LOG
from domain.operations.report_deletion import CHAT as CHAT_LOG
from domain.operations.report_deletion import CONFIG_CHANGES as CONFIG_CHANGES_LOG
from domain.operations.report_deletion import (
    DEFAULT_RETENTION_DAYS,
    ReportDeletion,
    filters_record,
    older_than,
)
from domain.operations.report_deletion import ENDPOINTS as ENDPOINTS_LOG
from domain.operations.report_deletion import EVENTS as EVENTS_LOG
from domain.settings.rules import timezone as check_timezone
from domain.shared.actor import acting_as
from domain.shared.clock import now
from domain.shared.errors import Conflict, NotFound, invalid
from projections import call_history as calls_model
from projections import chat_files as files_model
from projections import chat_messages as chat_model
from projections import config_changes
from projections import endpoints_report as endpoints_model
from projections import events_report as events_model
from projections.report_calls import Answer, ReportCallFailed, ReportsUnavailable
from projections.report_query import MAX_PAGE_SIZE

router = APIRouter(prefix="/logs", tags=["reports"])

FRESHNESS_WAIT = 5.0
P = ParamSpec("P")
T = TypeVar("T")


def parse_when(name: str, value: str | None) -> datetime | None:
    """ISO 8601 or Unix seconds (API.md); a date without zone is UTC."""
    if value is None or value == "":
        return None
    try:
        if value.lstrip("-").isdigit():
            return datetime.fromtimestamp(int(value), UTC)
        parsed = datetime.fromisoformat(value)
    except (ValueError, OverflowError, OSError):
        raise invalid(name, "must be an ISO 8601 date-time or Unix seconds") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def render(moment: datetime, fmt: ViewerFormat) -> str:
    return moment.astimezone(ZoneInfo(fmt.timezone)).isoformat()


def _timezone(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return check_timezone(value)
    except ValueError as e:
        raise invalid("timezone", str(e)) from None


@dataclass(frozen=True)
class Report:
    projection: str
    sortable: tuple[str, ...]
    query: Callable[..., tuple[int, list[dict[str, Any]]]]
    csv_name: str
    csv_header: tuple[str, ...]
    csv_line: Callable[[dict[str, Any], ViewerFormat], Sequence[Any]]


@dataclass
class Order:
    sort_field: str = "date"
    sort_order: Annotated[int, Query(ge=0, le=1)] = 1
    timezone: str | None = None


@dataclass
class Paging:
    page: Annotated[int, Query(ge=1)] = 1
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50


def report_call(
    system: QuorumSystem,
    function: Callable[Concatenate[Any, P], T],
    /,
    *args: P.args,
    **kwargs: P.kwargs,
) -> Answer[T]:
    """Every report read and count: `function` (registered in projections/report_calls.py)
    on the reports, in-process or by a report replica, once fresh; none answering is
    a 503, a replica that cannot answer a 502."""
    try:
        return system.report_calls.call(function, *args, **kwargs)
    except ReportsUnavailable as e:
        raise HTTPException(503, str(e), headers={"Retry-After": "2"}) from None
    except ReportCallFailed as e:  # e.g. a replica older than this API
        raise HTTPException(502, str(e)) from None


def answer(
    report: Report,
    filters: Any,
    principal: Principal,
    system: QuorumSystem,
    response: Response,
    order: Order,
    paging: Paging | None,
) -> Response | dict[str, Any]:
    """The rows as `{cnt, list}`, or all of them as CSV when `paging` is None."""
    if order.sort_field not in report.sortable:
        raise invalid("sort_field", f"sort by one of {', '.join(report.sortable)}")
    fmt = viewer_format(system, principal, _timezone(order.timezone))
    found = report_call(
        system,
        report.query,
        filters,
        sort_field=order.sort_field,
        descending=order.sort_order == 1,
        page=paging.page if paging else 1,
        page_size=paging.page_size if paging else 1,
        paged=paging is not None,
        csv_zone=None if paging else fmt.timezone,
    )
    if not found.fresh:
        response.headers["X-Quorum-Report-Lag"] = "behind"
    total, rows = found.value
    if paging is None:  # rows in the CSV form: times as text, JSON as stored text
        lines = (report.csv_line(row, fmt) for row in rows)
        return csv_response(report.csv_name, report.csv_header, lines, fmt)
    for row in rows:
        for name, value in row.items():
            if isinstance(value, datetime):
                row[name] = render(value, fmt)
    return {"cnt": total, "list": rows}


OrderBy = Annotated[Order, Depends()]
Pages = Annotated[Paging, Depends()]
ExportCsv = Annotated[bool, Depends(exporting)]
"""The rows as CSV: the `/export` path, or `Accept: text/csv` on the list."""


# -- Deleting the rows a filter matches (RPT-04; sort and paging do not matter) ----------

DeleteAll = Annotated[bool, Query(alias="all")]
"""Without any filter, a deletion of every row must say so: `all=true`."""
DELETIONS = threading.Lock()
"""One deletion at a time: each counts after the one before it was applied."""


def criteria_given(params: Any, everything: bool) -> dict[str, Any]:
    """The filter parameters as the administrator gave them; refuses none at all."""
    given = {k: v for k, v in asdict(params).items() if v is not None and v != []}
    if not given and not everything:
        raise invalid("all", "give at least one filter, or all=true to delete every row")
    return {**given, "all": True} if everything else given


def counted(system: QuorumSystem, function: Callable[..., T], *args: Any) -> T:
    """A deletion's count (`function`, registered in projections/report_calls.py) from
    a report that has applied the stream up to the call: refused if it lags."""
    found = report_call(system, function, *args)
    if not found.fresh:
        raise Conflict("the report is catching up with the stream; nothing was deleted")
    return found.value


def stream_head(system: QuorumSystem) -> int:
    """A deletion counts, and may delete, the rows of this sequence or before."""
    return system.recorder.max_notification_id() or 0


def delete_matching(
    system: QuorumSystem,
    principal: Principal,
    report: str,
    count_matching: Callable[..., int],
    params: Any,
    everything: bool,
    *projections: str,
) -> int:
    """Delete the rows of `report` that `params`' filters match (`count_matching`
    counts them up to the stream head); returns the count."""
    filters = params.filters()
    criteria = criteria_given(params, everything)
    with DELETIONS:
        through = stream_head(system)
        count = counted(system, count_matching, filters, through)
        deletion = ReportDeletion(
            report=report,
            criteria=criteria,
            count=count,
            filters=filters_record(filters),
            through=through,
        )
        record_deletion(system, principal, deletion, *projections)
    return count


def record_deletion(
    system: QuorumSystem, principal: Principal, deletion: ReportDeletion, *projections: str
) -> None:
    with acting_as(principal.actor):
        system.store.save(deletion)
    for name in projections:
        system.fresh(name, FRESHNESS_WAIT)


# -- Configuration Changes (§16.4) ---------------------------------------------------------

CONFIG_CHANGES = Report(
    projection="config_changes",
    sortable=config_changes.SORTABLE,
    query=config_changes.query,
    csv_name="config-changes.csv",
    csv_header=("date", "action", "object_type", "object_id", "username", "changes_in", "changes"),
    csv_line=lambda r, fmt: config_change_line(r),
)


def config_change_line(r: dict[str, Any]) -> tuple[Any, ...]:
    changes = json.loads(r["changes"])
    return (
        r["date"],
        r["action"],
        r["object_type"],
        r["object_id"],
        r["username"],
        ", ".join(c["parameter"] for c in changes),
        "; ".join(
            f"{c['parameter']}: {json.dumps(c['previous'])} -> {json.dumps(c['new'])}"
            for c in changes
        ),
    )


@dataclass
class ConfigChangeParams:
    date_from: str | None = None
    date_to: str | None = None
    action: str | None = None
    object_type: str | None = None
    username: str | None = None

    def filters(self) -> config_changes.ConfigChangeFilters:
        return config_changes.ConfigChangeFilters(
            date_from=parse_when("date_from", self.date_from),
            date_to=parse_when("date_to", self.date_to),
            action=self.action,
            object_type=self.object_type,
            username=self.username,
        )


ConfigChangeQuery = Annotated[ConfigChangeParams, Depends()]


@router.get("/config-changes", response_model=ConfigChangesPage)
@router.get("/config-changes/export", response_model=None, response_class=CsvFile)
def config_changes_report(
    principal: Reader,
    system: System,
    response: Response,
    params: ConfigChangeQuery,
    order: OrderBy,
    paging: Pages,
    as_csv: ExportCsv,
) -> Response | dict[str, Any]:
    pages = None if as_csv else paging
    return answer(CONFIG_CHANGES, params.filters(), principal, system, response, order, pages)


@router.delete("/config-changes", response_model=Deleted)
def delete_config_changes(
    principal: Writer, system: System, params: ConfigChangeQuery, everything: DeleteAll = False
) -> dict[str, Any]:
    """Delete the rows matching the filters (RPT-04); Events row `delete_logs`."""
    count = delete_matching(
        system,
        principal,
        CONFIG_CHANGES_LOG,
        config_changes.count_matching,
        params,
        everything,
        "config_changes",
        "events",
    )
    return {"deleted": count}


# -- Events (§16.1) -------------------------------------------------------------------------

EVENTS = Report(
    projection="events",
    sortable=events_model.SORTABLE,
    query=events_model.query,
    csv_name="events.csv",
    csv_header=("date", "event", "source", "severity", "object_name", "ip", "details"),
    csv_line=lambda r, fmt: (
        r["date"],
        r["event"],
        r["source"],
        r["severity"],
        r["object_name"],
        r["ip"] or "",
        unescaped_json(r["details"]),
    ),
)


def unescaped_json(stored: str) -> str:
    """JSON text as `json.dumps(..., ensure_ascii=False)` writes it. The stored text is
    `json.dumps` with ASCII escapes: the same unless it has a `\\u` escape."""
    if "\\u" not in stored:
        return stored
    return json.dumps(json.loads(stored), ensure_ascii=False)


@dataclass
class EventParams:
    date_from: str | None = None
    date_to: str | None = None
    source: str | None = None
    event: Annotated[list[str] | None, Query()] = None
    severity: str | None = None
    object_name: str | None = None
    ip: str | None = None

    def filters(self) -> events_model.EventFilters:
        if self.source is not None and self.source not in events_model.SOURCES:
            raise invalid("source", f"one of {', '.join(events_model.SOURCES)}")
        if self.severity is not None and self.severity not in events_model.SEVERITIES:
            raise invalid("severity", f"one of {', '.join(events_model.SEVERITIES)}")
        return events_model.EventFilters(
            date_from=parse_when("date_from", self.date_from),
            date_to=parse_when("date_to", self.date_to),
            source=self.source,
            events=tuple(self.event or ()),
            severity=self.severity,
            object_name=self.object_name,
            ip=self.ip,
        )


EventQuery = Annotated[EventParams, Depends()]


@router.get("/events", response_model=EventsPage)
@router.get("/events/export", response_model=None, response_class=CsvFile)
def events_report(
    principal: Reader,
    system: System,
    response: Response,
    params: EventQuery,
    order: OrderBy,
    paging: Pages,
    as_csv: ExportCsv,
) -> Response | dict[str, Any]:
    pages = None if as_csv else paging
    return answer(EVENTS, params.filters(), principal, system, response, order, pages)


@router.delete("/events", response_model=Deleted)
def delete_events(
    principal: Writer, system: System, params: EventQuery, everything: DeleteAll = False
) -> dict[str, Any]:
    """Delete the rows matching the filters (RPT-04); the Events row `delete_events`
    this adds comes after them and stays."""
    count = delete_matching(
        system, principal, EVENTS_LOG, events_model.count_matching, params, everything, "events"
    )
    return {"deleted": count}


# -- Endpoints (§16.6; no CSV export for this report, RPT-03) ---------------------------

ENDPOINTS = Report(
    projection="endpoints",
    sortable=endpoints_model.SORTABLE,
    query=endpoints_model.query,
    csv_name="endpoints.csv",
    csv_header=(),
    csv_line=lambda r, fmt: (),
)


@dataclass
class EndpointParams:
    date_from: str | None = None
    date_to: str | None = None
    user_id: str | None = None
    search: str | None = None
    connected: bool | None = None

    def filters(self) -> endpoints_model.EndpointFilters:
        return endpoints_model.EndpointFilters(
            date_from=parse_when("date_from", self.date_from),
            date_to=parse_when("date_to", self.date_to),
            user_id=self.user_id.lower() if self.user_id else None,
            search=self.search,
            connected=self.connected,
        )


@router.get("/endpoints", response_model=EndpointsPage)
def endpoints_report(
    principal: Reader,
    system: System,
    response: Response,
    params: Annotated[EndpointParams, Depends()],
    order: OrderBy,
    paging: Pages,
) -> Response | dict[str, Any]:
    """Connections of client applications; `search` matches every word in any field."""
    return answer(ENDPOINTS, params.filters(), principal, system, response, order, paging)


@router.delete("/endpoints", response_model=ConnectionsDeleted)
def delete_old_connections(
    principal: Writer,
    system: System,
    older_than_days: int | None = None,
) -> dict[str, Any]:
    """Delete the connection logs of endpoints gone more than `older_than_days` days
    ago (default 180, §16.6); an Events row `delete_connections` gives the count."""
    days = DEFAULT_RETENTION_DAYS if older_than_days is None else older_than_days
    cutoff = older_than(days, now())
    count = report_call(system, endpoints_model.count_older, cutoff).value
    with acting_as(principal.actor):
        deletion = ReportDeletion(
            report=ENDPOINTS_LOG,
            criteria={"older_than_days": days, "before": cutoff.isoformat()},
            count=count,
        )
        system.store.save(deletion)
    system.fresh("endpoints", FRESHNESS_WAIT)
    return {"deleted": count, "before": cutoff.isoformat()}


@router.get("/endpoints/{endpoint_id}", response_model=Endpoint)
def endpoint_detail(
    endpoint_id: str, principal: Reader, system: System, response: Response
) -> dict[str, Any]:
    found = answer(
        ENDPOINTS,
        endpoints_model.EndpointFilters(search=endpoint_id),
        principal,
        system,
        response,
        Order(),
        Paging(page_size=MAX_PAGE_SIZE),
    )
    assert isinstance(found, dict)
    for row in found["list"]:
        if row["endpoint_id"].lower() == endpoint_id.lower():
            return dict(row)
    raise NotFound(f"no endpoint {endpoint_id}")


# -- Call History (§16.2) -------------------------------------------------------------------

CALLS = Report(
    projection="call_history",
    sortable=calls_model.SORTABLE,
    query=calls_model.query,
    csv_name="calls.csv",
    csv_header=(
        "date",
        "session_id",
        "owner",
        "mode",
        "cid",
        "topic",
        "participants",
        "end_time",
        "duration",
        "end_cause",
    ),
    csv_line=lambda r, fmt: (
        r["date"],
        r["session_id"],
        r["owner"],
        r["mode"],
        r["cid"] or "",
        r["topic"] or "",
        r["participants"],
        r["end_time"] or "",
        r["duration"] if r["duration"] is not None else "",
        r["end_cause"] or "",
    ),
)


@dataclass
class CallParams:
    date_from: str | None = None
    date_to: str | None = None
    owner: str | None = None
    cid: str | None = None
    participant: str | None = None

    def filters(self) -> calls_model.CallFilters:
        return calls_model.CallFilters(
            date_from=parse_when("date_from", self.date_from),
            date_to=parse_when("date_to", self.date_to),
            owner=self.owner,
            cid=self.cid,
            participant=self.participant,
        )


CallQuery = Annotated[CallParams, Depends()]


@router.get("/calls", response_model=CallsPage)
@router.get("/calls/export", response_model=None, response_class=CsvFile)
def calls_report(
    principal: Annotated[Principal, signed_in_with("logs.calls:read")],
    system: System,
    response: Response,
    params: CallQuery,
    order: OrderBy,
    paging: Pages,
    as_csv: ExportCsv,
) -> Response | dict[str, Any]:
    """Sessions: calls ("Video call") and conference sessions; end empty while running.
    A user sees the sessions they took part in or owned, but exports none."""
    if as_csv:
        visibility.check_may_export(principal)
    pages = None if as_csv else paging
    filters = visibility.calls(principal, params.filters())
    return answer(CALLS, filters, principal, system, response, order, pages)


@router.delete("/calls", response_model=CallsDeleted)
def delete_calls(
    principal: Writer, system: System, params: CallQuery, everything: DeleteAll = False
) -> dict[str, Any]:
    """Delete the sessions matching the filters (RPT-04) except those still running or
    recorded (SES-10), with their participants, invites, files and chat messages;
    Events rows `delete_conferences` and `delete_chat_messages_cascade`."""
    filters = params.filters()
    criteria = criteria_given(params, everything)
    with DELETIONS:
        through = stream_head(system)
        sessions = counted(system, calls_model.deletable_sessions, filters, through)
        cascade = counted(system, chat_model.count_in_sessions, sessions, through)
        deletion = ReportDeletion(
            report=CALLS_LOG,
            criteria=criteria,
            count=len(sessions),
            filters=filters_record(filters),
            through=through,
            cascade_count=cascade,
        )
        deletion.delete_sessions(sessions)
        reports = ("call_history", "chat", "chat_files", "events")
        record_deletion(system, principal, deletion, *reports)
    return {"deleted": len(sessions), "chat_messages_deleted": cascade}


@router.get("/calls/{session_id}", response_model=Call)
def call_detail(
    session_id: str,
    principal: Annotated[Principal, signed_in_with("logs.calls:read")],
    system: System,
    response: Response,
) -> dict[str, Any]:
    """A user sees only a session they took part in or owned (404 otherwise)."""
    found = answer(
        CALLS,
        visibility.calls(principal, calls_model.CallFilters(session_id=session_id)),
        principal,
        system,
        response,
        Order(),
        Paging(),
    )
    assert isinstance(found, dict)
    if not found["list"]:
        raise NotFound(f"no session {session_id}")
    return dict(found["list"][0])


# -- A session's Participant List and Invite List (§16.2.2) ---------------------------------

SESSION_PARTICIPANTS = Report(
    projection="call_history",
    sortable=calls_model.PARTICIPANT_SORTABLE,
    query=calls_model.participants,
    csv_name="participants.csv",
    csv_header=(
        "date",
        "user_id",
        "display_name",
        "joined_at",
        "left_at",
        "duration",
        "disconnect_cause",
        "endpoint_id",
    ),
    csv_line=lambda r, fmt: (
        r["date"],
        r["user_id"],
        r["display_name"],
        r["joined_at"] or "",
        r["left_at"] or "",
        r["duration"] if r["duration"] is not None else "",
        r["disconnect_cause"] or "",
        r["endpoint_id"] or "",
    ),
)


@dataclass
class ParticipantParams:
    date_from: str | None = None
    date_to: str | None = None
    user_id: str | None = None
    endpoint_id: str | None = None
    disconnect_cause: str | None = None
    connected: bool | None = None

    def filters(self, session_id: str) -> calls_model.ParticipantFilters:
        return calls_model.ParticipantFilters(
            session_id=session_id,
            date_from=parse_when("date_from", self.date_from),
            date_to=parse_when("date_to", self.date_to),
            user_id=self.user_id.lower() if self.user_id else None,
            endpoint_id=self.endpoint_id,
            disconnect_cause=self.disconnect_cause,
            connected=self.connected,
        )


ParticipantQuery = Annotated[ParticipantParams, Depends()]


@router.get("/calls/{session_id}/participants", response_model=ParticipantsPage)
@router.get("/calls/{session_id}/participants/export", response_model=None, response_class=CsvFile)
def session_participants(
    session_id: str,
    principal: Annotated[Principal, signed_in_with("logs.calls.participants:read")],
    system: System,
    response: Response,
    params: ParticipantQuery,
    order: OrderBy,
    paging: Pages,
    as_csv: ExportCsv,
) -> Response | dict[str, Any]:
    """One row per connection: `date` it arrived, `joined_at` it entered (later for
    one admitted from the waiting room, empty if never), `left_at` and `duration`
    empty while connected."""
    if as_csv:
        visibility.check_may_export(principal)
    call_detail(session_id, principal, system, response)
    pages = None if as_csv else paging
    filters = params.filters(session_id)
    return answer(SESSION_PARTICIPANTS, filters, principal, system, response, order, pages)


SESSION_INVITES = Report(
    projection="call_history",
    sortable=calls_model.INVITE_SORTABLE,
    query=calls_model.invites,
    csv_name="invites.csv",
    csv_header=("date", "inviter", "recipient", "accepted"),
    csv_line=lambda r, fmt: (
        r["date"],
        r["inviter"],
        r["recipient"],
        "true" if r["accepted"] else "false",
    ),
)


@dataclass
class InviteParams:
    date_from: str | None = None
    date_to: str | None = None
    inviter: str | None = None
    recipient: str | None = None
    accepted: bool | None = None

    def filters(self, session_id: str, server_name: str) -> calls_model.InviteFilters:
        return calls_model.InviteFilters(
            session_id=session_id,
            server_name=server_name,
            date_from=parse_when("date_from", self.date_from),
            date_to=parse_when("date_to", self.date_to),
            inviter=self.inviter,
            recipient=self.recipient,
            accepted=self.accepted,
        )


InviteQuery = Annotated[InviteParams, Depends()]


@router.get("/calls/{session_id}/invites", response_model=InvitesPage)
@router.get("/calls/{session_id}/invites/export", response_model=None, response_class=CsvFile)
def session_invites(
    session_id: str,
    principal: Annotated[Principal, signed_in_with("logs.calls.invites:read")],
    system: System,
    response: Response,
    params: InviteQuery,
    order: OrderBy,
    paging: Pages,
    as_csv: ExportCsv,
) -> Response | dict[str, Any]:
    """Calls into the session: the server's name as inviter for those made at the
    start, else the user or admin who called; `accepted` once the recipient joined
    after that call. Self-joins have no row."""
    if as_csv:
        visibility.check_may_export(principal)
    call_detail(session_id, principal, system, response)
    pages = None if as_csv else paging
    filters = params.filters(session_id, system.config.server_name)
    return answer(SESSION_INVITES, filters, principal, system, response, order, pages)


# -- A session's File List (§16.2.2, SES-07) -------------------------------------------------

SESSION_FILES = Report(
    projection="chat_files",
    sortable=files_model.SORTABLE,
    query=files_model.query,
    csv_name="files.csv",
    csv_header=("date", "sender", "name", "size_mb", "file_id", "deleted_at"),
    csv_line=lambda r, fmt: (
        r["date"],
        r["sender"],
        r["name"],
        r["size_mb"],
        r["file_id"],
        r["deleted_at"] or "",
    ),
)


@router.get("/calls/{session_id}/files", response_model=FilesPage)
@router.get("/calls/{session_id}/files/export", response_model=None, response_class=CsvFile)
def session_files(
    session_id: str,
    principal: Annotated[Principal, signed_in_with("logs.calls:read")],
    system: System,
    response: Response,
    order: OrderBy,
    paging: Pages,
    as_csv: ExportCsv,
) -> Response | dict[str, Any]:
    """Files sent to the session's group chat: `size` in bytes and `size_mb`; each
    downloads at `GET files/{file_id}` until an admin deletes it (`deleted_at`)."""
    if as_csv:
        visibility.check_may_export(principal)
    call_detail(session_id, principal, system, response)
    pages = None if as_csv else paging
    filters = files_model.FileFilters(session_id=session_id)
    return answer(SESSION_FILES, filters, principal, system, response, order, pages)


# -- Chat Messages (§16.3) -------------------------------------------------------------------

CHAT = Report(
    projection="chat",
    sortable=chat_model.SORTABLE,
    query=chat_model.query,
    csv_name="chat.csv",
    csv_header=("date", "sender", "recipient", "message", "session_id", "file_name", "file_size"),
    csv_line=lambda r, fmt: (
        r["date"],
        r["sender"],
        r["recipient"],
        r["message"],
        r["session_id"] or "",
        r["file_name"] or "",
        r["file_size"] if r["file_size"] is not None else "",
    ),
)


@dataclass
class ChatParams:
    date_from: str | None = None
    date_to: str | None = None
    sender: str | None = None
    recipient: str | None = None
    session_id: str | None = None

    def filters(self) -> chat_model.ChatFilters:
        return chat_model.ChatFilters(
            date_from=parse_when("date_from", self.date_from),
            date_to=parse_when("date_to", self.date_to),
            sender=self.sender,
            recipient=self.recipient,
            session_id=self.session_id,
        )


ChatQuery = Annotated[ChatParams, Depends()]


@router.get("/chat", response_model=ChatPage)
@router.get("/chat/export", response_model=None, response_class=CsvFile)
def chat_report(
    principal: Reader,
    system: System,
    response: Response,
    params: ChatQuery,
    order: OrderBy,
    paging: Pages,
    as_csv: ExportCsv,
) -> Response | dict[str, Any]:
    pages = None if as_csv else paging
    return answer(CHAT, params.filters(), principal, system, response, order, pages)


@router.delete("/chat", response_model=Deleted)
def delete_chat(
    principal: Writer, system: System, params: ChatQuery, everything: DeleteAll = False
) -> dict[str, Any]:
    """Delete the messages matching the filters (RPT-04); Events row
    `delete_chat_messages`."""
    count = delete_matching(
        system, principal, CHAT_LOG, chat_model.count_matching, params, everything, "chat", "events"
    )
    return {"deleted": count}
