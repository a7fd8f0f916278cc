"""JSON for report reads over NATS: arguments and results come back as the same Python
values (datetimes in their zone, tuples, filter dataclasses), so a route cannot tell a
report replica's answer from an in-process one.

Plain JSON values pass as they are; everything else is a tagged object `{"$": tag,
"v": ...}`. Dataclasses are rebuilt only from the allowed list (never a type named by
the network).
"""

from __future__ import annotations

import base64
import dataclasses
import json
import typing
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

TAG = "$"


class Codec:
    def __init__(self, dataclass_types: Iterable[type]) -> None:
        self.types = {type_name(t): t for t in dataclass_types}

    def dumps(self, value: Any) -> bytes:
        return json.dumps(self.encode(value), ensure_ascii=False, separators=(",", ":")).encode()

    def loads(self, data: bytes) -> Any:
        return self.decode(json.loads(data))

    def encode(self, value: Any) -> Any:
        if value is None or isinstance(value, bool | int | float | str):
            return value
        if isinstance(value, list):
            return [self.encode(v) for v in value]
        if isinstance(value, dict):
            if TAG not in value and all(isinstance(k, str) for k in value):
                return {k: self.encode(v) for k, v in value.items()}
            return _tagged("map", [[self.encode(k), self.encode(v)] for k, v in value.items()])
        if isinstance(value, tuple):
            return _tagged("tuple", [self.encode(v) for v in value])
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            name = type_name(type(value))
            if name not in self.types:
                raise TypeError(f"{name} is not a report read type")
            fields = {f.name: self.encode(getattr(value, f.name)) for f in _init_fields(value)}
            return {TAG: "dataclass", "type": name, "v": fields}
        return _scalar(value)

    def decode(self, data: Any) -> Any:
        if isinstance(data, list):
            return [self.decode(v) for v in data]
        if not isinstance(data, dict):
            return data
        tag = data.get(TAG)
        if tag is None:
            return {k: self.decode(v) for k, v in data.items()}
        if tag == "map":
            return {self.decode(k): self.decode(v) for k, v in data["v"]}
        if tag == "tuple":
            return tuple(self.decode(v) for v in data["v"])
        if tag == "dataclass":
            cls = self.types.get(data["type"])
            if cls is None:
                raise TypeError(f"{data['type']} is not a report read type")
            return cls(**{k: self.decode(v) for k, v in data["v"].items()})
        return _unscalar(tag, data)


def _tagged(tag: str, value: Any) -> dict[str, Any]:
    return {TAG: tag, "v": value}


def _scalar(value: Any) -> dict[str, Any]:
    if isinstance(value, datetime):
        encoded = _tagged("datetime", value.isoformat())
        if isinstance(value.tzinfo, ZoneInfo):
            encoded["zone"] = value.tzinfo.key
        return encoded
    if isinstance(value, date):
        return _tagged("date", value.isoformat())
    if isinstance(value, time):
        return _tagged("time", value.isoformat())
    if isinstance(value, timedelta):
        return _tagged("timedelta", [value.days, value.seconds, value.microseconds])
    if isinstance(value, Decimal):
        return _tagged("decimal", str(value))
    if isinstance(value, UUID):
        return _tagged("uuid", str(value))
    if isinstance(value, bytes):
        return _tagged("bytes", base64.b64encode(value).decode())
    raise TypeError(f"a {type(value).__name__} cannot be sent in a report read")


def _unscalar(tag: str, data: dict[str, Any]) -> Any:
    value = data["v"]
    if tag == "datetime":
        moment = datetime.fromisoformat(value)
        zone = data.get("zone")
        return moment.astimezone(ZoneInfo(zone)) if zone else moment
    decoders: dict[str, Callable[[Any], Any]] = {
        "date": date.fromisoformat,
        "time": time.fromisoformat,
        "timedelta": lambda v: timedelta(days=v[0], seconds=v[1], microseconds=v[2]),
        "decimal": Decimal,
        "uuid": UUID,
        "bytes": base64.b64decode,
    }
    if tag not in decoders:
        raise TypeError(f"unknown tag {tag!r} in a report read")
    return decoders[tag](value)


def _init_fields(value: Any) -> list[dataclasses.Field[Any]]:
    return [f for f in dataclasses.fields(value) if f.init]


def type_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def dataclasses_of(functions: Iterable[Callable[..., Any]]) -> set[type]:
    """The dataclasses named in these functions' signatures (arguments and results,
    inside generics too): the types their calls may carry."""
    found: set[type] = set()

    def walk(hint: Any) -> None:
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            found.add(hint)
        for arg in typing.get_args(hint):
            walk(arg)

    for function in functions:
        for hint in typing.get_type_hints(function).values():
            walk(hint)
    return found
