"""LdapDirectory against a real slapd: users, groups, allowed group, sign-in (§13.8)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from adapters.ldap_directory import (
    DEFAULT_ATTRIBUTES,
    EMPTY_PASSWORD,
    NOT_IN_ALLOWED_GROUP,
    SERVER_TYPES,
    UNKNOWN_LOGIN,
    WRONG_PASSWORD,
    LdapDirectory,
    LdapError,
    LdapSettings,
    normalize_dn,
)
from tests.ldap.directory import (
    AD_ADMINS,
    AD_TC_USERS,
    OL_ENGINEERING,
    OL_SALES,
    OL_TC_USERS,
    OL_USERS,
    ad_dn,
    ol_dn,
)


def dns(values: tuple[str, ...] | list[str]) -> set[str]:
    return {normalize_dn(v) for v in values}


# -- OpenLDAP flavour ----------------------------------------------------------------------


def test_openldap_users_carry_names_mail_and_groups(openldap: LdapSettings) -> None:
    """§13.8: user data comes from the directory; rights follow its groups (LDAP-07)."""
    users = {u.login: u for u in LdapDirectory(openldap).users()}

    assert sorted(users) == ["alice", "bob", "carol", "dave"]
    alice = users["alice"]
    assert normalize_dn(alice.dn) == normalize_dn(ol_dn("alice"))
    assert (alice.display_name, alice.first_name, alice.last_name) == (
        "Alice Archer",
        "Alice",
        "Archer",
    )
    assert alice.email == "alice@example.com"
    assert dns(alice.group_dns) == dns([OL_TC_USERS, OL_ENGINEERING])
    assert dns(users["carol"].group_dns) == dns([OL_ENGINEERING])
    assert dns(users["dave"].group_dns) == dns([OL_SALES])


def test_openldap_groups_list_names_and_members(openldap: LdapSettings) -> None:
    """§13.3.2: groups are imported from the directory, with their members."""
    groups = {g.name: g for g in LdapDirectory(openldap).groups()}

    assert sorted(groups) == ["Engineering", "Sales", "TC_Users"]
    assert dns(groups["TC_Users"].member_dns) == dns([ol_dn("alice"), ol_dn("bob"), OL_ENGINEERING])
    assert dns(groups["Sales"].member_dns) == dns([ol_dn("dave")])


def test_group_search_is_a_case_insensitive_substring(openldap: LdapSettings) -> None:
    """§13.3.2: the admin picks groups by name from the directory's list."""
    directory = LdapDirectory(openldap)

    assert [g.name for g in directory.groups("GINEER")] == ["Engineering"]
    assert [g.name for g in directory.groups("s")] == ["Sales", "TC_Users"]
    assert directory.groups("no such group") == []
    assert directory.groups("*") == []  # a literal asterisk, not a wildcard


def test_allowed_group_keeps_its_members_and_nested_groups_members(
    openldap: LdapSettings,
) -> None:
    """§13.8 item 9, §13.3.2: only the allowed group's users, nested groups included."""
    settings = replace(openldap, allowed_group_dn=OL_TC_USERS)

    assert [u.login for u in LdapDirectory(settings).users()] == ["alice", "bob", "carol"]


def test_openldap_sign_in_binds_as_the_user(openldap: LdapSettings) -> None:
    """§13.8: the directory checks the password; login is the uid, in any case."""
    directory = LdapDirectory(openldap)

    user = directory.authenticate("alice", "alice-pw")
    assert user.login == "alice"
    assert normalize_dn(user.dn) == normalize_dn(ol_dn("alice"))
    assert dns(user.group_dns) == dns([OL_TC_USERS, OL_ENGINEERING])
    assert directory.authenticate("  BOB ", "bob-pw").login == "bob"


@pytest.mark.parametrize(
    ("login", "password", "reason"),
    [
        ("alice", "wrong", WRONG_PASSWORD),
        ("alice", "bob-pw", WRONG_PASSWORD),
        ("nobody", "alice-pw", UNKNOWN_LOGIN),
        ("", "alice-pw", UNKNOWN_LOGIN),
    ],
)
def test_wrong_password_or_unknown_login_is_49(
    openldap: LdapSettings, login: str, password: str, reason: str
) -> None:
    """§13.9: invalid credentials are LDAP error 49; the reason tells them apart (LCK-02)."""
    with pytest.raises(LdapError) as caught:
        LdapDirectory(openldap).authenticate(login, password)

    assert caught.value.code == 49
    assert caught.value.reason == reason
    assert caught.value.message.startswith("LDAP error 49: invalid credentials")


def test_empty_password_is_refused_not_an_unauthenticated_bind(openldap: LdapSettings) -> None:
    """RFC 4513 §5.1.2: a DN without a password would be an anonymous 'success'."""
    with pytest.raises(LdapError) as caught:
        LdapDirectory(openldap).authenticate("alice", "")

    assert (caught.value.code, caught.value.reason) == (49, EMPTY_PASSWORD)
    assert "empty password" in caught.value.message


