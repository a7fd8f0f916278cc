"""What every request body shares: the route's parameter, validated against the JSON's
shape only; the value rules it shows are the domain's, documented here, enforced there
(the domain names the bad field with its own reason, e.g. `tooLong`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticUndefined

from api.schemas.common import schema_of
from domain.identity.call_strings import PREFIXES as CALL_PREFIXES


class Body(BaseModel):
    """A request body: its route's parameter, validated against the JSON's shape: which
    fields exist (unknown ones are refused), their JSON types, with no coercion (`"yes"`
    is not a bool, `"5"` not an int), and the required ones. The limits, enums and
    patterns it shows are documentation: the domain's parameter rules enforce them, once,
    and name the bad field. `model_fields_set` tells a PATCH's absent field from its null."""

    model_config = ConfigDict(extra="forbid", strict=True)

    def given(self, *, ignored: Iterable[str] = ()) -> dict[str, Any]:
        """The fields the client sent (but `ignored`), as JSON (nested objects too): what
        the domain's typed commands receive."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True, exclude=set(ignored))


class Located(Body):
    """A body the domain names as one object: a bad field is `<location>.<field>`
    (e.g. `app_settings.max_inbound_kbps`), whoever refuses it."""

    location: ClassVar[str]

    @model_validator(mode="wrap")
    @classmethod
    def _located(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(data)
        except ValidationError as e:
            errors = [{**err, "loc": (cls.location, *err["loc"])} for err in e.errors()]
            raise ValidationError.from_exception_data(e.title, errors) from None  # type: ignore[arg-type]


def documented(default: Any = PydanticUndefined, **schema: Any) -> Any:
    """A field with `schema` (JSON-schema keywords: maxLength, pattern, minimum, …)
    documented, not enforced here."""
    return Field(default, json_schema_extra=lambda field: _document(field, schema))


def unset(**schema: Any) -> Any:
    """An optional field shown without a default: absent, it changes nothing (a PATCH),
    or the domain decides (it names a missing one)."""

    def extra(field: dict[str, Any]) -> None:
        field.pop("default", None)
        _document(field, schema)

    return Field(None, json_schema_extra=extra)


def one_of(values: Iterable[str], *default: Any, **documentation: Any) -> Any:
    """A string from one of the domain's lists, documented as that list's enum (the list
    itself stays in the domain, so the documentation cannot drift from it)."""
    return Field(*default, json_schema_extra={"enum": list(values)}, **documentation)


def shown(**schema: Any) -> Any:
    """`Annotated` metadata documenting a value inside a list or a union (`schema`'s
    JSON-schema keywords), not enforced here."""
    return Field(json_schema_extra=schema)


def inlined(model: type[BaseModel]) -> Any:
    """`Annotated` metadata showing a nested body in place, not as a reference: a client
    reads the whole body where it is documented."""
    return WithJsonSchema(schema_of(model))


def partial(schema: dict[str, Any]) -> None:
    """`json_schema_extra` of a PATCH's model: no field required, none defaulted (an
    absent field keeps its value)."""
    schema.pop("required", None)
    for field in schema.get("properties", {}).values():
        field.pop("default", None)


def either(*models: type[BaseModel]) -> Any:
    """`json_schema_extra` of a body that takes one of several shapes: documented as
    those `models`, inlined."""

    def document(schema: dict[str, Any]) -> None:
        schema.clear()
        schema.update(type="object", anyOf=[schema_of(m) for m in models])

    return document


def _document(field: dict[str, Any], schema: dict[str, Any]) -> None:
    """A value rule belongs to the value, not to its `null` alternative."""
    notes = {k: schema[k] for k in ("description",) if k in schema}
    rules = {k: v for k, v in schema.items() if k not in notes}
    values = [one for one in field.get("anyOf", ()) if one.get("type") != "null"]
    (values[0] if len(values) == 1 else field).update(rules)
    field.update(notes)


def call_string_pattern(*prefixes: str) -> str:
    """domain/identity/call_strings.py's rule: a prefixed address, or a user ID."""
    schemes = "|".join(p.replace("\\", "\\\\") for p in (*CALL_PREFIXES, *prefixes))
    return rf"^\s*(?:{schemes}|[A-Za-z0-9_.\-]+(?:@[A-Za-z0-9_.\-#]+)?\s*$)"


CallString = Annotated[
    str,
    documented(
        maxLength=256,
        pattern=call_string_pattern(),
        description="user, user@server, `\\c\\CID`, or #sip:, #h323:, #tel:, #mailto:, "
        "#rtsp: followed by an address",
    ),
]
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
