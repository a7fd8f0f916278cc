"""Personal chat between users (guide §16.3): send; delivered at once to online
recipients, to offline ones when they next connect."""

from __future__ import annotations

from uuid import UUID

from domain.identity.users_service import UsersService
from domain.messaging.message import MAX_TEXT, ChatMessage
from domain.shared.application import QuorumStore, find, with_retries
from domain.shared.clock import now
from domain.shared.errors import FieldProblem, InvalidInput, NotFound


class MessagingService:
    def __init__(self, store: QuorumStore, users: UsersService) -> None:
        self.store = store
        self.users = users

    def send(self, sender: str, to: object, text: object) -> ChatMessage:
        problems = []
        if not isinstance(to, str) or not to:
            problems.append(FieldProblem("to", "required", "whom the message is for"))
        if not isinstance(text, str) or not text.strip():
            problems.append(FieldProblem("text", "required", "the message is empty"))
        elif len(text) > MAX_TEXT:
            problems.append(FieldProblem("text", "tooLong", f"at most {MAX_TEXT} characters"))
        if problems:
            raise InvalidInput.of(problems)
        assert isinstance(to, str) and isinstance(text, str)
        recipient = self.users.find(to)
        if recipient is None:
            raise NotFound(f"no user {to!r}", [FieldProblem("to", "notFound", "no such user")])
        if recipient.user_id == sender:
            raise InvalidInput.of([FieldProblem("to", "invalid", "a message to oneself")])
        message = ChatMessage(
            sender=sender, recipient=recipient.user_id, text=text, session_id=None
        )
        self.store.save(message)
        return message

    def delivered(self, message_id: str) -> None:
        def attempt() -> None:
            message = find(self.store, UUID(message_id), ChatMessage)
            if message is not None and message.deliver(now()):
                self.store.save(message)

        with_retries(attempt)