@pytest.mark.parametrize("login", ["*)(uid=*", "*", "ali*", "alice)(|(uid=*", "*)(objectClass=*"])
def test_filter_injection_in_the_login_matches_nobody(openldap: LdapSettings, login: str) -> None:
    """The login is escaped: wildcards and parentheses are plain characters."""
    with pytest.raises(LdapError) as caught:
        LdapDirectory(openldap).authenticate(login, "alice-pw")

    assert caught.value.code == 49
    assert "no user with" in caught.value.message


def test_sign_in_outside_the_allowed_group_is_refused(openldap: LdapSettings) -> None:
    """§13.8 item 9: only members of the allowed group (directly or nested) sign in."""
    directory = LdapDirectory(replace(openldap, allowed_group_dn=OL_TC_USERS))

    assert directory.authenticate("carol", "carol-pw").login == "carol"  # via Engineering
    with pytest.raises(LdapError) as caught:
        directory.authenticate("dave", "dave-pw")
    assert (caught.value.code, caught.value.reason) == (49, NOT_IN_ALLOWED_GROUP)
    assert "not a member of the allowed users group" in caught.value.message


def test_attribute_overrides_change_the_login_attribute(openldap: LdapSettings) -> None:
    """§13.8 item 10 (Advanced): a custom mapping signs in by mail instead of uid."""
    settings = replace(openldap, server_type="custom", attributes={"login": "mail"})
    directory = LdapDirectory(settings)

    assert directory.authenticate("bob@example.com", "bob-pw").dn.startswith("uid=bob,")
    assert {u.login for u in directory.users()} == {f"{n}@example.com" for n in OL_USERS}


# -- Active Directory flavour --------------------------------------------------------------


def test_ad_defaults_list_enabled_people_only(active_directory: LdapSettings) -> None:
    """§13.8: AD defaults (sAMAccountName, objectClass user) skip computers and disabled."""
    users = {u.login: u for u in LdapDirectory(active_directory).users()}

    assert sorted(users) == ["jroe", "jsmith"]  # not dan (disabled), not WS01$ (computer)
    john = users["jsmith"]
    assert normalize_dn(john.dn) == normalize_dn(ad_dn("jsmith"))  # CN=Smith\, John
    assert (john.display_name, john.first_name, john.last_name) == ("John Smith", "John", "Smith")
    assert john.email == "jsmith@corp.example.com"
    assert dns(john.group_dns) == dns([AD_TC_USERS])
    assert dns(users["jroe"].group_dns) == dns([AD_ADMINS])


def test_ad_groups_by_name(active_directory: LdapSettings) -> None:
    """§13.3.2: AD groups (objectClass group) with their member DNs."""
    directory = LdapDirectory(active_directory)
    groups = {g.name: g for g in directory.groups()}

    assert sorted(groups) == ["Domain Admins", "TC_Users"]
    assert dns(groups["TC_Users"].member_dns) == dns([ad_dn("jsmith"), ad_dn("dan")])
    assert [g.name for g in directory.groups("domain")] == ["Domain Admins"]


def test_ad_allowed_group_dn_matches_however_it_is_spelled(
    active_directory: LdapSettings,
) -> None:
    """§13.8 item 9: the Path as an admin types it (case, spaces) selects the same group."""
    typed = AD_TC_USERS.upper().replace(",", ", ")
    directory = LdapDirectory(replace(active_directory, allowed_group_dn=typed))

    assert [u.login for u in directory.users()] == ["jsmith"]
    assert directory.authenticate("JSmith", "jsmith-pw").login == "jsmith"
    with pytest.raises(LdapError) as caught:
        directory.authenticate("jroe", "jroe-pw")
    assert caught.value.code == 49


@pytest.mark.parametrize("login", ["dan", "WS01$", "svc-quorum"])
def test_ad_disabled_computer_and_service_accounts_cannot_sign_in(
    active_directory: LdapSettings, login: str
) -> None:
    """The AD user filter applies to sign-in as well as to the user list."""
    with pytest.raises(LdapError) as caught:
        LdapDirectory(active_directory).authenticate(login, "dan-pw")

    assert caught.value.code == 49


# -- settings ------------------------------------------------------------------------------


def test_every_server_type_has_every_attribute() -> None:
    """§13.8 item 1: each type defines the default of each Advanced parameter."""
    keys = set(DEFAULT_ATTRIBUTES["active_directory"])

    assert set(DEFAULT_ATTRIBUTES) == set(SERVER_TYPES)
    assert all(set(DEFAULT_ATTRIBUTES[t]) == keys for t in SERVER_TYPES)
    assert DEFAULT_ATTRIBUTES["active_directory"]["login"] == "sAMAccountName"
    assert DEFAULT_ATTRIBUTES["openldap"]["login"] == "uid"


def test_settings_refuse_unknown_types_and_keys(openldap: LdapSettings) -> None:
    with pytest.raises(ValueError, match="server type"):
        replace(openldap, server_type="novell")
    with pytest.raises(ValueError, match="attribute keys"):
        replace(openldap, attributes={"loginname": "uid"})
