"""What every reply model shares: documented fields, and room for the rest."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from domain.identity.call_strings import PREFIXES as CALL_PREFIXES


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


def call_string_pattern(*prefixes: str) -> str:
    """domain/identity/call_strings.py's rule: a prefixed address, or a user ID."""
    schemes = "|".join(p.replace("\\", "\\\\") for p in (*CALL_PREFIXES, *prefixes))
    return rf"^\s*(?:{schemes}|[A-Za-z0-9_.\-]+(?:@[A-Za-z0-9_.\-#]+)?\s*$)"


CallString = Annotated[
    str,
    Field(
        max_length=256,
        pattern=call_string_pattern(),
        description="user, user@server, `\\c\\CID`, or #sip:, #h323:, #tel:, #mailto:, "
        "#rtsp: followed by an address",
    ),
]
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class Body(BaseModel):
    """A request body's documentation. Routes still read the JSON themselves (the domain
    checks it and names the bad field, and a PATCH tells an absent field from null), so
    these models only describe what is accepted; unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


def one_of(values: Iterable[str]) -> Any:
    """A string from one of the domain's lists, documented as that list's enum (the list
    itself stays in the domain, so the documentation cannot drift from it)."""
    return Field(json_schema_extra={"enum": list(values)})


def omitted(**constraints: Any) -> Any:
    """An optional field with no default and never null: when absent, nothing changes
    (a PATCH) or the route decides (e.g. one body shape among several)."""
    return Field(None, json_schema_extra=_no_default, **constraints)


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def documented_body(
    *models: type[BaseModel], partial: bool = False, description: str | None = None
) -> dict[str, Any]:
    """`openapi_extra` of a route that takes `body: dict[str, Any]`: documents its JSON
    body as `models` (several: any of them). `partial`: a PATCH, every field optional
    and none defaulted (an absent field keeps its value)."""
    schemas = [partial_schema(m) if partial else schema_of(m) for m in models]
    schema = schemas[0] if len(schemas) == 1 else {"type": "object", "anyOf": schemas}
    return json_body(schema, description)


def json_body(schema: dict[str, Any], description: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"required": True, "content": {"application/json": {"schema": schema}}}
    if description:
        body["description"] = description
    return {"requestBody": body}


def schema_of(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with its nested models inlined: `openapi_extra` cannot add
    to the document's components, and a `#/$defs/...` reference means nothing there."""
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
