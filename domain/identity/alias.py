"""Aliases (guide §13.4): up to 32 letters and digits standing for a call string."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.shared.audited import AuditedAggregate
from domain.shared.errors import invalid

MAX_LENGTH = 32
ALIAS_PATTERN = r"^[A-Za-z0-9]+$"
_ALIAS = re.compile(ALIAS_PATTERN)


def check_alias(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise invalid("alias", "is required", reason="required")
    if len(value) > MAX_LENGTH:
        raise invalid("alias", f"must be at most {MAX_LENGTH} characters", reason="tooLong")
    if not _ALIAS.match(value):
        raise invalid("alias", "may contain only Latin letters and digits")
    return value


@dataclass
class Alias(AuditedAggregate):
    alias: str
    call_string: str
    deleted: bool = field(default=False, init=False)

    class Created(AuditedAggregate.Created, AuditedAggregate.Event):
        alias: str
        call_string: str

    class Retargeted(AuditedAggregate.Event):
        call_string: str

    class Deleted(AuditedAggregate.Event):
        pass

    @staticmethod
    def create_id(alias: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/quorum/aliases/{alias.lower()}")

    @event(Retargeted)
    def retarget(self, call_string: str) -> None:
        self.call_string = call_string
        self.deleted = False

    @event(Deleted)
    def delete(self) -> None:
        self.deleted = True
