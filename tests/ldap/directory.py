"""The test directory: two flavours, as LDIF for ldapadd (loaded by tests/ldap/slapd.py).

Users come before groups: the memberof overlay writes `memberOf` into member entries
when a group is added, and does nothing for members that do not exist yet.
"""

from __future__ import annotations

from tests.ldap.slapd import Database

ROOT_PASSWORD = "root-secret"

# -- OpenLDAP flavour: dc=example,dc=com ---------------------------------------------------

OL_SUFFIX = "dc=example,dc=com"
OL_PEOPLE = f"ou=People,{OL_SUFFIX}"
OL_GROUPS = f"ou=Groups,{OL_SUFFIX}"
OL_SERVICE_DN = f"cn=quorum-svc,ou=Services,{OL_SUFFIX}"
OL_SERVICE_PASSWORD = "svc-secret"
# A service account whose searches slapd cuts off after 2 entries.
OL_LIMITED_SERVICE_DN = f"cn=limited-svc,ou=Services,{OL_SUFFIX}"
OL_TC_USERS = f"cn=TC_Users,{OL_GROUPS}"
OL_ENGINEERING = f"cn=Engineering,{OL_GROUPS}"
OL_SALES = f"cn=Sales,{OL_GROUPS}"

# login -> (first name, last name, password)
OL_USERS = {
    "alice": ("Alice", "Archer", "alice-pw"),
    "bob": ("Bob", "Baker", "bob-pw"),
    "carol": ("Carol", "Chen", "carol-pw"),
    "dave": ("Dave", "Doe", "dave-pw"),
}


def ol_dn(login: str) -> str:
    return f"uid={login},{OL_PEOPLE}"


# TC_Users holds two users and a nested group (guide §13.3.2: the allowed group
# contains the account groups); carol is in it only through Engineering.
OL_MEMBERS = {
    OL_TC_USERS: [ol_dn("alice"), ol_dn("bob"), OL_ENGINEERING],
    OL_ENGINEERING: [ol_dn("alice"), ol_dn("carol")],
    OL_SALES: [ol_dn("dave")],
}


def _openldap_ldif() -> str:
    entries = [
        f"dn: {OL_SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\n"
        "dc: example\no: Example Inc.",
        f"dn: {OL_PEOPLE}\nobjectClass: organizationalUnit\nou: People",
        f"dn: {OL_GROUPS}\nobjectClass: organizationalUnit\nou: Groups",
        f"dn: ou=Services,{OL_SUFFIX}\nobjectClass: organizationalUnit\nou: Services",
        f"dn: {OL_SERVICE_DN}\nobjectClass: organizationalRole\n"
        f"objectClass: simpleSecurityObject\ncn: quorum-svc\n"
        f"userPassword: {OL_SERVICE_PASSWORD}",
        f"dn: {OL_LIMITED_SERVICE_DN}\nobjectClass: organizationalRole\n"
        f"objectClass: simpleSecurityObject\ncn: limited-svc\n"
        f"userPassword: {OL_SERVICE_PASSWORD}",
    ]
    for login, (first, last, password) in OL_USERS.items():
        entries.append(
            f"dn: {ol_dn(login)}\nobjectClass: inetOrgPerson\nuid: {login}\n"
            f"cn: {first} {last}\ngivenName: {first}\nsn: {last}\n"
            f"mail: {login}@example.com\nuserPassword: {password}"
        )
    # Engineering before TC_Users, so it exists (and gets memberOf) when nested.
    for group in (OL_ENGINEERING, OL_SALES, OL_TC_USERS):
        name = group.split(",")[0].removeprefix("cn=")
        members = "".join(f"\nmember: {m}" for m in OL_MEMBERS[group])
        entries.append(f"dn: {group}\nobjectClass: groupOfNames\ncn: {name}{members}")
    return "\n\n".join(entries) + "\n"


# -- Active Directory flavour: ou=ad,dc=example,dc=com -------------------------------------

AD_SUFFIX = "ou=ad,dc=example,dc=com"
AD_USERS_OU = f"OU=Users,{AD_SUFFIX}"
AD_GROUPS_OU = f"OU=Groups,{AD_SUFFIX}"
AD_SERVICE_DN = f"CN=svc-quorum,OU=Service Accounts,{AD_SUFFIX}"
AD_SERVICE_PASSWORD = "ad-svc-secret"
AD_TC_USERS = f"CN=TC_Users,{AD_GROUPS_OU}"
AD_ADMINS = f"CN=Domain Admins,{AD_GROUPS_OU}"

# sAMAccountName -> (CN, given name, sn, display name, password, userAccountControl)
AD_USERS = {
    "jsmith": ("Smith\\, John", "John", "Smith", "John Smith", "jsmith-pw", 512),
    "jroe": ("Jane Roe", "Jane", "Roe", "Jane Roe", "jroe-pw", 512),
    "dan": ("Disabled Dan", "Dan", "Disabled", "Dan (disabled)", "dan-pw", 514),
}


def ad_dn(sam: str) -> str:
    return f"CN={AD_USERS[sam][0]},{AD_USERS_OU}"


AD_MEMBERS = {
    AD_TC_USERS: [ad_dn("jsmith"), ad_dn("dan")],
    AD_ADMINS: [ad_dn("jroe")],
}


def _ad_ldif() -> str:
    entries = [
        f"dn: {AD_SUFFIX}\nobjectClass: organizationalUnit\nou: ad",
        f"dn: {AD_USERS_OU}\nobjectClass: organizationalUnit\nou: Users",
        f"dn: {AD_GROUPS_OU}\nobjectClass: organizationalUnit\nou: Groups",
        f"dn: OU=Service Accounts,{AD_SUFFIX}\nobjectClass: organizationalUnit\n"
        "ou: Service Accounts",
        f"dn: {AD_SERVICE_DN}\nobjectClass: organizationalRole\n"
        f"objectClass: simpleSecurityObject\ncn: svc-quorum\n"
        f"userPassword: {AD_SERVICE_PASSWORD}",
        # A computer account: objectClass user too, as in AD; the default filter drops it.
        f"dn: CN=WS01,{AD_USERS_OU}\nobjectClass: computer\ncn: WS01\nsn: WS01\n"
        "sAMAccountName: WS01$\nuserAccountControl: 4096",
    ]
    for sam, (cn, given, sn, display, password, uac) in AD_USERS.items():
        plain_cn = cn.replace("\\", "")
        entries.append(
            f"dn: {ad_dn(sam)}\nobjectClass: user\ncn: {plain_cn}\nsn: {sn}\n"
            f"givenName: {given}\ndisplayName: {display}\nsAMAccountName: {sam}\n"
            f"mail: {sam}@corp.example.com\nuserAccountControl: {uac}\n"
            f"userPassword: {password}"
        )
    for group, members in AD_MEMBERS.items():
        name = group.split(",")[0].removeprefix("CN=")
        lines = "".join(f"\nmember: {m}" for m in members)
        entries.append(
            f"dn: {group}\nobjectClass: groupOfNames\nobjectClass: group\ncn: {name}\n"
            f"sAMAccountName: {name}{lines}"
        )
    return "\n\n".join(entries) + "\n"


DATABASES = [
    Database(
        OL_SUFFIX,
        f"cn=admin,{OL_SUFFIX}",
        ROOT_PASSWORD,
        _openldap_ldif(),
        directives=(f'limits dn.exact="{OL_LIMITED_SERVICE_DN}" size=2',),
    ),
    Database(AD_SUFFIX, f"cn=admin,{AD_SUFFIX}", ROOT_PASSWORD, _ad_ldif()),
]
