"""OAuth applications: their use cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.dependencies import composed
from domain.oauth.oauth_service import OAuthService


def oauth_service(request: Request) -> OAuthService:
    return composed(request).oauth


OAuth = Annotated[OAuthService, Depends(oauth_service)]
