"""Licences: their use cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.dependencies import composed
from domain.licensing.licensing_service import LicensingService


def licensing_service(request: Request) -> LicensingService:
    return composed(request).licensing


Licensing = Annotated[LicensingService, Depends(licensing_service)]
