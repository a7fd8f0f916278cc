"""What LDAP mode needs of a directory (guide §13.6 to §13.9). The adapter
(`adapters/ldap_directory.py`) talks ldap3; the domain sees only this."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class DirectoryAccount:
    login: str
    display_name: str
    first_name: str
    last_name: str
    email: str
    group_dns: tuple[str, ...]
    """Normalised DNs of the groups the account belongs to."""


@dataclass(frozen=True)
class DirectoryGroupInfo:
    dn: str
    """Normalised DN."""
    name: str


class DirectoryUnavailable(Exception):
    """The directory could not be reached or refused the service account (§13.9:
    81 server down, 49 invalid credentials, -1 TLS); `str()` is a clear message."""


class DirectoryNotConfigured(DirectoryUnavailable):
    """The `ldap` settings lack what a connection needs: the administrator's to fix (a
    409 naming the settings), not a directory that failed (502)."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(
            f"the LDAP settings are incomplete: set {', '.join(missing)} in settings/ldap"
        )
        self.missing = missing


class DirectorySignInRefused(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        """'unknown_login', 'wrong_password', 'empty_password' or 'not_in_allowed_group'."""


class UserDirectory(Protocol):
    url: str

    def check(self) -> None: ...

    def accounts(self) -> list[DirectoryAccount]: ...

    def groups(self, search: str | None = None) -> list[DirectoryGroupInfo]: ...

    def authenticate(self, login: str, password: str) -> DirectoryAccount: ...

    def normalize_dn(self, dn: str) -> str: ...
