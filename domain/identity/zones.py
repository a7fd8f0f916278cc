"""Authentication zones (guide §13.5): the client's address picks the zone, the zone
says whether and how one may sign in. The zones themselves are the `auth-zones`
settings section (`domain.settings.auth_zones`)."""

from __future__ import annotations

import ipaddress
from typing import Any

from domain.shared.errors import Forbidden


def zone_of(ip: str | None, zones: dict[str, Any]) -> str:
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return "external"
    for subnet in zones["trusted"]["subnets"]:
        if address in ipaddress.ip_network(subnet):
            return "trusted"
    return "external"


def check_sign_in_allowed(ip: str | None, method: str, zones: dict[str, Any]) -> str:
    """The zone name, or Forbidden with the reason a client can show."""
    name = zone_of(ip, zones)
    zone = zones[name]
    if not zone["enabled"]:
        raise Forbidden(f"authorization is currently unavailable in zone {zone['name']!r}")
    if method not in zone["methods"]:
        raise Forbidden(f"{method} sign-in is not allowed in zone {zone['name']!r}")
    return name
