"""Chat (guide §16.3): personal messages, delivered at once to online recipients and to
offline ones when they next connect; group messages in a conference session. Either
may carry a file (§13.3.1 rights 7-8, `files.py`)."""

from __future__ import annotations

from uuid import UUID

from domain.identity.users_service import UsersService
from domain.messaging.chat_files_service import ChatFilesService
from domain.messaging.files import ChatFile
from domain.messaging.message import MAX_TEXT, ChatMessage, Mailbox, group_recipient
from domain.shared.application import QuorumStore, find, with_retries
from domain.shared.clock import now
from domain.shared.errors import FieldProblem, InvalidInput, NotFound


class MessagingService:
    def __init__(
        self, store: QuorumStore, users: UsersService, files: ChatFilesService | None = None
    ) -> None:
        self.store = store
        self.users = users
        self.files = files

    def send(self, sender: str, to: object, text: object, file_id: object = None) -> ChatMessage:
        """A personal message to user `to`; with `file_id`, one of the sender's uploads
        (then `text` may be empty)."""
        problems = []
        if not isinstance(to, str) or not to:
            problems.append(FieldProblem("to", "required", "whom the message is for"))
        problems += _text_problems(text, with_file=file_id is not None)
        if problems:
            raise InvalidInput.of(problems)
        assert isinstance(to, str)
        recipient = self.users.find(to)
        if recipient is None:
            raise NotFound(f"no user {to!r}", [FieldProblem("to", "notFound", "no such user")])
        if recipient.user_id == sender:
            raise InvalidInput.of([FieldProblem("to", "invalid", "a message to oneself")])
        self._attachable(sender, file_id)

        def attempt() -> ChatMessage:
            # A fresh message each attempt: a failed save has taken the pending events.
            chat_file = self._attachable(sender, file_id)
            message = ChatMessage(
                sender=sender,
                recipient=recipient.user_id,
                text=str(text or ""),
                session_id=None,
                file=chat_file.summary() if chat_file else None,
            )
            mailbox = self._mailbox(message.recipient)
            mailbox.queue(str(message.id))
            shared = _share(chat_file, message, [message.recipient])
            self.store.save(message, mailbox, *shared)  # one atomic save
            return message

        return with_retries(attempt)

    def send_to_session(
        self,
        sender: str,
        session_id: str,
        cid: str,
        recipients: list[str],
        text: object,
        file_id: object = None,
    ) -> ChatMessage:
        """One group-chat message in a running session, to `recipients` (the audience
        `SessionsService.chat_audience` gave). Recorded with recipient `\\c\\<cid>`
        and the session's ID; the gateway pushes it, nothing waits in a mailbox."""
        problems = _text_problems(text, with_file=file_id is not None)
        if problems:
            raise InvalidInput.of(problems)
        self._attachable(sender, file_id)

        def attempt() -> ChatMessage:
            chat_file = self._attachable(sender, file_id)
            message = ChatMessage(
                sender=sender,
                recipient=group_recipient(cid),
                text=str(text or ""),
                session_id=session_id,
                file=chat_file.summary() if chat_file else None,
            )
            self.store.save(message, *_share(chat_file, message, list(recipients)))
            return message

        return with_retries(attempt)

    def _attachable(self, sender: str, file_id: object) -> ChatFile | None:
        if file_id is None:
            return None
        if self.files is None:
            raise InvalidInput.of([FieldProblem("file_id", "invalid", "files are not enabled")])
        return self.files.attachable(sender, file_id)

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


def _text_problems(text: object, with_file: bool) -> list[FieldProblem]:
    if text is None and with_file:
        return []
    if not isinstance(text, str):
        return [FieldProblem("text", "required", "the message is empty")]
    if not text.strip() and not with_file:
        return [FieldProblem("text", "required", "the message is empty")]
    if len(text) > MAX_TEXT:
        return [FieldProblem("text", "tooLong", f"at most {MAX_TEXT} characters")]
    return []


def _share(
    chat_file: ChatFile | None, message: ChatMessage, recipients: list[str]
) -> list[ChatFile]:
    if chat_file is None:
        return []
    chat_file.share(str(message.id), recipients, message.session_id)
    return [chat_file]
