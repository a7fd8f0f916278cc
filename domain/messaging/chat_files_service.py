"""Uploading, sharing, downloading and deleting chat files (guide §13.3.1 rights 7-8,
§16.2.2): the use cases over the `ChatFile` aggregate of files.py."""

from __future__ import annotations

from typing import BinaryIO
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.identity.group import GUESTS
from domain.identity.groups_service import GroupsService
from domain.identity.users_service import UsersService
from domain.messaging.files import (
    DEFAULT_CONTENT_TYPE,
    DOWNLOAD_RIGHT,
    SEND_RIGHT,
    ChatFile,
    FileBytes,
    FileGone,
    FileTooLarge,
    clean_name,
)
from domain.messaging.message import UNAVAILABLE
from domain.sessions.session import JOINED, LiveSession
from domain.shared.application import QuorumStore, with_retries
from domain.shared.clock import now
from domain.shared.errors import FieldProblem, Forbidden, InvalidInput, NotFound


class ChatFilesService:
    def __init__(
        self,
        store: QuorumStore,
        users: UsersService,
        groups: GroupsService,
        files: FileBytes,
        max_bytes: int,
    ) -> None:
        self.store = store
        self.users = users
        self.groups = groups
        self.files = files
        self.max_bytes = max_bytes

    # -- rights (§13.3.1: 7 send files, 8 download files) -------------------------------

    def rights(self, user_id: str) -> dict[str, bool]:
        """A user's merged rights; someone without an account (a webinar guest) has the
        Guest users group's."""
        user = self.users.find(user_id)
        return self.groups.rights_of(user.group_ids if user is not None else [GUESTS])

    def may_send(self, user_id: str) -> bool:
        return self.rights(user_id)[SEND_RIGHT]

    def may_download(self, user_id: str) -> bool:
        """Whether `user_id` gets a file's link or the "unavailable" notice."""
        return self.rights(user_id)[DOWNLOAD_RIGHT]

    def check_may_send(self, user_id: str) -> None:
        if not self.may_send(user_id):
            raise Forbidden(
                "your groups do not allow sending files (right file_send, §13.3.1)",
                [FieldProblem(SEND_RIGHT, "forbidden", "your groups do not allow sending files")],
            )

    # -- commands -----------------------------------------------------------------------

    def upload(
        self, sender: str, name: object, content_type: object, data: BinaryIO, size: int
    ) -> ChatFile:
        """Keep the bytes, then record the upload; if the record fails the bytes go."""
        self.check_may_send(sender)
        if size <= 0:
            raise InvalidInput.of([FieldProblem("file", "invalid", "the file is empty")])
        if size > self.max_bytes:
            limit = self.max_bytes / (1024 * 1024)
            raise FileTooLarge(
                f"file: larger than the limit of {limit:g} MB",
                [FieldProblem("file", "tooLarge", f"at most {limit:g} MB")],
            )
        chat_file = ChatFile(
            name=clean_name(name),
            size=size,
            content_type=str(content_type or "")[:200] or DEFAULT_CONTENT_TYPE,
            sender=sender,
        )
        stored = self.files.put(chat_file.file_id, data)
        if stored != size:  # the client sent less (or more) than it announced
            self.files.delete(chat_file.file_id)
            raise InvalidInput.of([FieldProblem("file", "invalid", "the upload was incomplete")])
        try:
            self.store.save(chat_file)  # a new aggregate: no concurrent writer
        except BaseException:
            self.files.delete(chat_file.file_id)
            raise
        return chat_file

    def delete(self, file_id: object) -> ChatFile:
        """An administrator removes the file from the server; repeating it only makes
        sure the bytes are gone."""

        def attempt() -> ChatFile:
            chat_file = self.get(file_id)
            if chat_file.delete(now()):
                self.store.save(chat_file)
            return chat_file

        deleted = with_retries(attempt)
        self.files.delete(deleted.file_id)
        return deleted

    # -- reading ------------------------------------------------------------------------

    def get(self, file_id: object, field_name: str = "file_id") -> ChatFile:
        """The file, deleted or not; NotFound naming `field_name`."""
        problem = FieldProblem(field_name, "notFound", "no such file")
        try:
            aggregate_id = UUID(str(file_id))
        except ValueError:
            raise NotFound(f"no file {file_id!r}", [problem]) from None
        chat_file: object
        try:
            chat_file = self.store.repository.get(aggregate_id)
        except AggregateNotFoundError:
            chat_file = None
        if not isinstance(chat_file, ChatFile):  # never created, or another aggregate's ID
            raise NotFound(f"no file {file_id!r}", [problem])
        return chat_file

    def attachable(self, sender: str, file_id: object) -> ChatFile:
        """The sender's own file, not deleted, while their groups let them send files."""
        if not isinstance(file_id, str) or not file_id:
            raise InvalidInput.of([FieldProblem("file_id", "invalid", "a file ID")])
        try:
            found = self.get(file_id)
        except NotFound:
            found = None
        if found is None or found.sender != sender:
            raise NotFound(
                f"no file {file_id!r}", [FieldProblem("file_id", "notFound", "no such file")]
            )
        if found.deleted:
            raise FileGone(
                f"file {file_id} was deleted",
                [FieldProblem("file_id", "deleted", "the file was deleted")],
            )
        self.check_may_send(sender)
        return found

    def for_user(self, file_id: object, user_id: str) -> ChatFile:
        """The file for a user's download: NotFound unless they were in a chat it was sent
        to (or sent it), Forbidden with the notice without `file_download`, FileGone
        once deleted."""
        chat_file = self.get(file_id)
        if not self.in_audience(chat_file, user_id):
            raise NotFound(f"no file {file_id!r}", [FieldProblem("file_id", "notFound", "")])
        if not self.may_download(user_id):
            raise Forbidden(UNAVAILABLE, [FieldProblem(DOWNLOAD_RIGHT, "forbidden", UNAVAILABLE)])
        if chat_file.deleted:
            raise FileGone(f"file {chat_file.file_id} was deleted from the server")
        return chat_file

    def for_admin(self, file_id: object) -> ChatFile:
        chat_file = self.get(file_id)
        if chat_file.deleted:
            raise FileGone(f"file {chat_file.file_id} was deleted from the server")
        return chat_file

    def read(self, chat_file: ChatFile, into: BinaryIO) -> None:
        if not self.files.get(chat_file.file_id, into):
            raise FileGone(f"the bytes of file {chat_file.file_id} are gone")

    def in_audience(self, chat_file: ChatFile, user_id: str) -> bool:
        if user_id == chat_file.sender or user_id in chat_file.shared_with:
            return True
        return any(self._took_part(session_id, user_id) for session_id in chat_file.sessions)

    def _took_part(self, session_id: str, user_id: str) -> bool:
        """Joined the session at some time (not only waited): a later joiner sees the
        group chat's files too."""
        mine: set[str] = set()
        for e in self.store.events.get(LiveSession.create_id(session_id)):
            if isinstance(e, LiveSession.Joined) and e.participant.get("user_id") == user_id:
                if e.participant.get("state") == JOINED:
                    return True
                mine.add(e.participant["participant_id"])
            elif isinstance(e, LiveSession.Admitted) and e.participant_id in mine:
                return True
        return False
