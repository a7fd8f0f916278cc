"""What each server setting may hold (guide §8.4, §9.1.3, §9.1.5, §12.2).

Each rule takes the raw JSON value and returns the stored value or raises
ValueError with a message for the admin.
"""

from __future__ import annotations

import codecs
import ipaddress
import re
from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from domain.settings import conferences, recordings
from domain.settings.auth_zones import DEFAULT_ZONES, SSO_METHODS, check_zones
from domain.shared.validation import Rule

CLIENT_OSES = ("windows", "macos", "linux", "android", "ios")
_VERSION = re.compile(r"^\d+(\.\d+){0,3}$")


@cache
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def timezone(value: Any) -> str:
    if not isinstance(value, str) or value not in _timezones() | {"UTC"}:
        raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Europe/Berlin")
    return value


def encoding(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("must be a character encoding name such as utf-8 or cp1251")
    try:
        return codecs.lookup(value).name
    except LookupError:
        raise ValueError(f"unknown encoding {value!r}") from None


def delimiter(value: Any) -> str:
    if not isinstance(value, str) or len(value) != 1 or value in '\r\n"':
        raise ValueError("must be exactly one character other than a quote or line break")
    return value


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def whole_number(low: int, high: int) -> Rule:
    def rule(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"must be a whole number from {low} to {high}")
        return value

    return rule


def optional_version(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _VERSION.match(value):
        raise ValueError("must be a version such as 8.4.1, or null")
    return value


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def client_apps(value: Any) -> dict[str, dict[str, Any]]:
    """Per-OS client policy (§9.1.5): versions, setup URL, whether sign-in is allowed."""
    if not isinstance(value, dict):
        raise ValueError(f"must be an object keyed by OS: {', '.join(CLIENT_OSES)}")
    policy: dict[str, dict[str, Any]] = {}
    for os_name, row in value.items():
        if os_name not in CLIENT_OSES:
            raise ValueError(f"unknown OS {os_name!r}; use one of {', '.join(CLIENT_OSES)}")
        if not isinstance(row, dict):
            raise ValueError(f"{os_name} must be an object")
        unknown = set(row) - {"min_version", "preferred_version", "setup_url", "authorization"}
        if unknown:
            raise ValueError(f"{os_name}: unknown field {sorted(unknown)[0]!r}")
        minimum = optional_version(row.get("min_version"))
        preferred = optional_version(row.get("preferred_version"))
        setup_url = row.get("setup_url")
        if setup_url is not None and not isinstance(setup_url, str):
            raise ValueError(f"{os_name}.setup_url must be a string")
        _check_order(minimum, preferred)
        policy[os_name] = {
            "min_version": minimum,
            "preferred_version": preferred,
            "setup_url": setup_url,
            "authorization": boolean(row.get("authorization", True)),
        }
    return policy


def _check_order(minimum: str | None, preferred: str | None) -> None:
    if minimum and preferred and version_key(preferred) < version_key(minimum):
        raise ValueError("the preferred version cannot be lower than the minimum version")


def cidr_list(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise ValueError("must be a list of networks such as 10.0.0.0/8")
    networks = []
    for item in value:
        if not isinstance(item, str):
            raise ValueError("each network must be a string such as 192.168.0.0/16")
        try:
            networks.append(str(ipaddress.ip_network(item, strict=True)))
        except ValueError as e:
            raise ValueError(f"{item!r} is not a network address with a mask: {e}") from None
    return networks


@dataclass(frozen=True)
class Section:
    name: str
    """The path segment under settings/ and the object ID in reports."""
    defaults: dict[str, Any]
    rules: dict[str, Rule]

    def cross_check(
        self, values: dict[str, Any], others: dict[str, dict[str, Any]]
    ) -> tuple[str, str] | None:
        """A problem spanning several fields or sections, as (field, message), or None."""
        if self.name == "main":
            try:
                _check_order(values["client_min_version"], values["client_preferred_version"])
            except ValueError as e:
                return "client_preferred_version", str(e)
        if self.name == "auth-zones" and others["user-storage"]["mode"] != "ldap":
            for zone in values["zones"].values():
                if set(zone["methods"]) & set(SSO_METHODS):
                    return "zones", "NTLM, Kerberos and AD FS need the LDAP user storage mode"
        if (
            self.name == "security"
            and values["admin_ip_allowlist_enabled"]
            and not values["admin_ip_allowlist"]
        ):
            return "admin_ip_allowlist", "cannot be empty while the allowlist is enabled"
        return None


MAIN = Section(
    name="main",
    defaults={
        "timezone": "UTC",
        "csv_encoding": "utf-8",
        "csv_delimiter": ",",
        # §9.1.3 (7) gives no default (FEATURES Z-13): 30 days, like common clients.
        "token_validity_hours": 720,
        "client_min_version": None,
        "client_preferred_version": None,
        "client_apps": {},
    },
    rules={
        "timezone": timezone,
        "csv_encoding": encoding,
        "csv_delimiter": delimiter,
        "token_validity_hours": whole_number(1, 24 * 365),
        "client_min_version": optional_version,
        "client_preferred_version": optional_version,
        "client_apps": client_apps,
    },
)

SECURITY = Section(
    name="security",
    defaults={
        "admin_ip_allowlist_enabled": False,
        # §8.1's private ranges and loopback (FEATURES Z-26), used once enabled.
        "admin_ip_allowlist": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8"],
        "localhost_without_auth": False,
    },
    rules={
        "admin_ip_allowlist_enabled": boolean,
        "admin_ip_allowlist": cidr_list,
        "localhost_without_auth": boolean,
    },
)


def _policy_rules() -> dict[str, Rule]:
    return {
        "min_length": whole_number(2, 64),
        "require_mixed_case": boolean,
        "require_digits": boolean,
        "require_special": boolean,
    }


PASSWORD_POLICY = Section(
    name="password-policy",
    defaults={
        "min_length": 8,
        "require_mixed_case": True,
        "require_digits": True,
        "require_special": False,
    },
    rules=_policy_rules(),
)

LOCKOUT = Section(
    name="lockout",
    defaults={
        "enabled": True,
        "duration_minutes": 30,
        "max_failed_attempts": 5,
        "reset_after_minutes": 10,
    },
    rules={
        "enabled": boolean,
        "duration_minutes": whole_number(1, 60 * 24 * 365),
        "max_failed_attempts": whole_number(1, 1000),
        "reset_after_minutes": whole_number(1, 60 * 24 * 365),
    },
)

AUTH_ZONES = Section(
    name="auth-zones",
    defaults={"zones": DEFAULT_ZONES},
    rules={"zones": check_zones},
)

LDAP_SERVER_TYPES = ("active_directory", "openldap", "389ds", "custom")
LDAP_ATTRIBUTE_KEYS = (
    "login",
    "display_name",
    "first_name",
    "last_name",
    "email",
    "member_of",
    "group_member",
    "group_name",
    "user_object_class",
    "group_object_class",
    "user_filter",
    "group_filter",
)


def one_of(*choices: str) -> Rule:
    def rule(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return str(value)

    return rule


def text(max_length: int, optional: bool = False) -> Rule:
    def rule(value: Any) -> str | None:
        if optional and (value is None or value == ""):
            return None
        if not isinstance(value, str) or not value.strip() or len(value) > max_length:
            raise ValueError(f"must be a non-empty string of at most {max_length} characters")
        return value.strip()

    return rule


def ldap_attributes(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ValueError("must be an object of attribute overrides")
    for key, name in value.items():
        if key not in LDAP_ATTRIBUTE_KEYS:
            raise ValueError(f"unknown attribute key {key!r}")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{key} must be a non-empty string")
    return dict(value)


USER_STORAGE_MODES = ("registry", "ldap")
USER_STORAGE = Section(
    name="user-storage",
    defaults={"mode": "registry"},
    rules={"mode": one_of(*USER_STORAGE_MODES)},
)

LDAP = Section(
    name="ldap",
    defaults={
        "server_type": "active_directory",
        "host": None,
        "port": 389,
        "use_ssl": False,
        "verify_certificate": True,
        "bind_dn": None,
        "base_dn": None,
        "allowed_group_dn": None,
        "trust_enabled": True,
        "attributes": {},
        "ca_certificate_file": None,
        "sync_interval_minutes": 60,
    },
    rules={
        "server_type": one_of(*LDAP_SERVER_TYPES),
        "host": text(255),
        "port": whole_number(1, 65535),
        "use_ssl": boolean,
        "verify_certificate": boolean,
        "bind_dn": text(1024),
        "base_dn": text(1024),
        "allowed_group_dn": text(1024, optional=True),
        "trust_enabled": boolean,
        "attributes": ldap_attributes,
        "ca_certificate_file": text(4096, optional=True),
        "sync_interval_minutes": whole_number(1, 60 * 24 * 7),
    },
)


CONFERENCES = Section(name="conferences", defaults=conferences.DEFAULTS, rules=conferences.RULES)
"""Automatic deletion (§14.7.1) and default ways of joining (§14.7.3)."""

RECORDINGS = Section(name="recordings", defaults=recordings.DEFAULTS, rules=recordings.RULES)
"""Who is recorded, owners' downloads and retention (§9.6)."""

SECTIONS = {
    s.name: s
    for s in (
        MAIN,
        SECURITY,
        PASSWORD_POLICY,
        LOCKOUT,
        AUTH_ZONES,
        USER_STORAGE,
        LDAP,
        CONFERENCES,
        RECORDINGS,
    )
}
