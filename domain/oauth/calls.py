"""What an OAuth application did through the API (guide §15, §16.1; issue 8 item 4): one
fact per request made with a live application token, refused ones included. Each call
is its own one-event aggregate (like `ReportDeletion`): nothing to load before saving,
and concurrent calls never collide on a subject."""

from __future__ import annotations

from dataclasses import dataclass

from domain.shared.audited import AuditedAggregate

READS = ("GET", "HEAD", "OPTIONS")
MAX_ACTION = 300


def action_of(method: str, route: str) -> str:
    """`POST /api/v4/conferences`: the route's path template, never its values."""
    return f"{method.upper()[:10]} {route}"[:MAX_ACTION]


def is_read(action: str) -> bool:
    return action.split(" ", 1)[0] in READS


@dataclass
class ApplicationCall(AuditedAggregate):
    app_id: str
    """The application's client ID; its name is in the event's actor (`app_name`)."""
    scope: str
    """'server' (acting as an administrator) or 'user' (acting as `subject`)."""
    subject: str
    action: str
    status: int
    """The HTTP status of the reply: below 400 a success, else a refusal."""
    exec_time_ms: int

    class Created(AuditedAggregate.Created, AuditedAggregate.Event):
        app_id: str
        scope: str
        subject: str
        action: str
        status: int
        exec_time_ms: int
