"""How participants connect (guide §14.4.6.3; FEATURES CONF-C-12..14, CSET-04).

- `join_methods`: null (the server's setting for the access type) or a non-empty subset
  of `client_apps`, `webrtc`, `qr_code`, `sip_h323`. Not selectable in MCU mode.
- `mcu_mode`: only SIP/H.323, browsers and RTSP cameras join; client apps cannot.
- `multicast`: `{enabled, address}`, address `224.0.1.224:4000-6000` by default.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from domain.conferencing.checks import array, boolean, obj
from domain.settings.conferences import JOIN_METHODS, ordered_join_methods
from domain.shared.errors import invalid

MCU_JOIN_METHODS = ("webrtc", "sip_h323")
"""What MCU mode leaves (RTSP cameras aside)."""
DEFAULT_MULTICAST_ADDRESS = "224.0.1.224:4000-6000"
DEFAULT_MULTICAST: dict[str, Any] = {"enabled": False, "address": DEFAULT_MULTICAST_ADDRESS}
_ADDRESS = re.compile(r"^(?P<ip>[0-9.]+):(?P<low>\d{1,5})(?:-(?P<high>\d{1,5}))?$")


def check_join_methods(value: Any, field: str = "join_methods") -> list[str] | None:
    if value is None:
        return None
    methods = array(value, field, len(JOIN_METHODS))
    if not methods:
        raise invalid(field, "choose at least one way to join, or null for the server's setting")
    try:
        return ordered_join_methods(methods)
    except ValueError as e:
        raise invalid(field, str(e)) from None


def check_multicast(
    value: Any, current: dict[str, Any], field: str = "multicast"
) -> dict[str, Any]:
    body = obj(value, field, ("enabled", "address"))
    merged = {**current, **body}
    return {
        "enabled": boolean(merged["enabled"], f"{field}.enabled"),
        "address": _address(merged["address"], f"{field}.address"),
    }


def _address(value: Any, field: str) -> str:
    match = _ADDRESS.match(value) if isinstance(value, str) else None
    if match is None:
        raise invalid(field, "must be a multicast address with ports, e.g. 224.0.1.224:4000-6000")
    try:
        ip = ipaddress.IPv4Address(match["ip"])
    except ValueError:
        raise invalid(field, f"{match['ip']} is not an IPv4 address") from None
    if not ip.is_multicast:
        raise invalid(field, f"{ip} is not a multicast address (224.0.0.0/4)")
    low = int(match["low"])
    high = int(match["high"] or low)
    if not 1 <= low <= high <= 65535:
        raise invalid(field, "ports must be from 1 to 65535, the first not above the last")
    return str(value)


def effective_join_methods(
    join_methods: list[str] | None, mcu_mode: bool, server_default: list[str]
) -> list[str]:
    """The ways to join this conference's page offers."""
    if mcu_mode:
        return list(MCU_JOIN_METHODS)
    return list(server_default if join_methods is None else join_methods)
