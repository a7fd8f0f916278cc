"""Where the SIP/H.323/RTSP gateway brings devices into conferences (guide §5.3,
§11): NATS request/reply on the event store's NATS, answered by whichever server
process takes it (queue group), like every service-to-service message (ARCHITECTURE
§3). The gateway process itself (SIP, H.323, RTSP stacks) is outside this code; this
is its contract, documented in docs/signaling.md "Devices".

`quorum.devices.join` {cid, call_string, pin?, display_name?, account?} → {"result":
{participant_id, session_id, state}} or {"error": {...}} as the REST API's error body.
`account` is the user the device is registered as: it takes an online licence too.
`quorum.devices.leave` {cid, participant_id, cause?} → {"result": {"left": true}}.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from adapters.bootstrap import QuorumSystem
from api.errors import error_body, status_of
from api.ws.fanout import Fanout
from domain.conferencing.invitations import ENDPOINT_PREFIXES
from domain.sessions.admission import ENDPOINT
from domain.shared.actor import Actor, acting_as
from domain.shared.errors import DomainError, FieldProblem, InvalidInput

JOIN_SUBJECT = "quorum.devices.join"
LEAVE_SUBJECT = "quorum.devices.leave"
QUEUE = "quorum-devices"
log = logging.getLogger(__name__)


class DeviceLink:
    def __init__(self, system: QuorumSystem, fanout: Fanout) -> None:
        self.system = system
        fanout.on(JOIN_SUBJECT, self._on_join, queue=QUEUE)
        fanout.on(LEAVE_SUBJECT, self._on_leave, queue=QUEUE)

    # NATS handlers run on the NATS loop; the domain blocks on that loop, so a thread.
    async def _on_join(self, body: Any) -> dict[str, Any]:
        return await asyncio.to_thread(_answer, self.join, body)

    async def _on_leave(self, body: Any) -> dict[str, Any]:
        return await asyncio.to_thread(_answer, self.leave, body)

    def join(self, body: Any) -> dict[str, Any]:
        fields = _object(body)
        call_string = fields.get("call_string")
        if not isinstance(call_string, str) or not call_string.startswith(ENDPOINT_PREFIXES):
            raise InvalidInput.of(
                [
                    FieldProblem(
                        "call_string",
                        "invalid",
                        f"starts with one of {', '.join(ENDPOINT_PREFIXES)}",
                    )
                ]
            )
        account = fields.get("account")
        if account is not None and (
            not isinstance(account, str) or self.system.users.find(account) is None
        ):
            raise InvalidInput.of([FieldProblem("account", "invalid", "not a user of this server")])
        protocol = call_string[1 : call_string.index(":")]
        with acting_as(Actor(kind="system", name=f"{protocol} gateway", app_name=protocol)):
            joined = self.system.sessions.join(
                fields.get("cid"),
                user_id=call_string,
                kind=ENDPOINT,
                endpoint_id=None,
                display_name=_text(fields.get("display_name")) or call_string,
                pin=fields.get("pin"),
                account=account,
            )
        participant = joined.participant
        return {
            "participant_id": participant["participant_id"],
            "session_id": joined.session.session_id,
            "state": participant["state"],
        }

    def leave(self, body: Any) -> dict[str, Any]:
        fields = _object(body)
        cause = _text(fields.get("cause")) or "hangup"
        with acting_as(Actor(kind="system", name="device gateway")):
            self.system.sessions.leave_device(
                fields.get("cid"), fields.get("participant_id"), cause
            )
        return {"left": True}


def _answer(handler: Any, body: Any) -> dict[str, Any]:
    try:
        return {"result": handler(body)}
    except DomainError as e:
        return error_body(status_of(e)[0], e.message, e.problems)
    except Exception:  # never leave the gateway waiting for a reply
        log.exception("a device request failed")
        return error_body(500, "the server could not handle the request")


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise InvalidInput.of([FieldProblem("body", "invalid", "must be a JSON object")])
    return body


def _text(value: Any) -> str | None:
    return value[:256] if isinstance(value, str) and value.strip() else None
