"""Domain refusals. Entry points turn each into a 4xx reply; none appends an event."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FieldProblem:
    field: str
    reason: str
    """One of API.md's reasons: 'required', 'invalid', 'tooLong', ..."""
    message: str


@dataclass
class DomainError(Exception):
    message: str
    problems: list[FieldProblem] = field(default_factory=list)

    def __str__(self) -> str:
        return self.message


class InvalidInput(DomainError):
    """The request names fields that are missing, unknown or malformed."""

    @classmethod
    def of(cls, problems: list[FieldProblem]) -> InvalidInput:
        return cls("; ".join(f"{p.field}: {p.message}" for p in problems), problems)


class NotFound(DomainError):
    pass


class AlreadyExists(DomainError):
    pass


class Conflict(DomainError):
    """Someone changed the object first (stale version)."""


class Forbidden(DomainError):
    pass


class Unauthorized(DomainError):
    pass


def invalid(field_name: str, message: str, reason: str = "invalid") -> InvalidInput:
    return InvalidInput(f"{field_name}: {message}", [FieldProblem(field_name, reason, message)])
