"""Recordings: their use cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.dependencies import composed
from domain.recordings.recordings_service import RecordingsService


def recordings_service(request: Request) -> RecordingsService:
    return composed(request).recordings


Recordings = Annotated[RecordingsService, Depends(recordings_service)]
