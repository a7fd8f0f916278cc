"""`auth`, `ping` and `logout` (docs/signaling.md): a socket becomes an endpoint of
a user or a guest, stays alive, and ends."""

from __future__ import annotations

from typing import Any

from adapters.bootstrap import QuorumSystem
from adapters.tokens import InvalidToken
from api.ws.method import Method, Request
from api.ws.params import optional_text
from domain.licensing.terms import ONLINE, unavailable
from domain.sessions.guests import REGISTRANT_RULE, Guest, Needs, new_guest
from domain.shared.actor import acting_as
from domain.shared.clock import now
from domain.shared.errors import FieldProblem, InvalidInput, Unauthorized
from domain.signaling.endpoint import new_endpoint_id
from projections import directory

INFO = ("app_name", "app_version", "os")
"""What `auth` may tell of the endpoint right away."""


def _ping(_: Request) -> dict[str, Any]:
    return {"pong": True}


def _auth(request: Request) -> dict[str, Any]:
    connection, params, system = request.connection, request.params, request.system
    if connection.user_id is not None:
        raise InvalidInput.of([FieldProblem("method", "invalid", "already authenticated")])
    info: dict[str, Any] = {k: params[k] for k in INFO if k in params}
    if isinstance(info.get("app_name"), str):
        connection.app_name = info["app_name"][:200]
    # Named before the sign-in, so its login row says which endpoint signed in (§16.1).
    endpoint_id = new_endpoint_id()
    token = params.get("token")
    issued: str | None = None
    guest: Guest | None = None
    if "guest_name" in params or "registrant_id" in params:
        guest = _guest(params)
        user_id = guest.user_id
    elif isinstance(token, str) and token:
        user_id = _token_user(system, token)
    else:
        _online_licence_left(system)
        missing = [n for n in ("login", "password") if not isinstance(params.get(n), str)]
        if missing:
            raise InvalidInput.of(
                [
                    FieldProblem(n, "required", "give a token, or login and password")
                    for n in missing
                ]
            )
        with acting_as(connection.actor(params["login"][:256], endpoint_id)):
            session = system.sign_in.sign_in(params["login"], params["password"], connection.ip)
        user_id = session.user_id
        issued = system.tokens.issue(user_id, "user", session.session_id, session.access_expires_at)
    if guest is not None:
        connection.guest, connection.display_name = True, guest.display_name
    gateway_id = request.gateway.gateway_id
    with acting_as(connection.actor(user_id, endpoint_id)):
        endpoint, change = system.endpoints.connect(
            user_id, connection.ip, gateway_id, info, connection.guest, endpoint_id
        )
    connection.user_id, connection.endpoint_id = user_id, endpoint.endpoint_id
    if not connection.guest:
        source = system.users.source()
        connection.contacts = {
            e["call_string"] for e in directory.address_book(system.sql_engine, user_id, source)
        }
    request.gateway.announce(change)
    result: dict[str, Any] = {"user_id": user_id, "endpoint_id": endpoint.endpoint_id}
    if issued is not None:
        result["token"] = issued
    return result


def _guest(params: dict[str, Any]) -> Guest:
    registrant_id = optional_text(params, "registrant_id", REGISTRANT_RULE)
    name = params.get("guest_name")
    return new_guest(name if isinstance(name, str) else None, registrant_id)


def _token_user(system: QuorumSystem, token: str) -> str:
    try:
        claims = system.tokens.verify(token)
    except InvalidToken:
        raise Unauthorized("the token is invalid or has expired") from None
    if claims.kind != "user":
        raise Unauthorized("a user's access token is needed")
    return system.sign_in.authenticate(claims.subject, claims.session_id).user_id


def _online_licence_left(system: QuorumSystem) -> None:
    """Refuse before the password is checked, so a sign-in that cannot connect is not
    recorded as a login; the endpoint's save makes the final decision."""
    pool = system.licensing.pool()
    if pool.available(ONLINE, now()) <= 0:
        raise unavailable(
            "login",
            f"all {pool.total(ONLINE, now())} online licences are in use; try again later",
        )


def _logout(request: Request) -> dict[str, Any]:
    request.gateway.depart(request.connection, "logout")
    return {"logged_out": True}


METHODS = {
    "auth": Method(_auth, signed_in=False, while_asleep=True, needs=Needs.NOTHING),
    "ping": Method(_ping, signed_in=False, while_asleep=True, needs=Needs.NOTHING),
    "logout": Method(_logout, while_asleep=True, ends_connection=True, needs=Needs.NOTHING),
}
