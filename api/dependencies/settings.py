"""Server settings: their use cases, and a section's change read as that section's model."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from adapters.server_secrets import ServerSecrets
from api.dependencies import composed
from api.schemas.bodies import Body as BodyModel
from api.schemas.settings import SECTION_BODIES
from domain.settings.rules import SECTIONS
from domain.settings.settings_service import SettingsService
from domain.shared.errors import NotFound

SECTION_MODELS: dict[str, type[BodyModel]] = dict(zip(SECTIONS, SECTION_BODIES, strict=True))


def settings_service(request: Request) -> SettingsService:
    return composed(request).settings


def server_secrets(request: Request) -> ServerSecrets:
    return composed(request).secrets


def section_change(section: str, patch: Annotated[dict[str, Any], Body()]) -> BodyModel:
    """The body of `PATCH settings/{section}` checked against that section's model (the
    section is in the path, so no one body model can be the route's parameter)."""
    model = SECTION_MODELS.get(section)
    if model is None:
        raise NotFound(f"no settings section {section!r}; sections: {', '.join(SECTIONS)}")
    try:
        return model.model_validate(patch)
    except ValidationError as e:
        raise RequestValidationError(e.errors(include_url=False), body=patch) from None


Settings = Annotated[SettingsService, Depends(settings_service)]
Secrets = Annotated[ServerSecrets, Depends(server_secrets)]
SectionChange = Annotated[BodyModel, Depends(section_change)]
