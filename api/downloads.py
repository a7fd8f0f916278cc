"""Sending a stored file's bytes (chat files, recordings): spooled from the object store,
then streamed as an attachment that browsers never render."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from typing import BinaryIO, cast
from urllib.parse import quote

from fastapi.responses import StreamingResponse

IN_MEMORY = 8 * 1024 * 1024
"""A download larger than this is spooled to a temporary file on its way out."""
READ_SIZE = 256 * 1024


def spooled(read_into: Callable[[BinaryIO], None]) -> BinaryIO:
    """The bytes `read_into` writes, rewound; closed again if it raises."""
    body = cast(BinaryIO, tempfile.SpooledTemporaryFile(max_size=IN_MEMORY))  # noqa: SIM115
    try:
        read_into(body)
    except BaseException:
        body.close()
        raise
    body.seek(0)
    return body


def attachment(body: BinaryIO, name: str, media_type: str, size: int | None) -> StreamingResponse:
    headers = {"Content-Disposition": disposition(name), "X-Content-Type-Options": "nosniff"}
    if size is not None:
        headers["Content-Length"] = str(size)
    return StreamingResponse(_chunks(body), media_type=media_type, headers=headers)


def disposition(name: str) -> str:
    """Always a download, never shown in the browser; the name in UTF-8 (RFC 6266)."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"


def _chunks(body: BinaryIO) -> Iterator[bytes]:
    try:
        while chunk := body.read(READ_SIZE):
            yield chunk
    finally:
        body.close()
