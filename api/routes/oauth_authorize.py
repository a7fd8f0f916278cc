"""The authorization-code grant's login-and-consent page (guide §15.1, RFC 6749 §4.1):
the user types their login and password into Quorum's page, never the application's;
Quorum sends the browser back to the application's registered redirect URL with a
single-use code and the application's `state`."""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from adapters.bootstrap import QuorumSystem
from api import authorize_form as csrf
from api.auth import System, client_ip, user_agent_of
from api.authorize_form import AuthorizeParams
from domain.identity.sign_in_service import AccountLocked
from domain.oauth import permissions as perms
from domain.oauth.application import OAuthApplication
from domain.shared.actor import Actor, acting_as
from domain.shared.clock import now
from domain.shared.errors import Forbidden, InvalidInput, Unauthorized

router = APIRouter(prefix="/oauth2", tags=["oauth2"])

FIELDS = ("response_type", "client_id", "redirect_uri", "state", "scope")
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in to {app}</title></head>
<body>
<h1>Sign in</h1>
<p><strong>{app}</strong> asks to act on your behalf with these permissions:</p>
<ul>{permissions}</ul>
{error}
<form method="post" action="authorize">
{hidden}
<label>Login <input name="username" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password"
 required></label>
<button name="decision" value="allow" type="submit">Allow</button>
<button name="decision" value="deny" type="submit" formnovalidate>Deny</button>
</form>
</body></html>
"""


def _problem_page(message: str, status: int = 400) -> HTMLResponse:
    body = f"<!doctype html><title>Authorization refused</title><p>{escape(message)}</p>"
    return HTMLResponse(body, status, headers=csrf.HEADERS)


def _back_to(redirect_uri: str, **params: str | None) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    separator = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(f"{redirect_uri}{separator}{query}", 302)


def _checked(system: QuorumSystem, params: AuthorizeParams) -> OAuthApplication | HTMLResponse:
    """The application, if its ID and exact redirect URL check out; else an error page
    (never a redirect to a URL we cannot trust, RFC 6749 §4.1.2.1)."""
    app = system.oauth.find(params.get("client_id"))
    if app is None:
        return _problem_page("unknown client_id")
    if params.get("redirect_uri") != app.redirect_uri:
        return _problem_page("redirect_uri does not match the application's redirect URL")
    return app


def _page(
    app: OAuthApplication, params: AuthorizeParams, scope: list[str], error: str, token: str
) -> str:
    hidden = "\n".join(
        f'<input type="hidden" name="{name}" value="{escape(str(params.get(name) or ""))}">'
        for name in FIELDS
    )
    hidden += f'\n<input type="hidden" name="{csrf.FIELD}" value="{escape(token)}">'
    items = "".join(f"<li>{escape(p)}</li>" for p in scope) or "<li>none</li>"
    return PAGE.format(
        app=escape(app.name),
        permissions=items,
        error=f'<p role="alert">{escape(error)}</p>' if error else "",
        hidden=hidden,
    )


def _prepare(
    system: QuorumSystem, params: AuthorizeParams
) -> tuple[OAuthApplication, list[str]] | Response:
    app = _checked(system, params)
    if isinstance(app, Response):
        return app
    state = params.get("state")
    if params.get("response_type") != "code":
        return _back_to(app.redirect_uri, error="unsupported_response_type", state=state)
    try:
        scope = perms.requested(params.get("scope"), app.permissions)
    except InvalidInput:
        return _back_to(app.redirect_uri, error="invalid_scope", state=state)
    return app, scope


def _form(
    request: Request,
    system: QuorumSystem,
    app: OAuthApplication,
    params: AuthorizeParams,
    scope: list[str],
    error: str = "",
    status: int = 200,
) -> HTMLResponse:
    """The page, with a form token bound to this browser's nonce cookie (kept if the
    browser has one, so two open tabs both work)."""
    nonce = csrf.nonce_of(request.cookies.get(csrf.COOKIE)) or csrf.new_nonce()
    token = csrf.issue(csrf.form_key(system.keystore), nonce, params, now())
    page = HTMLResponse(_page(app, params, scope, error, token), status, headers=csrf.HEADERS)
    page.set_cookie(
        csrf.COOKIE,
        nonce,
        max_age=int(csrf.VALIDITY.total_seconds()),
        path=request.url.path,
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return page


def _from_our_form(request: Request, system: QuorumSystem, params: AuthorizeParams) -> bool:
    nonce = csrf.nonce_of(request.cookies.get(csrf.COOKIE))
    key = csrf.form_key(system.keystore)
    return csrf.valid(key, nonce, params.get(csrf.FIELD), params, now())


@router.get("/authorize", response_class=HTMLResponse)
def authorize_page(request: Request, system: System) -> Response:
    params = dict(request.query_params)
    prepared = _prepare(system, params)
    if isinstance(prepared, Response):
        return prepared
    app, scope = prepared
    return _form(request, system, app, params, scope)


@router.post("/authorize", response_class=HTMLResponse)
async def authorize(request: Request, system: System) -> Response:
    form = await request.form()
    params = {k: v for k, v in form.items() if isinstance(v, str)}
    return await run_in_threadpool(_authorize, request, system, params)


def _authorize(request: Request, system: QuorumSystem, params: AuthorizeParams) -> Response:
    prepared = _prepare(system, params)
    if isinstance(prepared, Response):
        return prepared
    app, scope = prepared
    state = params.get("state")
    if not _from_our_form(request, system, params):  # CSRF: no sign-in, no code
        expired = "This form has expired or did not come from this server; sign in again."
        return _form(request, system, app, params, scope, expired, 403)
    if params.get("decision") == "deny":
        return _back_to(app.redirect_uri, error="access_denied", state=state)
    login, password = params.get("username") or "", params.get("password") or ""
    if not login or not password:
        return _form(request, system, app, params, scope, "Enter your login and password.", 400)
    ip = client_ip(request)
    with acting_as(Actor("user", login[:256], ip, app.name, user_agent_of(request))):
        try:
            session = system.sign_in.sign_in(login, password, ip)
        except (Unauthorized, Forbidden, AccountLocked) as refused:
            return _form(request, system, app, params, scope, refused.message, 401)
        code = system.oauth.issue_code(
            app.client_id, session.user_id, session.session_id, app.redirect_uri, scope
        )
    return _back_to(app.redirect_uri, code=code, state=state)
