"""Files in chat (guide §13.3.1 rights 7-8, §16.2.2, §9.5): a user uploads a file, then
sends it in a message (the signaling gateway); whoever was in that chat downloads it if
their groups allow; administrators download any file and full administrators delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Response, UploadFile
from fastapi.responses import JSONResponse

from api.auth import Principal, SignedIn, Writer
from api.dependencies.messaging import ChatFiles
from api.downloads import attachment, spooled
from api.errors import error_response
from api.schemas.common import Download
from api.schemas.errors import only
from api.schemas.files import FileSummary
from domain.messaging.files import FileGone, FileTooLarge
from domain.shared.actor import acting_as
from domain.shared.errors import Forbidden

router = APIRouter(prefix="/files", tags=["files"])


def _user(principal: Principal) -> str:
    if principal.role != "user":
        raise Forbidden("files are sent by users, from a user's token")
    return principal.name


def file_sender(principal: SignedIn, files: ChatFiles) -> Principal:
    """A user whose groups allow sending files (right 7), refused before the upload is
    looked at."""
    files.check_may_send(_user(principal))
    return principal


@router.post("", status_code=201, response_model=FileSummary, responses=only(413))
def upload(
    principal: Annotated[Principal, Depends(file_sender)],
    files: ChatFiles,
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
            chat_file = files.upload(sender, file.filename, file.content_type, data, size)
    except FileTooLarge as e:
        return error_response(413, e.message, e.problems)
    return chat_file.summary()


@router.get("/{file_id}", response_model=None, response_class=Download, responses=only(410))
def download(file_id: str, principal: SignedIn, files: ChatFiles) -> Response:
    """The file's bytes: for its sender, the recipients of the messages that carried it
    and the participants of the sessions it was sent in, when their groups allow
    downloading (else 403 with the "unavailable" notice); for every administrator."""
    try:
        if principal.is_admin:
            chat_file = files.for_admin(file_id)
        else:
            chat_file = files.for_user(file_id, _user(principal))
        body = spooled(lambda into: files.read(chat_file, into))
    except FileGone as e:
        return error_response(410, e.message, e.problems, reason="deleted")
    return attachment(body, chat_file.name, chat_file.content_type, chat_file.size)


@router.delete("/{file_id}", status_code=204, response_model=None)
def delete(file_id: str, principal: Writer, files: ChatFiles) -> None:
    """Remove the file from the server (the Call History file list's delete button);
    full administrators only."""
    with acting_as(principal.actor):
        files.delete(file_id)
