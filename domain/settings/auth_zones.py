"""The Authentication zones settings section (guide §13.5): a trusted zone of subnets
and the external rest, each with a name, a state and the sign-in methods it allows
(`domain.identity.zones` applies them)."""

from __future__ import annotations

import ipaddress
from typing import Any

METHODS = ("login_password", "ntlm", "kerberos", "adfs")
SSO_METHODS = ("ntlm", "kerberos", "adfs")
ZONES = ("trusted", "external")

DEFAULT_ZONES: dict[str, dict[str, Any]] = {
    "trusted": {
        "name": "Trusted Network",
        "enabled": True,
        "subnets": ["10.0.0.0/8", "192.168.0.0/16", "172.16.0.0/12", "169.254.0.0/16"],
        "methods": ["login_password"],
    },
    "external": {"name": "Internet", "enabled": True, "methods": ["login_password"]},
}


def check_zones(value: Any) -> dict[str, Any]:
    """The `auth-zones` settings value: both zones, each with name, state, methods."""
    if not isinstance(value, dict) or set(value) - set(ZONES):
        raise ValueError("must be an object with the zones 'trusted' and 'external'")
    zones = {name: dict(DEFAULT_ZONES[name]) for name in ZONES}
    for name, zone in value.items():
        if not isinstance(zone, dict):
            raise ValueError(f"{name} must be an object")
        unknown = set(zone) - {"name", "enabled", "subnets", "methods"}
        if unknown or (name == "external" and "subnets" in zone):
            raise ValueError(f"{name}: unknown field {sorted(unknown or {'subnets'})[0]!r}")
        merged = {**zones[name], **zone}
        if not isinstance(merged["name"], str) or not merged["name"].strip():
            raise ValueError(f"{name}.name must be a non-empty string")
        if not isinstance(merged["enabled"], bool):
            raise ValueError(f"{name}.enabled must be true or false")
        methods = merged["methods"]
        if not isinstance(methods, list) or any(m not in METHODS for m in methods):
            raise ValueError(f"{name}.methods must be a list of {', '.join(METHODS)}")
        if name == "trusted":
            merged["subnets"] = _subnets(merged["subnets"])
        zones[name] = merged
    return zones


def _subnets(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise ValueError("trusted.subnets must be a list of networks")
    try:
        return [str(ipaddress.ip_network(s, strict=True)) for s in value]
    except (TypeError, ValueError) as e:
        raise ValueError(f"trusted.subnets: {e}") from None
