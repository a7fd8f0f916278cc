"""Request-body fields whose value rules the domain enforces: the schema shows the rule,
the domain checks it (and names the field with its own reason, e.g. `tooLong`)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import (
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    model_validator,
)
from pydantic_core import PydanticUndefined

from api.schemas.common import Body


class StrictBody(Body):
    """A body whose JSON types are checked strictly: `"yes"` is no bool, `"5"` no int."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Located(StrictBody):
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
    """An optional field shown without a default: absent, it changes nothing (a PATCH)."""

    def extra(field: dict[str, Any]) -> None:
        field.pop("default", None)
        _document(field, schema)

    return Field(None, json_schema_extra=extra)


def _document(field: dict[str, Any], schema: dict[str, Any]) -> None:
    """A value rule belongs to the value, not to its `null` alternative."""
    notes = {k: schema[k] for k in ("description",) if k in schema}
    rules = {k: v for k, v in schema.items() if k not in notes}
    values = [one for one in field.get("anyOf", ()) if one.get("type") != "null"]
    (values[0] if len(values) == 1 else field).update(rules)
    field.update(notes)
