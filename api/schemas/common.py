"""What every reply model shares: documented fields, and room for the rest."""

from __future__ import annotations

from typing import Any

from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict


class CsvFile(Response):
    """`response_class` of an `/export` route: documents its reply as text/csv (the route
    itself builds the CSV in the viewer's encoding and delimiter)."""

    media_type = "text/csv"


class Download(Response):
    """`response_class` of a download route: documents its reply as the file's bytes."""

    media_type = "application/octet-stream"


class Reply(BaseModel):
    """A reply object: the documented fields are typed; others the route adds are kept
    (a reply model documents, it must never drop what clients already read)."""

    model_config = ConfigDict(extra="allow")


class ReportPage(Reply):
    """A report list (API.md 'Lists'): the total and one page of rows."""

    cnt: int
    list: list[dict[str, Any]]


class Listing(Reply):
    """`{cnt, list}` of plain objects (invitations, registrations, contacts, …)."""

    cnt: int
    list: list[dict[str, Any]]


class Empty(Reply):
    """Nothing to say beyond the status (e.g. RFC 7009's token revocation)."""
