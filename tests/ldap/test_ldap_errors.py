"""Connection problems and the codes an admin sees for them (§13.9), LDAPS (§13.8.2)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest

from adapters.ldap_directory import LdapDirectory, LdapError, LdapSettings
from tests.ldap.directory import OL_LIMITED_SERVICE_DN, OL_SUFFIX
from tests.ldap.slapd import Slapd, free_port

# ldap3 checks the host name itself with ssl.match_hostname (deprecated, gone in 3.12,
# where ldap3 uses its own copy); the check still runs, only the warning is muted.
pytestmark = pytest.mark.filterwarnings("ignore:ssl.match_hostname:DeprecationWarning")


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts TCP connections (backlog) and never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield int(listener.getsockname()[1])


def error_of(settings: LdapSettings) -> LdapError:
    with pytest.raises(LdapError) as caught:
        LdapDirectory(settings).check()
    return caught.value


def test_closed_port_is_81_server_down(openldap: LdapSettings) -> None:
    """§13.9 'LDAP error 81 (Server Down)': nothing listens at the address."""
    port = free_port()
    started = time.monotonic()

    error = error_of(replace(openldap, port=port))

    assert error.code == 81
    assert f"cannot reach ldap://127.0.0.1:{port}" in error.message
    assert "server down" in error.message
    assert time.monotonic() - started < 2


def test_server_that_never_answers_is_81_after_the_timeout(
    openldap: LdapSettings, silent_port: int
) -> None:
    """§13.9: a hung server counts as down, and the wait is bounded by the timeout."""
    started = time.monotonic()

    error = error_of(replace(openldap, port=silent_port, timeout_seconds=1.0))

    assert error.code == 81
    assert f"no answer from ldap://127.0.0.1:{silent_port} within 1 s" in error.message
    assert time.monotonic() - started < 4


def test_wrong_service_password_is_49(openldap: LdapSettings) -> None:
    """§13.9 'LDAP error 49 (Invalid Credentials)': the service account's bind fails."""
    error = error_of(replace(openldap, bind_password="not-the-password"))

    assert error.code == 49
    assert error.message == (f"LDAP error 49: invalid credentials for bind DN {openldap.bind_dn!r}")


def test_unknown_service_account_is_49(openldap: LdapSettings) -> None:
    error = error_of(replace(openldap, bind_dn=f"cn=ghost,{OL_SUFFIX}"))

    assert error.code == 49


def test_empty_service_password_is_49_without_an_unauthenticated_bind(
    openldap: LdapSettings,
) -> None:
    error = error_of(replace(openldap, bind_password=""))

    assert error.code == 49
    assert "password is empty" in error.message


def test_missing_base_dn_or_allowed_group_is_32(openldap: LdapSettings) -> None:
    """check() reads the base DN and the allowed group, so a typo shows at Apply."""
    base = error_of(replace(openldap, base_dn=f"ou=Nowhere,{OL_SUFFIX}"))
    group = error_of(replace(openldap, allowed_group_dn=f"cn=Nope,ou=Groups,{OL_SUFFIX}"))

    assert (base.code, group.code) == (32, 32)
    assert f"base DN ou=Nowhere,{OL_SUFFIX} does not exist" in base.message
    assert "allowed users group cn=Nope" in group.message


def test_ldaps_with_an_untrusted_certificate_is_minus_1(ldaps: LdapSettings) -> None:
    """§13.9 'LDAP error -1': the server's certificate is not trusted here."""
    error = error_of(ldaps)

    assert error.code == -1
    assert error.message.startswith(f"LDAP error -1: TLS handshake with {ldaps.url} failed: ")
    assert "certificate verify failed" in error.message


def test_ldaps_with_the_ca_certificate_works(ldaps: LdapSettings, slapd: Slapd) -> None:
    """§13.8.2: with the server's root certificate installed, LDAPS connects."""
    directory = LdapDirectory(replace(ldaps, ca_certificate_file=str(slapd.cert_file)))

    directory.check()
    assert [u.login for u in directory.users()] == ["alice", "bob", "carol", "dave"]
    assert directory.authenticate("alice", "alice-pw").login == "alice"


def test_ldaps_without_verification_works(ldaps: LdapSettings) -> None:
    LdapDirectory(replace(ldaps, verify_certificate=False)).check()


def test_ldaps_against_a_plain_ldap_port_is_minus_1(ldaps: LdapSettings, slapd: Slapd) -> None:
    """§13.9: LDAPS to a port that does not speak TLS fails as a TLS problem."""
    error = error_of(replace(ldaps, port=slapd.port, verify_certificate=False))

    assert error.code == -1
    assert "TLS handshake" in error.message


def test_a_search_cut_off_by_a_size_limit_is_an_error_not_a_short_list(
    openldap: LdapSettings,
) -> None:
    """A partial user list would read as deleted users to a synchronisation."""
    directory = LdapDirectory(replace(openldap, bind_dn=OL_LIMITED_SERVICE_DN))

    with pytest.raises(LdapError) as caught:
        directory.users()

    assert caught.value.code == 4
    assert "size limit exceeded" in caught.value.message
    assert "stopped after 2 entries" in caught.value.message
