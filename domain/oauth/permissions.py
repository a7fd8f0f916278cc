"""OAuth application permissions (guide §15.2): the original API's scope names. A general
permission (`users`) stands for its `:read` and `:write` (`users:read`, `users:write`)."""

from __future__ import annotations

from collections.abc import Iterable

from domain.shared.errors import invalid

_BOTH = (
    "users",
    "groups",
    "conferences",
    "conferences.participants",
    "conferences.invitations",
    "conferences.records",
    "templates.conferences",
)
_READ_ONLY = (
    "conferences.sessions",
    "conferences.messages",
    "logs.calls",
    "logs.calls.participants",
    "logs.calls.invites",
)

PERMISSIONS: tuple[str, ...] = tuple(
    [p for name in _BOTH for p in (name, f"{name}:read", f"{name}:write")]
    + [f"{name}:read" for name in _READ_ONLY]
)
"""Every permission an administrator may give an application, in display order."""


def expand(permissions: Iterable[str]) -> frozenset[str]:
    """The permissions with each general one replaced by its `:read` and `:write`."""
    expanded: set[str] = set()
    for permission in permissions:
        if permission in _BOTH:
            expanded.update((f"{permission}:read", f"{permission}:write"))
        else:
            expanded.add(permission)
    return frozenset(expanded)


def allows(granted: Iterable[str], needed: str) -> bool:
    """Does a token with `granted` permissions have `needed` (e.g. 'users:read')?"""
    return needed in expand(granted)


def checked(value: object, field: str = "permissions") -> list[str]:
    """The permissions as given to create or edit an application: known names only,
    without duplicates, in the list's order."""
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise invalid(field, "must be a list of permission names")
    unknown = [p for p in value if p not in PERMISSIONS]
    if unknown:
        raise invalid(field, f"unknown permission {unknown[0]!r}; known: {', '.join(PERMISSIONS)}")
    return [p for p in PERMISSIONS if p in value]


def requested(scope: object, granted: Iterable[str]) -> list[str]:
    """A token request's `scope` (space-separated permissions): at most what the
    application was granted. No scope: all of them."""
    granted = list(granted)
    if scope is None or scope == "":
        return granted
    if not isinstance(scope, str):
        raise invalid("scope", "must be space-separated permission names")
    asked = scope.split()
    allowed = expand(granted)
    beyond = [p for p in asked if not expand([p]) <= allowed]
    if beyond:
        raise invalid("scope", f"the application may not have {beyond[0]!r}")
    return [p for p in PERMISSIONS if p in asked]
