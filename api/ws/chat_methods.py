"""`chat.send` and `conference.chat` (docs/signaling.md, §16.3): each message is an
event, pushed at once to recipients online and on connect to the others."""

from __future__ import annotations

from typing import Any

from adapters.bootstrap import QuorumSystem
from api.ws import params
from api.ws.gateway import Gateway
from api.ws.method import Method, Request
from domain.messaging.message import ChatMessage, message_view
from domain.sessions.guests import Needs


def _send(request: Request) -> dict[str, Any]:
    system, p = request.system, request.params
    message = system.messaging.send(request.user_id, p.get("to"), p.get("text"), p.get("file_id"))
    request.gateway.notify(message.recipient, "chat.message", chat_push(system, message))
    return {"message_id": str(message.id)}


def _conference_chat(request: Request) -> dict[str, Any]:
    """A message to everyone joined."""
    system, p = request.system, request.params
    cid = params.conference_id(p)
    session, recipients = system.sessions.chat_audience(cid, request.requester)
    message = system.messaging.send_to_session(
        request.user_id,
        session.session_id,
        session.cid,
        recipients,
        p.get("text"),
        p.get("file_id"),
    )
    for recipient in recipients:
        request.gateway.notify(
            recipient, "conference.message", chat_push(system, message, recipient)
        )
    return {"message_id": str(message.id)}


def deliver_waiting_messages(gateway: Gateway, user_id: str) -> None:
    """Messages sent while the user was offline reach them when they connect."""
    for message in gateway.system.messaging.waiting_for(user_id):
        gateway.notify(user_id, "chat.message", chat_push(gateway.system, message))


def chat_push(
    system: QuorumSystem, message: ChatMessage, recipient: str | None = None
) -> dict[str, Any]:
    """A file comes with its link only to recipients whose groups allow downloading."""
    may_download = system.files.may_download(recipient or message.recipient)
    return message_view(message, may_download)


METHODS = {
    "chat.send": Method(_send),
    "conference.chat": Method(_conference_chat, needs=Needs.NOTHING),
}
