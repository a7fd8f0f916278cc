"""A report's routes from its declaration (projections/report_spec.py): the list, its
`/export` (CSV) and its `DELETE` by filter, each filter a typed, documented query
parameter. Every read goes through the report reads (projections/report_reads.py);
a deletion is the `ReportDeletions` use case (domain/operations/report_deletion_service.py).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Concatenate, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Response

from adapters.bootstrap import QuorumSystem
from api import visibility
from api.auth import Principal, System, Writer
from api.csv_export import ViewerFormat, csv_response, exporting, viewer_format
from api.schemas.common import CsvFile
from api.schemas.reports import Deleted
from domain.operations.report_deletion_service import ReportDeletions
from domain.settings.rules import timezone as check_timezone
from domain.shared.actor import acting_as
from domain.shared.errors import invalid
from projections.report_paging import MAX_PAGE_SIZE
from projections.report_reads import Answer, ReportReadFailed, ReportsUnavailable
from projections.report_spec import Filter, FilterValues, Report

FRESHNESS_WAIT = 5.0
P = ParamSpec("P")
T = TypeVar("T")


def render(moment: datetime, fmt: ViewerFormat) -> str:
    return moment.astimezone(ZoneInfo(fmt.timezone)).isoformat()


def _timezone(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return check_timezone(value)
    except ValueError as e:
        raise invalid("timezone", str(e)) from None


@dataclass
class Order:
    sort_field: str = "date"
    sort_order: Annotated[int, Query(ge=0, le=1)] = 1
    timezone: str | None = None


@dataclass
class Paging:
    page: Annotated[int, Query(ge=1)] = 1
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50


OrderBy = Annotated[Order, Depends()]
Pages = Annotated[Paging, Depends()]
ExportCsv = Annotated[bool, Depends(exporting)]
"""The rows as CSV: the `/export` path, or `Accept: text/csv` on the list."""
DeleteAll = Annotated[bool, Query(alias="all")]
"""Without any filter, a deletion of every row must say so: `all=true`."""


@contextmanager
def reports_answering() -> Iterator[None]:
    """None of the reports answering is a 503, a replica that cannot answer a 502."""
    try:
        yield
    except ReportsUnavailable as e:
        raise HTTPException(503, str(e), headers={"Retry-After": "2"}) from None
    except ReportReadFailed as e:  # e.g. a replica older than this API
        raise HTTPException(502, str(e)) from None


def report_read(
    system: QuorumSystem,
    function: Callable[Concatenate[Any, P], T],
    /,
    *args: P.args,
    **kwargs: P.kwargs,
) -> Answer[T]:
    """Every report read and count: `function` (registered in projections/report_reads.py)
    on the reports, in-process or by a report replica, once fresh."""
    with reports_answering():
        return system.report_reads.read(function, *args, **kwargs)


def answer(
    report: Report,
    filters: FilterValues,
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
    found = report_read(
        system,
        report.rows,
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
        assert report.csv is not None
        lines = (report.csv.line(row) for row in rows)
        return csv_response(report.csv.name, report.csv.header, lines, fmt)
    for row in rows:
        for name, value in row.items():
            if isinstance(value, datetime):
                row[name] = render(value, fmt)
    return {"cnt": total, "list": rows}


# -- The filters as query parameters ---------------------------------------------------


@dataclass(frozen=True)
class Given:
    """A report's filter parameters: as given (a deletion records them) and parsed."""

    parameters: dict[str, Any]
    filters: dict[str, Any]


def _annotation(f: Filter, query: Any) -> Any:
    """The parameter's type: text (dates too, parsed by the filter), flag or list."""
    if f.kind == "flag":
        return Annotated[bool | None, query]
    if f.kind == "texts":
        return Annotated[list[str] | None, query]
    return Annotated[str | None, query]


def _signed(function: Callable[..., T], parameters: list[inspect.Parameter]) -> Callable[..., T]:
    """`function(**arguments)` as FastAPI sees it: taking these parameters."""
    function.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    return function


