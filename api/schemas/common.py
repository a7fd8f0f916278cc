"""What every reply model shares (documented fields, and room for the rest), and the
OpenAPI helpers of a body documented by hand."""

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


class Listing(Reply):
    """`{cnt, list}` of plain objects (invitations, registrations, contacts, …)."""

    cnt: int
    list: list[dict[str, Any]]


class Empty(Reply):
    """Nothing to say beyond the status (e.g. RFC 7009's token revocation)."""


def json_body(schema: dict[str, Any], description: str | None = None) -> dict[str, Any]:
    """`openapi_extra` of a route that reads its JSON body itself (e.g. one of several
    models, chosen by a path parameter): documents that body as `schema`."""
    body: dict[str, Any] = {"required": True, "content": {"application/json": {"schema": schema}}}
    if description:
        body["description"] = description
    return {"requestBody": body}


def schema_of(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with its nested models inlined: a `#/$defs/...` reference
    means nothing outside the model's own schema (in `openapi_extra`, or in place)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})
    inlined: dict[str, Any] = _inline(schema, defs)
    return inlined


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            target = _inline(defs[ref.removeprefix("#/$defs/")], defs)
            return {**target, **{k: _inline(v, defs) for k, v in node.items() if k != "$ref"}}
        return {k: _inline(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    return node


def partial_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's schema for a PATCH: no field required, none defaulted."""
    schema = schema_of(model)
    properties = {
        name: {k: v for k, v in prop.items() if k != "default"}
        for name, prop in schema.get("properties", {}).items()
    }
    rest = {k: v for k, v in schema.items() if k != "required"}
    return {**rest, "properties": properties}
