"""Chat files (API.md `files`)."""

from __future__ import annotations

from api.schemas.common import Reply


class FileSummary(Reply):
    """What a chat message carries."""

    file_id: str
    name: str
    size: int