def _parameter(f: Filter) -> inspect.Parameter:
    assert f.parameter is not None
    description = f.description
    if f.choices:
        description = f"{description + '; ' if description else ''}one of {', '.join(f.choices)}"
    annotation = _annotation(f, Query(description=description or None))
    return inspect.Parameter(
        f.parameter, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation
    )


def filter_parameters(report: Report) -> Callable[..., Given]:
    """A FastAPI dependency taking the report's filters as query parameters."""

    def given(**parameters: Any) -> Given:
        return Given(parameters, report.values(parameters))

    return _signed(given, [_parameter(f) for f in report.parameters()])


# -- The routes --------------------------------------------------------------------------


Scope = Callable[[Principal, QuorumSystem, Response, dict[str, str], dict[str, Any]], FilterValues]
"""Narrows a list to what the caller may see and to its path (e.g. one session)."""
Deletion = Callable[[ReportDeletions, Given, bool], dict[str, Any]]


def deletions_of(system: System) -> ReportDeletions:
    return system.report_deletions


Deletions = Annotated[ReportDeletions, Depends(deletions_of)]


def _path_parameters(path: str) -> list[inspect.Parameter]:
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    return [
        inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=str) for n in names
    ]


def _keyword(
    name: str, annotation: Any, default: Any = inspect.Parameter.empty
) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default
    )


def add_list_routes(
    router: APIRouter,
    report: Report,
    path: str,
    *,
    name: str,
    reader: Any,
    page_model: type,
    scope: Scope | None = None,
    description: str | None = None,
) -> None:
    """`GET path` (a page) and, with a CSV layout, `GET path/export` (every row)."""
    export = report.csv is not None

    def listed(
        *,
        principal: Principal,
        system: QuorumSystem,
        response: Response,
        given: Given,
        order: Order,
        paging: Paging,
        as_csv: bool = False,
        **at: str,
    ) -> Response | dict[str, Any]:
        if as_csv:
            visibility.check_may_export(principal)
        filters: FilterValues = given.filters
        if scope is not None:
            filters = scope(principal, system, response, at, dict(filters))
        return answer(
            report, filters, principal, system, response, order, None if as_csv else paging
        )

    parameters = [
        *_path_parameters(path),
        _keyword("principal", reader),
        _keyword("system", System),
        _keyword("response", Response),
        _keyword("given", Annotated[Given, Depends(filter_parameters(report))]),
        _keyword("order", OrderBy),
        _keyword("paging", Pages),
    ]
    if export:
        parameters.append(_keyword("as_csv", ExportCsv))
    router.add_api_route(
        path,
        _signed(listed, parameters),
        methods=["GET"],
        response_model=page_model,
        name=name,
        description=description,
    )
    if export:
        router.add_api_route(
            f"{path}/export",
            listed,
            methods=["GET"],
            response_model=None,
            response_class=CsvFile,
            name=name,
            description=description,
        )


def add_delete_route(
    router: APIRouter,
    report: Report,
    path: str,
    *,
    name: str,
    description: str,
    refreshed: Sequence[str],
    delete: Deletion | None = None,
    reply_model: type = Deleted,
) -> None:
    """`DELETE path`: the rows the filters match (RPT-04; sort and paging do not
    matter); `refreshed`: the reports the reply waits for."""

    def deleted(
        *,
        principal: Principal,
        system: QuorumSystem,
        deletions: ReportDeletions,
        given: Given,
        everything: bool = False,
    ) -> dict[str, Any]:
        with acting_as(principal.actor), reports_answering():
            if delete is not None:
                reply = delete(deletions, given, everything)
            else:
                assert report.deletion is not None
                count = deletions.delete_matching(
                    report.deletion, given.parameters, given.filters, everything
                )
                reply = {"deleted": count}
        for projection in refreshed:
            system.fresh(projection, FRESHNESS_WAIT)
        return reply

    parameters = [
        _keyword("principal", Writer),
        _keyword("system", System),
        _keyword("deletions", Deletions),
        _keyword("given", Annotated[Given, Depends(filter_parameters(report))]),
        _keyword("everything", DeleteAll, False),
    ]
    router.add_api_route(
        path,
        _signed(deleted, parameters),
        methods=["DELETE"],
        response_model=reply_model,
        name=name,
        description=description,
    )
