"""Fixtures: one real slapd for the LDAP tests, and directory settings for both flavours."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from adapters.ldap_directory import LdapSettings
from tests.ldap.directory import (
    AD_SERVICE_DN,
    AD_SERVICE_PASSWORD,
    AD_SUFFIX,
    DATABASES,
    OL_SERVICE_DN,
    OL_SERVICE_PASSWORD,
    OL_SUFFIX,
)
from tests.ldap.slapd import Slapd


@pytest.fixture(scope="session")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Slapd]:
    with Slapd(tmp_path_factory.mktemp("slapd"), DATABASES) as server:
        yield server


@pytest.fixture
def openldap(slapd: Slapd) -> LdapSettings:
    """OpenLDAP defaults: login uid, inetOrgPerson users, groupOfNames groups."""
    return LdapSettings(
        server_type="openldap",
        host="127.0.0.1",
        port=slapd.port,
        use_ssl=False,
        bind_dn=OL_SERVICE_DN,
        bind_password=OL_SERVICE_PASSWORD,
        base_dn=OL_SUFFIX,
        timeout_seconds=2.0,
    )


@pytest.fixture
def active_directory(slapd: Slapd) -> LdapSettings:
    """Active Directory defaults, unchanged: sAMAccountName, objectClass user/group."""
    return LdapSettings(
        server_type="active_directory",
        host="127.0.0.1",
        port=slapd.port,
        use_ssl=False,
        bind_dn=AD_SERVICE_DN,
        bind_password=AD_SERVICE_PASSWORD,
        base_dn=AD_SUFFIX,
        timeout_seconds=2.0,
    )


@pytest.fixture
def ldaps(slapd: Slapd, openldap: LdapSettings) -> LdapSettings:
    """The OpenLDAP flavour over LDAPS, verifying the certificate, no CA file given."""
    return replace(openldap, port=slapd.tls_port, use_ssl=True)
