"""Every request an OAuth application makes becomes an `ApplicationCall` fact on the
stream, refused ones included (guide §16.1, issue 8 item 4): the Events report's
`api_call` rows. Pure ASGI middleware: it notes the status and the time taken, and hands
the fact to one writer thread, so the caller never waits for the append.

Only calls with a live application token are the application's: a token that fails its
signature names whatever application its author chose, and an expired or revoked one
is no longer the application's credential. Those are plain 401s, kept off the stream
(their volume is the caller's to choose)."""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.tokens import InvalidToken
from api.auth import CALLER, bearer_token, live_application
from domain.oauth.calls import ApplicationCall, action_of
from domain.shared.actor import Actor, acting_as
from domain.shared.errors import Unauthorized

if TYPE_CHECKING:
    from adapters.bootstrap import QuorumSystem

log = logging.getLogger(__name__)

QUEUE_SIZE = 10_000
BATCH = 100
"""Facts per save: one JetStream atomic batch, one round of writes."""
LINGER = 0.25
"""Seconds the writer gathers calls before saving them."""


@dataclass(frozen=True)
class _Requester:
    app_id: str
    app_name: str | None
    scope: str
    name: str
    """The user (user scope) or the application's client ID (server scope)."""


@dataclass(frozen=True)
class _Call:
    action: str
    status: int
    exec_time_ms: int
    ip: str | None
    user_agent: str | None
    caller: _Requester | None
    token: str | None
    """Only when authentication never ran (the request was refused before, e.g. a body
    that is not JSON): the writer checks it; it is never stored."""


class CallWriter:
    """One daemon thread saving the calls in batches; a full queue drops (and logs)."""

    def __init__(self, system: QuorumSystem) -> None:
        self.system = system
        self.dropped = 0
        self._queue: queue.Queue[_Call | None] = queue.Queue(QUEUE_SIZE)
        self._thread = threading.Thread(target=self._run, name="app-audit", daemon=True)
        self._thread.start()

    def put(self, call: _Call) -> None:
        try:
            self._queue.put_nowait(call)
        except queue.Full:
            self.dropped += 1
            log.warning("application audit queue full: %d calls not recorded", self.dropped)

    def close(self, timeout: float = 10) -> None:
        """Save what is queued, then stop."""
        try:
            self._queue.put(None, timeout=timeout)
        except queue.Full:
            log.warning("application audit queue still full at shutdown")
            return
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            batch = self._next_batch()
            calls = [c for c in batch if c is not None]
            try:
                self._save(calls)
            except Exception:  # a lost audit row must not stop the next ones
                log.exception("could not record %d application calls", len(calls))
            if batch and batch[-1] is None:
                return

    def _next_batch(self) -> list[_Call | None]:
        """What arrives within LINGER of the first call: one save (one append, one
        projection batch) for a burst instead of one per request."""
        batch = [self._queue.get()]
        deadline = time.monotonic() + LINGER
        while len(batch) < BATCH and batch[-1] is not None:
            try:
                batch.append(self._queue.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                break
        return batch

    def _save(self, calls: list[_Call]) -> None:
        facts = [f for f in (self._fact(c) for c in calls) if f is not None]
        if facts:
            self.system.store.save(*facts)

    def _fact(self, call: _Call) -> ApplicationCall | None:
        caller = call.caller or self._caller_of(call)
        if caller is None:
            return None
        kind = "oauth_app" if caller.scope == "server" else "user"
        with acting_as(Actor(kind, caller.name, call.ip, caller.app_name, call.user_agent)):
            return ApplicationCall(
                app_id=caller.app_id,
                scope=caller.scope,
                subject=caller.name,
                action=call.action,
                status=call.status,
                exec_time_ms=call.exec_time_ms,
            )

    def _caller_of(self, call: _Call) -> _Requester | None:
        if call.token is None:
            return None
        try:
            claims = self.system.tokens.verify(call.token)
            app = live_application(self.system, claims)
        except (InvalidToken, Unauthorized):
            return None
        if claims.scope == "server":
            return _Requester(app.client_id, app.name, "server", app.client_id)
        return _Requester(app.client_id, app.name, "user", claims.subject)


class ApplicationAudit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.writer: CallWriter | None = None
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, self._draining(receive), send)
            return
        token = bearer_token(Request(scope)) if scope["type"] == "http" else None
        if token is None:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self._record(scope, token, status, started)

    def _record(self, scope: Scope, token: str, status: int, started: float) -> None:
        ran = CALLER in scope
        principal = scope.get(CALLER)
        if ran and (principal is None or principal.app_id is None):
            return
        caller = None
        if principal is not None:
            scope_name = "server" if principal.scope == "server" else "user"
            caller = _Requester(principal.app_id, principal.app_name, scope_name, principal.name)
        headers = dict(scope.get("headers") or [])
        client = scope.get("client")
        call = _Call(
            action=action_of(scope.get("method", "-"), _route_template(scope)),
            status=status,
            exec_time_ms=round((time.perf_counter() - started) * 1000),
            ip=client[0] if client else None,
            user_agent=headers.get(b"user-agent", b"").decode("latin-1")[:200] or None,
            caller=caller,
            token=None if ran else token,
        )
        self._writer(scope).put(call)

    def _writer(self, scope: Scope) -> CallWriter:
        with self._lock:
            if self.writer is None:
                self.writer = CallWriter(scope["app"].state.system)
            return self.writer

    def _draining(self, receive: Receive) -> Receive:
        async def receiving() -> Message:
            message = await receive()
            if message["type"] == "lifespan.shutdown" and self.writer is not None:
                writer, self.writer = self.writer, None
                await run_in_threadpool(writer.close)
            return message

        return receiving


def _route_template(scope: Scope) -> str:
    """`/api/v4/users/{user_id}`: the matched route's template under the prefix it was
    included with (which the route itself does not know); the path if none matched."""
    path: str = scope.get("path", "")
    route = scope.get("route")
    pattern = getattr(route, "path_regex", None)
    template = getattr(route, "path", None)
    if pattern is None or not isinstance(template, str):
        return path
    for cut in (i for i, char in enumerate(path) if char == "/"):
        if pattern.match(path[cut:]):
            return path[:cut] + template
    return path
