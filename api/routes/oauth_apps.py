"""OAuth 2.0 applications (guide §15.3, §15.4): create, list, edit, delete, regenerate
the secret, list and revoke their tokens. Administrators change; security admins read."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, cast

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from api.auth import Reader, Writer
from api.dependencies.oauth import OAuth
from api.schemas.oauth import (
    Application,
    ApplicationChange,
    ApplicationCreate,
    ApplicationList,
    ApplicationWithSecret,
    TokenList,
)
from domain.oauth.application import OAuthApplication
from domain.oauth.oauth_service import ApplicationFields, NewApplication
from domain.shared.actor import acting_as
from domain.shared.clock import now
from domain.shared.errors import invalid
from projections.report_paging import MAX_PAGE_SIZE

router = APIRouter(prefix="/oauth2/applications", tags=["oauth2"])

APP_SORTABLE = ("name", "created_at", "id")
TOKEN_SORTABLE = ("issued_at", "expires_at", "subject", "grant")


def app_view(app: OAuthApplication) -> dict[str, Any]:
    return {
        "id": app.client_id,
        "client_id": app.client_id,
        "name": app.name,
        "redirect_uri": app.redirect_uri,
        "permissions": list(app.permissions),
        "created_at": app.created_on.isoformat(),
        "updated_at": app.modified_on.isoformat(),
    }


def _with_secret(app: OAuthApplication, secret: str) -> dict[str, Any]:
    """The secret appears in this reply only: Quorum keeps its hash."""
    return {**app_view(app), "secret": secret, "client_secret": secret}


def _page(
    rows: list[dict[str, Any]],
    sortable: tuple[str, ...],
    page: int,
    page_size: int,
    sort_field: str,
    descending: bool,
) -> list[dict[str, Any]]:
    if sort_field not in sortable:
        raise invalid("sort_field", f"sort by one of {', '.join(sortable)}")
    rows.sort(key=lambda r: (r[sort_field] is None, r[sort_field] or ""), reverse=descending)
    start = (page - 1) * page_size
    return rows[start : start + page_size]


@router.get("", response_model=ApplicationList)
def list_applications(
    _: Reader,
    oauth: OAuth,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    sort_field: str = "created_at",
    sort_order: Annotated[int, Query(ge=0, le=1)] = 0,
) -> dict[str, Any]:
    rows = [app_view(app) for app in oauth.all()]
    listed = _page(rows, APP_SORTABLE, page, page_size, sort_field, sort_order == 1)
    return {"cnt": len(rows), "applications": listed}


@router.post(
    "",
    status_code=201,
    response_model=ApplicationWithSecret,
)
async def create_application(
    body: ApplicationCreate, principal: Writer, oauth: OAuth
) -> dict[str, Any]:
    fields = cast(NewApplication, body.given())

    def create() -> dict[str, Any]:
        with acting_as(principal.actor):
            app, secret = oauth.create(fields)
        return _with_secret(app, secret)

    return await run_in_threadpool(create)


@router.get("/{app_id}", response_model=Application)
def get_application(app_id: str, _: Reader, oauth: OAuth) -> dict[str, Any]:
    return app_view(oauth.get(app_id))


@router.patch("/{app_id}", response_model=Application)
def edit_application(
    app_id: str, body: ApplicationChange, principal: Writer, oauth: OAuth
) -> dict[str, Any]:
    """Name, redirect URL and permissions; the ID never changes (§15.1)."""
    fields = cast(ApplicationFields, body.given())
    with acting_as(principal.actor):
        app, _ = oauth.edit(app_id, fields)
    return app_view(app)


@router.delete("/{app_id}", status_code=204)
def delete_application(app_id: str, principal: Writer, oauth: OAuth) -> None:
    """The application and every token it holds stop working at once."""
    with acting_as(principal.actor):
        oauth.delete(app_id)


@router.post("/{app_id}/secret", response_model=ApplicationWithSecret)
async def regenerate_secret(app_id: str, principal: Writer, oauth: OAuth) -> dict[str, Any]:
    """A new secret, shown once; the old one obtains nothing more, while tokens already
    issued stay valid for their lifespan (§15.4)."""

    def regenerate() -> dict[str, Any]:
        with acting_as(principal.actor):
            secret = oauth.regenerate_secret(app_id)
        return _with_secret(oauth.get(app_id), secret)

    return await run_in_threadpool(regenerate)


@router.get("/{app_id}/tokens", response_model=TokenList)
def list_tokens(
    app_id: str,
    _: Reader,
    oauth: OAuth,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    sort_field: str = "issued_at",
    sort_order: Annotated[int, Query(ge=0, le=1)] = 1,
) -> dict[str, Any]:
    """The application's tokens still within their lifespan (§15.4): IDs, never texts."""
    app = oauth.get(app_id)
    at = now().isoformat()
    rows = [
        _token_view(token_id, record)
        for token_id, record in app.tokens.items()
        if max(record["expires_at"], record["refresh_expires_at"] or "") > at
    ]
    listed = _page(rows, TOKEN_SORTABLE, page, page_size, sort_field, sort_order == 1)
    return {"cnt": len(rows), "tokens": listed}


def _token_view(token_id: str, record: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": token_id,
        "grant": record["grant"],
        "subject": record["subject"],
        "scope": record["scope"],
        "permissions": record["permissions"],
        "issued_at": record["issued_at"],
        "expires_at": record["expires_at"],
        "refresh_expires_at": record["refresh_expires_at"],
        "parent": record["parent"],
        "revoked": record["revoked"],
        "active": not record["revoked"] and datetime.fromisoformat(record["expires_at"]) > now(),
    }


@router.delete("/{app_id}/tokens/{token_id}", status_code=204)
def revoke_token(app_id: str, token_id: str, principal: Writer, oauth: OAuth) -> None:
    """Refused at once in every API process, with the tokens refreshed from it (§15.4)."""
    with acting_as(principal.actor):
        oauth.revoke(app_id, token_id)
