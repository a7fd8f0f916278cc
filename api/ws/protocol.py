"""The signaling protocol's vocabulary (API.md 'Signaling gateway'; docs/signaling.md):
the methods clients call, from the method table, and the events pushed to them."""

from __future__ import annotations

from api.ws.method_table import METHODS as TABLE

METHODS = tuple(TABLE)
EVENTS = (
    "status",
    "call.incoming",
    "call.accepted",
    "call.rejected",
    "call.ended",
    "call.missed",
    "chat.message",
    "conference.invitation",
    "conference.participant",
    "conference.state",
    "conference.message",
    "conference.ended",
)
