"""`license.get` and `license.request` (docs/signaling.md): the user's own PRO
licence (§9.1.2, §5.2.1)."""

from __future__ import annotations

from typing import Any

from api.ws.method import Method, Request


def _licence(request: Request) -> dict[str, Any]:
    licensing = request.system.licensing
    return {**licensing.licence_of(request.user_id), **licensing.client_switches()}


def _request(request: Request) -> dict[str, Any]:
    licensing = request.system.licensing
    return {**licensing.request(request.user_id), **licensing.client_switches()}


METHODS = {
    "license.get": Method(_licence, while_asleep=True),
    "license.request": Method(_request),
}
