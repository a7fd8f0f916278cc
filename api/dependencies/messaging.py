"""Chat files: their use cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.dependencies import composed
from domain.messaging.chat_files_service import ChatFilesService


def chat_files_service(request: Request) -> ChatFilesService:
    return composed(request).files


ChatFiles = Annotated[ChatFilesService, Depends(chat_files_service)]
