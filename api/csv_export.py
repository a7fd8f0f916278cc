"""CSV exports in the viewer's encoding and delimiter (guide §8.4, §16)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response

from adapters.system import QuorumSystem
from api.auth import Principal


@dataclass(frozen=True)
class ViewerFormat:
    timezone: str
    encoding: str
    delimiter: str


def viewer_format(system: QuorumSystem, principal: Principal, timezone: str | None) -> ViewerFormat:
    """The caller's preferences, falling back to the server's settings."""
    main = system.settings.get().main
    prefs = principal.preferences
    return ViewerFormat(
        timezone=timezone or prefs.get("timezone") or main["timezone"],
        encoding=prefs.get("csv_encoding") or main["csv_encoding"],
        delimiter=prefs.get("csv_delimiter") or main["csv_delimiter"],
    )


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]], fmt: ViewerFormat
) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=fmt.delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    body = buffer.getvalue().encode(fmt.encoding, errors="replace")
    return Response(
        content=body,
        media_type=f"text/csv; charset={fmt.encoding}",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def exporting(request: Request) -> bool:
    """Whether a report is asked for as CSV: its `/export` path, or `Accept: text/csv`
    on the list (API.md)."""
    return request.url.path.endswith("/export") or "text/csv" in request.headers.get("accept", "")
