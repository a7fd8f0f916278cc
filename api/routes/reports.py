"""Reports (guide §16): filter, sort, page, export CSV. Read by every administrator."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Header, Query, Response

from adapters.system import QuorumSystem
from api.auth import Principal, Reader, System
from api.csv_export import ViewerFormat, csv_response, viewer_format, wants_csv
from domain.settings.rules import timezone as check_timezone
from domain.shared.errors import invalid
from projections import config_changes
from projections import events_report as events_report_model
from projections.report_query import MAX_PAGE_SIZE

router = APIRouter(prefix="/logs", tags=["reports"])

FRESHNESS_WAIT = 2.0
CONFIG_CHANGE_COLUMNS = (
    "date",
    "action",
    "object_type",
    "object_id",
    "username",
    "changes_in",
    "changes",
)


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


def _fresh(system: QuorumSystem, name: str, response: Response) -> None:
    """Answer with everything acknowledged before this request, if it arrives in time."""
    if not system.fresh(name, FRESHNESS_WAIT):
        response.headers["X-Quorum-Report-Lag"] = "behind"


def _timezone(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return check_timezone(value)
    except ValueError as e:
        raise invalid("timezone", str(e)) from None


@dataclass
class ConfigChangeParams:
    """The filters and order of the Configuration Changes report (§16.4)."""

    date_from: str | None = None
    date_to: str | None = None
    action: str | None = None
    object_type: str | None = None
    username: str | None = None
    sort_field: str = "date"
    sort_order: Annotated[int, Query(ge=0, le=1)] = 1
    timezone: str | None = None


Params = Annotated[ConfigChangeParams, Depends()]


@router.get("/config-changes", response_model=None)
def config_changes_report(
    principal: Reader,
    system: System,
    response: Response,
    params: Params,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    accept: Annotated[str | None, Header()] = None,
) -> Response | dict[str, Any]:
    as_csv = wants_csv(accept)
    fmt, total, rows = _config_changes(principal, system, response, params, page, page_size, as_csv)
    if as_csv:
        return _config_changes_csv(rows, fmt)
    for row in rows:
        row["date"] = render(row["date"], fmt)
    return {"cnt": total, "list": rows}


@router.get("/config-changes/export", response_model=None)
def export_config_changes(
    principal: Reader, system: System, response: Response, params: Params
) -> Response:
    fmt, _, rows = _config_changes(principal, system, response, params, 1, 1, as_csv=True)
    return _config_changes_csv(rows, fmt)


def _config_changes(
    principal: Principal,
    system: QuorumSystem,
    response: Response,
    params: ConfigChangeParams,
    page: int,
    page_size: int,
    as_csv: bool,
) -> tuple[ViewerFormat, int, list[dict[str, Any]]]:
    if params.sort_field not in config_changes.SORTABLE:
        raise invalid("sort_field", f"sort by one of {', '.join(config_changes.SORTABLE)}")
    fmt = viewer_format(system, principal, _timezone(params.timezone))
    filters = config_changes.ConfigChangeFilters(
        date_from=parse_when("date_from", params.date_from),
        date_to=parse_when("date_to", params.date_to),
        action=params.action,
        object_type=params.object_type,
        username=params.username,
    )
    _fresh(system, "config_changes", response)
    assert system.reports is not None, "the server process owns the reports"
    total, rows = config_changes.query(
        system.reports,
        filters,
        sort_field=params.sort_field,
        descending=params.sort_order == 1,
        page=page,
        page_size=page_size,
        paged=not as_csv,
    )
    return fmt, total, rows


def _config_changes_csv(rows: list[dict[str, Any]], fmt: ViewerFormat) -> Response:
    lines = (
        (
            render(r["date"], fmt),
            r["action"],
            r["object_type"],
            r["object_id"],
            r["username"],
            ", ".join(c["parameter"] for c in r["changes"]),
            "; ".join(
                f"{c['parameter']}: {json.dumps(c['previous'])} -> {json.dumps(c['new'])}"
                for c in r["changes"]
            ),
        )
        for r in rows
    )
    return csv_response("config-changes.csv", CONFIG_CHANGE_COLUMNS, lines, fmt)


# -- the Events report (§16.1) ------------------------------------------------------------

EVENT_COLUMNS = ("date", "event", "source", "severity", "object_name", "ip", "details")


@dataclass
class EventParams:
    """The filters and order of the Events report (§16.1)."""

    date_from: str | None = None
    date_to: str | None = None
    source: str | None = None
    event: Annotated[list[str] | None, Query()] = None
    severity: str | None = None
    object_name: str | None = None
    ip: str | None = None
    sort_field: str = "date"
    sort_order: Annotated[int, Query(ge=0, le=1)] = 1
    timezone: str | None = None


EventQuery = Annotated[EventParams, Depends()]


@router.get("/events", response_model=None)
def events_report(
    principal: Reader,
    system: System,
    response: Response,
    params: EventQuery,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    accept: Annotated[str | None, Header()] = None,
) -> Response | dict[str, Any]:
    as_csv = wants_csv(accept)
    fmt, total, rows = _events(principal, system, response, params, page, page_size, as_csv)
    if as_csv:
        return _events_csv(rows, fmt)
    for row in rows:
        row["date"] = render(row["date"], fmt)
    return {"cnt": total, "list": rows}


@router.get("/events/export", response_model=None)
def export_events(
    principal: Reader, system: System, response: Response, params: EventQuery
) -> Response:
    fmt, _, rows = _events(principal, system, response, params, 1, 1, as_csv=True)
    return _events_csv(rows, fmt)


def _events(
    principal: Principal,
    system: QuorumSystem,
    response: Response,
    params: EventParams,
    page: int,
    page_size: int,
    as_csv: bool,
) -> tuple[ViewerFormat, int, list[dict[str, Any]]]:
    if params.sort_field not in events_report_model.SORTABLE:
        raise invalid("sort_field", f"sort by one of {', '.join(events_report_model.SORTABLE)}")
    if params.source is not None and params.source not in events_report_model.SOURCES:
        raise invalid("source", f"one of {', '.join(events_report_model.SOURCES)}")
    if params.severity is not None and params.severity not in events_report_model.SEVERITIES:
        raise invalid("severity", f"one of {', '.join(events_report_model.SEVERITIES)}")
    fmt = viewer_format(system, principal, _timezone(params.timezone))
    filters = events_report_model.EventFilters(
        date_from=parse_when("date_from", params.date_from),
        date_to=parse_when("date_to", params.date_to),
        source=params.source,
        events=tuple(params.event or ()),
        severity=params.severity,
        object_name=params.object_name,
        ip=params.ip,
    )
    _fresh(system, "events", response)
    assert system.reports is not None, "the server process owns the reports"
    total, rows = events_report_model.query(
        system.reports,
        filters,
        sort_field=params.sort_field,
        descending=params.sort_order == 1,
        page=page,
        page_size=page_size,
        paged=not as_csv,
    )
    return fmt, total, rows


def _events_csv(rows: list[dict[str, Any]], fmt: ViewerFormat) -> Response:
    lines = (
        (
            render(r["date"], fmt),
            r["event"],
            r["source"],
            r["severity"],
            r["object_name"],
            r["ip"] or "",
            json.dumps(r["details"], ensure_ascii=False),
        )
        for r in rows
    )
    return csv_response("events.csv", EVENT_COLUMNS, lines, fmt)
