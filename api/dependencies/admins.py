"""Administrator accounts: their use cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.dependencies import composed
from domain.admins.admins_service import AdminService


def admin_service(request: Request) -> AdminService:
    return composed(request).admins


Admins = Annotated[AdminService, Depends(admin_service)]
