"""Automatic lockout (guide §13.10.2, FEATURES LCK-01..03, Z-2).

Only failures against an existing user ID count. The counter starts again when the
gap since the previous failure is at least the reset interval; the account locks
when the count reaches the maximum.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class LockoutPolicy:
    enabled: bool = True
    duration: timedelta = timedelta(minutes=30)
    max_failed_attempts: int = 5
    reset_after: timedelta = timedelta(minutes=10)

    @staticmethod
    def from_settings(values: dict[str, Any]) -> LockoutPolicy:
        return LockoutPolicy(
            enabled=values["enabled"],
            duration=timedelta(minutes=values["duration_minutes"]),
            max_failed_attempts=values["max_failed_attempts"],
            reset_after=timedelta(minutes=values["reset_after_minutes"]),
        )


@dataclass(frozen=True)
class FailureCount:
    count: int = 0
    last_failure_at: datetime | None = None


def count_failure(previous: FailureCount, at: datetime, policy: LockoutPolicy) -> FailureCount:
    if previous.last_failure_at is not None and at - previous.last_failure_at < policy.reset_after:
        return FailureCount(previous.count + 1, at)
    return FailureCount(1, at)


def lock_until(count: FailureCount, at: datetime, policy: LockoutPolicy) -> datetime | None:
    """When the account stays locked until, if this failure locks it."""
    if policy.enabled and count.count >= policy.max_failed_attempts:
        return at + policy.duration
    return None
