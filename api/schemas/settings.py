"""Server settings, secrets and the directory (API.md `settings/{section}`), and an
administrator's own preferences."""

from __future__ import annotations

from api.schemas.common import Reply


class Section(Reply):
    """One settings section: its fields and values (FEATURES.md lists them per section).
    The reply carries an `ETag` to send back as `If-Match`."""


class Preferences(Reply):
    language: str
    timezone: str | None = None
    csv_encoding: str | None = None
    csv_delimiter: str | None = None


class ApiSecret(Reply):
    """The new API secret key, shown once; the old one stops working at once."""

    api_secret: str
    api_secret_key_id: str


class ConnectionKey(Reply):
    """`{"user_auth_key_id": ...}` or `{"guest_auth_key_id": ...}`: the new key's ID."""


class SyncResult(Reply):
    created: list[str]
    updated: list[str]
    deactivated: list[str]


class DirectoryGroup(Reply):
    dn: str
    name: str
    imported: bool


class DirectoryGroups(Reply):
    cnt: int
    groups: list[DirectoryGroup]
