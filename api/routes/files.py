"""Files in chat (guide §13.3.1 rights 7-8, §16.2.2, §9.5): a user uploads a file, then
sends it in a message (the signaling gateway); whoever was in that chat downloads it if
their groups allow; administrators download any file and full administrators delete."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import Annotated, Any, BinaryIO, cast
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Response, UploadFile
from fastapi.responses import JSONResponse, StreamingResponse

from api.auth import Principal, SignedIn, System, Writer
from api.errors import error_response
from domain.messaging.files import ChatFile, FileGone, FileTooLarge
from domain.shared.actor import acting_as
from domain.shared.errors import Forbidden

router = APIRouter(prefix="/files", tags=["files"])

IN_MEMORY = 8 * 1024 * 1024
"""A download larger than this is spooled to a temporary file on its way out."""
READ_SIZE = 256 * 1024


def _user(principal: Principal) -> str:
    if principal.role != "user":
        raise Forbidden("files are sent by users, from a user's token")
    return principal.name


def file_sender(principal: SignedIn, system: System) -> Principal:
    """A user whose groups allow sending files (right 7), refused before the upload is
    looked at."""
    system.files.check_may_send(_user(principal))
    return principal


@router.post("", status_code=201, response_model=None)
def upload(
    principal: Annotated[Principal, Depends(file_sender)],
    system: System,
    file: Annotated[UploadFile, File(description="the file (multipart part `file`)")],
) -> dict[str, Any] | JSONResponse:
    """Keep a file to send in a chat (right `file_send`); `{file_id, name, size}`."""
    sender = principal.name
    data = file.file
    data.seek(0, 2)
    size = data.tell()
    data.seek(0)
    try:
        with acting_as(principal.actor):
            chat_file = system.files.upload(sender, file.filename, file.content_type, data, size)
    except FileTooLarge as e:
        return error_response(413, e.message, e.problems)
    return chat_file.summary()


@router.get("/{file_id}", response_model=None)
def download(file_id: str, principal: SignedIn, system: System) -> Response:
    """The file's bytes: for its sender, the recipients of the messages that carried it
    and the participants of the sessions it was sent in, when their groups allow
    downloading (else 403 with the "unavailable" notice); for every administrator."""
    try:
        if principal.is_admin:
            chat_file = system.files.for_admin(file_id)
        else:
            chat_file = system.files.for_user(file_id, _user(principal))
        body = cast(BinaryIO, tempfile.SpooledTemporaryFile(max_size=IN_MEMORY))  # noqa: SIM115
        try:
            system.files.read(chat_file, body)
        except BaseException:
            body.close()
            raise
    except FileGone as e:
        return error_response(410, e.message, e.problems, reason="deleted")
    body.seek(0)
    return StreamingResponse(
        _chunks(body),
        media_type=chat_file.content_type,
        headers={
            "Content-Disposition": _attachment(chat_file),
            "Content-Length": str(chat_file.size),
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.delete("/{file_id}", status_code=204, response_model=None)
def delete(file_id: str, principal: Writer, system: System) -> None:
    """Remove the file from the server (the Call History file list's delete button);
    full administrators only."""
    with acting_as(principal.actor):
        system.files.delete(file_id)


def _chunks(body: BinaryIO) -> Iterator[bytes]:
    try:
        while chunk := body.read(READ_SIZE):
            yield chunk
    finally:
        body.close()


def _attachment(chat_file: ChatFile) -> str:
    """Always a download, never shown in the browser; the name in UTF-8 (RFC 6266)."""
    fallback = "".join(c if c.isascii() and c not in '"\\' else "_" for c in chat_file.name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(chat_file.name)}"
