"""Personal chat between users (guide §16.3): send; delivered at once to online
recipients, to offline ones when they next connect."""

from __future__ import annotations

from uuid import UUID

from domain.identity.users_service import UsersService
from domain.messaging.message import MAX_TEXT, ChatMessage, Mailbox
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

        def attempt() -> ChatMessage:
            # A fresh message each attempt: a failed save has taken the pending events.
            message = ChatMessage(
                sender=sender, recipient=recipient.user_id, text=text, session_id=None
            )
            mailbox = self._mailbox(message.recipient)
            mailbox.queue(str(message.id))
            self.store.save(message, mailbox)  # one atomic save
            return message

        return with_retries(attempt)

    def delivered(self, recipient: str, message_ids: list[str]) -> None:
        """Handed to one of the recipient's applications: recorded, and no longer waiting."""

        def attempt() -> None:
            mailbox = self._mailbox(recipient)
            messages = [
                m
                for m in (find(self.store, UUID(i), ChatMessage) for i in message_ids)
                if m is not None and m.deliver(now())
            ]
            mailbox.take(message_ids)
            self.store.save(mailbox, *messages)

        with_retries(attempt)

    def waiting_for(self, recipient: str) -> list[ChatMessage]:
        """Messages sent while the recipient had no application connected (§16.3)."""
        mailbox = find(self.store, Mailbox.create_id(recipient), Mailbox)
        found = (
            find(self.store, UUID(i), ChatMessage) for i in (mailbox.waiting if mailbox else [])
        )
        return [m for m in found if m is not None]

    def _mailbox(self, user_id: str) -> Mailbox:
        return find(self.store, Mailbox.create_id(user_id), Mailbox) or Mailbox(user_id=user_id)
