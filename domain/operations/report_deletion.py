"""Rows deleted from a report by an administrator (guide §16, §16.6; WE-14). The
deletion is itself a fact on the stream, with what it matched and how many rows, so a
rebuilt report deletes the same rows and the Events report shows who did it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from domain.shared.audited import AuditedAggregate
from domain.shared.errors import invalid

ENDPOINTS = "endpoints"
DEFAULT_RETENTION_DAYS = 180
"""The guide's default for connection logs (§16.6, WE-14)."""


@dataclass
class ReportDeletion(AuditedAggregate):
    report: str
    criteria: dict[str, Any]
    count: int

    class Created(AuditedAggregate.Created, AuditedAggregate.Event):
        report: str
        criteria: dict[str, Any]
        count: int


def older_than(days: object, at: datetime) -> datetime:
    """The cutoff of "older than `days` days"; `days` as the API received it."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 36_500:
        raise invalid("older_than_days", "a whole number of days from 1 to 36500")
    return at - timedelta(days=days)
