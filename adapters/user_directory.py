"""The domain's UserDirectory port on top of the ldap3 adapter, configured from the
`ldap` settings section and the bind password kept in the data dir."""

from __future__ import annotations

from typing import Any

from adapters.keystore import KeyStore
from adapters.ldap_directory import (
    DirectoryUser,
    LdapDirectory,
    LdapError,
    LdapSettings,
    normalize_dn,
)
from domain.identity.directory_port import (
    DirectoryAccount,
    DirectoryGroupInfo,
    DirectoryNotConfigured,
    DirectorySignInRefused,
    DirectoryUnavailable,
)

BIND_PASSWORD = "ldap_bind_password"


class LdapUserDirectory:
    def __init__(self, settings: LdapSettings) -> None:
        self._ldap = LdapDirectory(settings)
        self.url = settings.url

    @staticmethod
    def from_settings(section: dict[str, Any], keystore: KeyStore) -> LdapUserDirectory:
        missing = [k for k in ("host", "bind_dn", "base_dn") if not section.get(k)]
        if missing:
            raise DirectoryNotConfigured(missing)
        return LdapUserDirectory(
            LdapSettings(
                server_type=section["server_type"],
                host=section["host"],
                port=section["port"],
                use_ssl=section["use_ssl"],
                bind_dn=section["bind_dn"],
                bind_password=keystore.read(BIND_PASSWORD) or "",
                base_dn=section["base_dn"],
                allowed_group_dn=section.get("allowed_group_dn"),
                trust_enabled=section["trust_enabled"],
                verify_certificate=section["verify_certificate"],
                ca_certificate_file=section.get("ca_certificate_file"),
                attributes=section.get("attributes") or {},
            )
        )

    def check(self) -> None:
        try:
            self._ldap.check()
        except LdapError as e:
            raise DirectoryUnavailable(e.message) from None

    def accounts(self) -> list[DirectoryAccount]:
        try:
            return [_account(u) for u in self._ldap.users()]
        except LdapError as e:
            raise DirectoryUnavailable(e.message) from None

    def groups(self, search: str | None = None) -> list[DirectoryGroupInfo]:
        try:
            found = self._ldap.groups(search)
        except LdapError as e:
            raise DirectoryUnavailable(e.message) from None
        return [DirectoryGroupInfo(dn=normalize_dn(g.dn), name=g.name) for g in found]

    def authenticate(self, login: str, password: str) -> DirectoryAccount:
        try:
            return _account(self._ldap.authenticate(login, password))
        except LdapError as e:
            if e.reason:
                raise DirectorySignInRefused(e.reason, e.message) from None
            raise DirectoryUnavailable(e.message) from None

    def normalize_dn(self, dn: str) -> str:
        return normalize_dn(dn)


def _account(user: DirectoryUser) -> DirectoryAccount:
    return DirectoryAccount(
        login=user.login,
        display_name=user.display_name,
        first_name=user.first_name,
        last_name=user.last_name,
        email=user.email,
        group_dns=tuple(normalize_dn(dn) for dn in user.group_dns),
    )
