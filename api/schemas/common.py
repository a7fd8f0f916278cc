"""What every reply model shares: documented fields, and room for the rest."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import SchemaValidator

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
    """A request body: its route's parameter (through `parsed`), validated against the
    JSON's shape: which fields exist (unknown ones are refused), their JSON types, with
    no coercion (`"yes"` is not a bool, `"5"` not an int), and the required ones. The
    limits, enums and patterns it shows are documentation: the domain's parameter rules
    enforce them, once, and name the bad field. `model_fields_set` tells a PATCH's
    absent field from its null."""

    model_config = ConfigDict(extra="forbid", strict=True)

    def given(self, *, ignored: Iterable[str] = ()) -> dict[str, Any]:
        """The fields the client sent (but `ignored`), as JSON (nested objects too): what
        the domain's typed commands receive."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True, exclude=set(ignored))


B = TypeVar("B", bound=Body)


def parsed(model: type[B], *, partial: bool = False) -> Any:
    """`Depends` reading the JSON request body as `model`'s shape (`Body`), a bad one
    refused as a RequestValidationError (api/errors.py: our 400 naming every field).
    `partial`: no top-level field is required (a PATCH, or a create body whose required
    fields the domain names). The route documents the body with `documented_body`, and
    declares it after its authorization: FastAPI solves dependencies in order, and a
    caller refused 401/403 must hear that, not how its body was wrong."""
    validator = shape_validator(model, partial=partial)

    async def read(request: Request) -> B:
        raw = await request.body()
        if not raw.strip():
            missing = {"type": "missing", "loc": ("body",), "msg": "Field required"}
            raise RequestValidationError([missing])
        try:
            body: B = validator.validate_json(raw)
        except ValidationError as e:
            raise RequestValidationError(_by_field(e)) from None
        return body

    return Depends(read)


_UNION_MEMBER = re.compile(r"^(?:str|bool|int|float|constrained-\w+|[\w-]+\[.*\])$")
"""How pydantic names the members of a union in an error's location (`pin.bool`)."""


def _by_field(e: ValidationError) -> list[dict[str, Any]]:
    """One error per field, at the field's own location: a value no member of a union
    takes is one problem (its messages joined), not one per member."""
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    for err in e.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and _UNION_MEMBER.match(p)))
        field = ("body", *loc)
        if field not in merged:
            merged[field] = {"type": err["type"], "loc": field, "msg": err["msg"]}
        elif err["msg"] not in merged[field]["msg"]:
            merged[field]["msg"] += ", or " + err["msg"].removeprefix("Input should be ")
    return list(merged.values())


_CONSTRAINED = {"str", "int", "float", "list", "dict", "set", "frozenset", "tuple"}
_LIMITS = {"max_length", "min_length", "pattern", "ge", "le", "gt", "lt", "multiple_of"}


def shape_validator(model: type[BaseModel], *, partial: bool = False) -> SchemaValidator:
    """A validator of `model` without the value rules its fields document (limits,
    patterns, enums): those are the domain's. It still makes `model` instances."""
    schema = _shape(model.__pydantic_core_schema__)
    if partial:
        _optional_fields(schema)
    # pydantic-core reuses a finished model's own validator for its schema (with the
    # limits); marked unfinished while this one is built, each model gets `schema`'s.
    models = {m for m in _models(schema) if m.__dict__.get("__pydantic_complete__")}
    try:
        for m in models:
            m.__pydantic_complete__ = False
        return SchemaValidator(schema)
    finally:
        for m in models:
            m.__pydantic_complete__ = True


def _models(node: Any) -> Iterable[type[BaseModel]]:
    if isinstance(node, dict):
        if node.get("type") == "model":
            yield node["cls"]
        for value in node.values():
            yield from _models(value)
    elif isinstance(node, list):
        for item in node:
            yield from _models(item)


def _shape(node: Any) -> Any:
    if isinstance(node, list):
        return [_shape(item) for item in node]
    if not isinstance(node, dict):
        return node
    kind = node.get("type")
    if kind == "literal":
        types = {type(value) for value in node["expected"]}
        if types in ({str}, {bool}, {int}):
            return {"type": types.pop().__name__, "strict": True}
    constrained = isinstance(kind, str) and kind in _CONSTRAINED
    return {k: _shape(v) for k, v in node.items() if not (constrained and k in _LIMITS)}


def _optional_fields(schema: dict[str, Any]) -> None:
    fields = schema["schema"]["fields"]
    for name, field in fields.items():
        if field["schema"]["type"] != "default":
            fields[name] = {**field, "schema": {"type": "default", "schema": field["schema"]}}
            fields[name]["schema"]["default"] = None


def one_of(values: Iterable[str], *default: Any, **documentation: Any) -> Any:
    """A string from one of the domain's lists, documented as that list's enum (the list
    itself stays in the domain, so the documentation cannot drift from it)."""
    return Field(*default, json_schema_extra={"enum": list(values)}, **documentation)


def omitted(*, enum: Iterable[str] | None = None, **constraints: Any) -> Any:
    """An optional field with no default and never null: when absent, nothing changes
    (a PATCH) or the route decides (e.g. one body shape among several). `enum`: one of
    the domain's lists (as `one_of`)."""
    values = None if enum is None else list(enum)

    def document(schema: dict[str, Any]) -> None:
        schema.pop("default", None)
        if values is not None:
            schema["enum"] = values

    return Field(None, json_schema_extra=document, **constraints)


def documented_body(
    *models: type[BaseModel], partial: bool = False, description: str | None = None
) -> dict[str, Any]:
    """`openapi_extra` of a route that reads its JSON body itself (with `parsed`, or
    as a dict): documents that body as `models` (several: any of them), inlined.
    `partial`: a PATCH, every field optional and none defaulted (an absent field keeps
    its value)."""
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
