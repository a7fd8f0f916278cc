"""An LDAP / Active Directory directory, read with ldap3 (guide §13.6-§13.9, FEATURES J).

I/O only: connect, bind, search and translate ldap3's outcomes into `LdapError` with
the codes the guide documents (§13.9): 81 server down (refused, unreachable, no answer
within the timeout), 49 invalid credentials, -1 TLS/certificate problems; other LDAP
result codes pass through as the server gave them (32 no such object, ...). A search
the server cut short (size/time limit, codes 4/3) is an error, never a partial list.
What a directory user is allowed to do is the domain's business, not this module's.

Attribute names come from `DEFAULT_ATTRIBUTES[server_type]`, overridden key by key by
`LdapSettings.attributes` (the guide's "Advanced" section; "Default" = no overrides).
The user search is `(&(objectClass=<user_object_class>)<user_filter>)` under the base
DN, the group search `(&(objectClass=<group_object_class>)<group_filter>)`; an empty
class or filter is left out.

Group membership is read both ways, so a directory that does not maintain `memberOf`
still works: a user's groups are its `memberOf` values plus the groups under the base
DN whose member list names it. The allowed group (§13.8 item 9) may contain groups
(§13.3.2, §13.8.1): its members are expanded through the groups found under the base
DN; a nested group outside the base DN counts only through `memberOf`. A user's
`group_dns` are its direct groups (nested ones are not expanded there). Entries without
a value for the login attribute are left out of `users()`: nobody can sign in as them.

`trust_enabled` (§13.8.1) makes ldap3 follow referrals (to other domains' controllers,
with the same credentials); with it off, referrals are not chased. Resolving
ForeignSecurityPrincipals of trusted domains is not done here.
"""

from __future__ import annotations

import math
import re
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import ldap3
from ldap3.core import exceptions as ldap_exc
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import parse_dn

SERVER_TYPES = ("active_directory", "openldap", "389ds", "custom")

INVALID_CREDENTIALS = 49
SERVER_DOWN = 81
TLS_FAILURE = -1
NO_SUCH_OBJECT = 32
TIME_LIMIT_EXCEEDED = 3
SIZE_LIMIT_EXCEEDED = 4
INVALID_DN_SYNTAX = 34
FILTER_ERROR = 87
OTHER = 80

PAGE_SIZE = 500

# Bit 0x2 of userAccountControl is ACCOUNTDISABLE; 1.2.840.113556.1.4.803 is the
# bitwise-AND matching rule (AD and OpenLDAP both know it). Computer accounts are
# objectClass=user in AD too, hence the second exclusion.
_AD_USER_FILTER = "(&(!(objectClass=computer))(!(userAccountControl:1.2.840.113556.1.4.803:=2)))"

_RFC_2798_ATTRIBUTES: dict[str, str] = {
    "login": "uid",
    "display_name": "cn",
    "first_name": "givenName",
    "last_name": "sn",
    "email": "mail",
    "member_of": "memberOf",
    "group_member": "member",
    "group_name": "cn",
    "user_object_class": "inetOrgPerson",
    "group_object_class": "groupOfNames",
    "user_filter": "",
    "group_filter": "",
}

DEFAULT_ATTRIBUTES: dict[str, dict[str, str]] = {
    "active_directory": {
        "login": "sAMAccountName",
        "display_name": "displayName",
        "first_name": "givenName",
        "last_name": "sn",
        "email": "mail",
        "member_of": "memberOf",
        "group_member": "member",
        "group_name": "cn",
        "user_object_class": "user",
        "group_object_class": "group",
        "user_filter": _AD_USER_FILTER,
        "group_filter": "",
    },
    "openldap": dict(_RFC_2798_ATTRIBUTES),
    "389ds": dict(_RFC_2798_ATTRIBUTES),
    "custom": dict(_RFC_2798_ATTRIBUTES),
}

ATTRIBUTE_KEYS = tuple(DEFAULT_ATTRIBUTES["active_directory"])


@dataclass(frozen=True)
class LdapSettings:
    server_type: str
    host: str
    port: int
    use_ssl: bool
    bind_dn: str
    bind_password: str
    base_dn: str
    allowed_group_dn: str | None = None
    trust_enabled: bool = True
    verify_certificate: bool = True
    ca_certificate_file: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    timeout_seconds: float = 5.0

    def __post_init__(self) -> None:
        if self.server_type not in SERVER_TYPES:
            raise ValueError(f"unknown LDAP server type {self.server_type!r}")
        unknown = set(self.attributes) - set(ATTRIBUTE_KEYS)
        if unknown:
            raise ValueError(f"unknown LDAP attribute keys: {', '.join(sorted(unknown))}")
        if self.timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")

    @property
    def url(self) -> str:
        return f"{'ldaps' if self.use_ssl else 'ldap'}://{self.host}:{self.port}"

    def attribute(self, key: str) -> str:
        """The effective name (or filter) for `key`: the override, else the type's default."""
        if key in self.attributes:
            return self.attributes[key].strip()
        return DEFAULT_ATTRIBUTES[self.server_type][key]


@dataclass(frozen=True)
class DirectoryUser:
    login: str
    dn: str
    display_name: str
    first_name: str
    last_name: str
    email: str
    group_dns: tuple[str, ...]


@dataclass(frozen=True)
class DirectoryGroup:
    dn: str
    name: str
    member_dns: tuple[str, ...]


# LdapError.reason for a refused sign-in, so the domain can tell (e.g. for lockout
# counting, FEATURES LCK-02: only attempts on an existing login count) without parsing.
UNKNOWN_LOGIN = "unknown_login"
WRONG_PASSWORD = "wrong_password"
EMPTY_PASSWORD = "empty_password"
NOT_IN_ALLOWED_GROUP = "not_in_allowed_group"


class LdapError(Exception):
    """A failed directory operation: `code` as in §13.9, `message` a sentence for people,
    `reason` one of the sign-in reasons above (authenticate only) or ""."""

    def __init__(self, code: int, detail: str, *, diagnostic: str = "", reason: str = "") -> None:
        self.code = code
        self.reason = reason
        self.diagnostic = diagnostic  # the server's own text (AD: "... data 52e ..."), if any
        self.message = f"LDAP error {code}: {detail}"
        if diagnostic:
            self.message += f" (server says: {diagnostic})"
        super().__init__(self.message)


@dataclass(frozen=True)
class _GroupIndex:
    """The groups under the base DN, by normalised DN and by normalised member DN."""

    groups: dict[str, DirectoryGroup]
    groups_of: dict[str, list[str]]

    @classmethod
    def of(cls, groups: Iterable[DirectoryGroup]) -> _GroupIndex:
        by_dn: dict[str, DirectoryGroup] = {}
        groups_of: dict[str, list[str]] = {}
        for group in groups:
            by_dn[normalize_dn(group.dn)] = group
            for member in group.member_dns:
                groups_of.setdefault(normalize_dn(member), []).append(group.dn)
        return cls(by_dn, groups_of)


class LdapDirectory:
    def __init__(self, settings: LdapSettings) -> None:
        self.settings = settings

    # -- the four operations -------------------------------------------------------------

    def check(self) -> None:
        """Bind with the service account and read the base DN (and the allowed group)."""
        conn = self._service_connection()
        try:
            self._read_entry(conn, self.settings.base_dn, [], what="base DN")
            if self.settings.allowed_group_dn:
                self._read_entry(
                    conn, self.settings.allowed_group_dn, [], what="allowed users group"
                )
        finally:
            _unbind(conn)

    def users(self) -> list[DirectoryUser]:
        """Users under the base DN that match the user filter (and the allowed group)."""
        conn = self._service_connection()
        try:
            entries = self._search(
                conn, self.settings.base_dn, self._user_filter(), self._user_attributes()
            )
            index = self._group_index(conn)
            allowed = self._allowed_closure(conn, index)
            found = []
            for entry in entries:
                user = self._user_from_entry(entry, index)
                if not user.login:
                    continue  # nobody can sign in as it
                if allowed is not None and not self._in_closure(user, allowed):
                    continue
                found.append(user)
            return sorted(found, key=lambda u: (u.login.casefold(), u.dn))
        finally:
            _unbind(conn)

    def groups(self, search: str | None = None) -> list[DirectoryGroup]:
        """Groups under the base DN; `search` matches the name (substring, any case)."""
        name_attr = self.settings.attribute("group_name")
        extra = ""
        if search and search.strip():
            extra = f"({name_attr}=*{escape_filter_chars(search.strip())}*)"
        conn = self._service_connection()
        try:
            entries = self._search(
                conn, self.settings.base_dn, self._group_filter(extra), self._group_attributes()
            )
        finally:
            _unbind(conn)
        groups = [self._group_from_entry(entry) for entry in entries]
        if search and search.strip():  # the server's matching rule might be case-sensitive
            needle = search.strip().casefold()
            groups = [g for g in groups if needle in g.name.casefold()]
        return sorted(groups, key=lambda g: (g.name.casefold(), g.dn))

    def authenticate(self, login: str, password: str) -> DirectoryUser:
        """The user whose login attribute is `login`, once a bind with `password` succeeds."""
        login = login.strip()
        if not login:
            raise LdapError(
                INVALID_CREDENTIALS, "invalid credentials: the login is empty", reason=UNKNOWN_LOGIN
            )
        if not password:
            # RFC 4513 §5.1.2: a simple bind with a DN and no password is an
            # "unauthenticated bind", which many servers answer with success.
            raise LdapError(
                INVALID_CREDENTIALS,
                f"invalid credentials for login {login!r}: an empty password is refused "
                "(an LDAP bind without a password is an unauthenticated bind)",
                reason=EMPTY_PASSWORD,
            )
        login_attr = self.settings.attribute("login")
        conn = self._service_connection()
        try:
            extra = f"({login_attr}={escape_filter_chars(login)})"
            entries = self._search(
                conn, self.settings.base_dn, self._user_filter(extra), self._user_attributes()
            )
            if not entries:
                raise LdapError(
                    INVALID_CREDENTIALS,
                    f"invalid credentials for login {login!r}: no user with "
                    f"{login_attr}={login!r} under {self.settings.base_dn}",
                    reason=UNKNOWN_LOGIN,
                )
            if len(entries) > 1:
                raise LdapError(
                    INVALID_CREDENTIALS,
                    f"invalid credentials for login {login!r}: {len(entries)} users have "
                    f"{login_attr}={login!r} under {self.settings.base_dn}",
                    reason=UNKNOWN_LOGIN,
                )
            dn = str(entries[0]["dn"])
            try:
                _unbind(self._bound_connection(dn, password))
            except LdapError as error:
                if error.code != INVALID_CREDENTIALS:
                    raise
                raise LdapError(
                    INVALID_CREDENTIALS,
                    f"invalid credentials for login {login!r} (bind DN {dn}): wrong password",
                    diagnostic=error.diagnostic,
                    reason=WRONG_PASSWORD,
                ) from None
            index = self._group_index(conn)
            user = self._user_from_entry(entries[0], index)
            allowed = self._allowed_closure(conn, index)
            if allowed is not None and not self._in_closure(user, allowed):
                raise LdapError(
                    INVALID_CREDENTIALS,
                    f"login {login!r} refused: {dn} is not a member of the allowed users "
                    f"group {self.settings.allowed_group_dn}",
                    reason=NOT_IN_ALLOWED_GROUP,
                )
            return user
        finally:
            _unbind(conn)

    # -- connections ---------------------------------------------------------------------

    def _server(self) -> ldap3.Server:
        s = self.settings
        tls = None
        if s.use_ssl:
            if s.verify_certificate:
                tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=s.ca_certificate_file)
            else:
                tls = ldap3.Tls(validate=ssl.CERT_NONE)
        return ldap3.Server(
            s.host,
            port=s.port,
            use_ssl=s.use_ssl,
            tls=tls,
            get_info=ldap3.NONE,
            connect_timeout=s.timeout_seconds,
        )

    def _service_connection(self) -> ldap3.Connection:
        return self._bound_connection(self.settings.bind_dn, self.settings.bind_password)

    def _bound_connection(self, bind_dn: str, password: str) -> ldap3.Connection:
        if not password:
            raise LdapError(
                INVALID_CREDENTIALS,
                f"invalid credentials for bind DN {bind_dn!r}: the password is empty",
            )
        conn = ldap3.Connection(
            self._server(),
            user=bind_dn,
            password=password,
            authentication=ldap3.SIMPLE,
            raise_exceptions=True,
            read_only=True,
            auto_referrals=self.settings.trust_enabled,
            # ldap3 sets SO_RCVTIMEO with struct.pack("LL", ...): whole seconds only.
            receive_timeout=max(1, math.ceil(self.settings.timeout_seconds)),
        )
        try:
            conn.open()
            conn.bind()
        except Exception as exc:
            _unbind(conn)
            raise self._translate(exc, bind_dn=bind_dn) from exc
        return conn

    # -- searches ------------------------------------------------------------------------

    def _search(
        self, conn: ldap3.Connection, base: str, search_filter: str, attributes: list[str]
    ) -> list[dict[str, Any]]:
        try:
            responses = conn.extend.standard.paged_search(
                search_base=base,
                search_filter=search_filter,
                search_scope=ldap3.SUBTREE,
                attributes=attributes or [ldap3.NO_ATTRIBUTES],
                paged_size=PAGE_SIZE,
                generator=False,
            )
        except Exception as exc:
            raise self._translate(exc, base=base, search_filter=search_filter) from exc
        entries = [r for r in responses or [] if r.get("type") == "searchResEntry"]
        result = conn.result or {}
        code = result.get("result")
        if code in (SIZE_LIMIT_EXCEEDED, TIME_LIMIT_EXCEEDED):
            # ldap3 does not raise for these: it hands back a partial list. A partial
            # user list would look like deleted users to a synchronisation, so refuse it.
            what = "size" if code == SIZE_LIMIT_EXCEEDED else "time"
            raise LdapError(
                int(code),
                f"{what} limit exceeded searching {base} with {search_filter}: the server "
                f"stopped after {len(entries)} entries; raise the {what} limit for "
                f"{self.settings.bind_dn} (OpenLDAP: a `limits` rule, e.g. size.prtotal=unlimited)",
                diagnostic=str(result.get("message") or ""),
            )
        return entries

    def _read_entry(
        self, conn: ldap3.Connection, dn: str, attributes: list[str], *, what: str
    ) -> dict[str, Any]:
        try:
            conn.search(
                search_base=dn,
                search_filter="(objectClass=*)",
                search_scope=ldap3.BASE,
                attributes=attributes or [ldap3.NO_ATTRIBUTES],
            )
        except ldap_exc.LDAPNoSuchObjectResult:
            raise LdapError(
                NO_SUCH_OBJECT, f"no such object: the {what} {dn} does not exist"
            ) from None
        except Exception as exc:
            raise self._translate(exc, base=dn) from exc
        entries = [r for r in conn.response or [] if r.get("type") == "searchResEntry"]
        if not entries:
            raise LdapError(
                NO_SUCH_OBJECT, f"no such object: the {what} {dn} is not readable or missing"
            )
        return entries[0]

    def _user_filter(self, extra: str = "") -> str:
        return _and_filter(
            self.settings.attribute("user_object_class"),
            self.settings.attribute("user_filter"),
            extra,
        )

    def _group_filter(self, extra: str = "") -> str:
        return _and_filter(
            self.settings.attribute("group_object_class"),
            self.settings.attribute("group_filter"),
            extra,
        )

    def _user_attributes(self) -> list[str]:
        keys = ("login", "display_name", "first_name", "last_name", "email", "member_of")
        return _unique(self.settings.attribute(k) for k in keys)

    def _group_attributes(self) -> list[str]:
        return _unique(self.settings.attribute(k) for k in ("group_name", "group_member"))

    # -- groups and membership -----------------------------------------------------------

    def _group_index(self, conn: ldap3.Connection) -> _GroupIndex:
        entries = self._search(
            conn, self.settings.base_dn, self._group_filter(), self._group_attributes()
        )
        return _GroupIndex.of(self._group_from_entry(entry) for entry in entries)

    def _allowed_closure(self, conn: ldap3.Connection, index: _GroupIndex) -> set[str] | None:
        """Normalised DNs of the allowed group and everything in it, nested groups expanded."""
        allowed = self.settings.allowed_group_dn
        if not allowed:
            return None
        root = normalize_dn(allowed)
        closure = {root}
        pending = [allowed]
        expanded: set[str] = set()
        while pending:
            dn = pending.pop()
            key = normalize_dn(dn)
            if key in expanded:
                continue
            expanded.add(key)
            if key in index.groups:
                members: Iterable[str] = index.groups[key].member_dns
            elif key == root:  # the allowed group may live outside the base DN
                member_attr = self.settings.attribute("group_member")
                entry = self._read_entry(conn, dn, [member_attr], what="allowed users group")
                members = _values(entry, member_attr)
            else:
                continue  # a user, or a group we cannot see from the base DN
            for member in members:
                member_key = normalize_dn(member)
                if member_key not in closure:
                    closure.add(member_key)
                    pending.append(member)
        return closure

    @staticmethod
    def _in_closure(user: DirectoryUser, closure: set[str]) -> bool:
        if normalize_dn(user.dn) in closure:
            return True
        return any(normalize_dn(group) in closure for group in user.group_dns)

    def _user_from_entry(self, entry: dict[str, Any], index: _GroupIndex) -> DirectoryUser:
        s = self.settings
        dn = str(entry["dn"])
        groups: dict[str, str] = {}
        for group_dn in _values(entry, s.attribute("member_of")):
            groups.setdefault(normalize_dn(group_dn), group_dn)
        for group_dn in index.groups_of.get(normalize_dn(dn), []):
            groups.setdefault(normalize_dn(group_dn), group_dn)
        login = _first(entry, s.attribute("login"))
        first_name = _first(entry, s.attribute("first_name"))
        last_name = _first(entry, s.attribute("last_name"))
        display_name = (
            _first(entry, s.attribute("display_name"))
            or " ".join(p for p in (first_name, last_name) if p)
            or login
        )
        return DirectoryUser(
            login=login,
            dn=dn,
            display_name=display_name,
            first_name=first_name,
            last_name=last_name,
            email=_first(entry, s.attribute("email")),
            group_dns=tuple(sorted(groups.values(), key=normalize_dn)),
        )

    def _group_from_entry(self, entry: dict[str, Any]) -> DirectoryGroup:
        dn = str(entry["dn"])
        name = _first(entry, self.settings.attribute("group_name")) or _rdn_value(dn)
        members = _values(entry, self.settings.attribute("group_member"))
        return DirectoryGroup(dn=dn, name=name, member_dns=tuple(members))

    # -- errors --------------------------------------------------------------------------

    def _translate(
        self,
        exc: Exception,
        *,
        bind_dn: str | None = None,
        base: str | None = None,
        search_filter: str | None = None,
    ) -> LdapError:
        url = self.settings.url
        if isinstance(exc, LdapError):
            return exc
        if isinstance(exc, ldap_exc.LDAPInvalidCredentialsResult):
            return LdapError(
                INVALID_CREDENTIALS,
                f"invalid credentials for bind DN {bind_dn!r}",
                diagnostic=str(exc.message or ""),
            )
        if isinstance(exc, ldap_exc.LDAPOperationResult):
            code = int(exc.result)
            description = exc.description or "error"
            detail = f"{description}"
            if base is not None:
                detail += f" (base {base}"
                detail += f", filter {search_filter})" if search_filter else ")"
            return LdapError(code, detail, diagnostic=str(exc.message or ""))
        causes = _communication_causes(exc) or [exc]
        if any(isinstance(c, ldap_exc.LDAPCertificateError) for c in causes):
            return LdapError(
                TLS_FAILURE,
                f"TLS handshake with {url} failed: the certificate does not name "
                f"{self.settings.host!r} (use the name the certificate was issued for)",
            )
        if isinstance(exc, ldap_exc.LDAPCommunicationError):
            if any(isinstance(c, TimeoutError) for c in causes):
                return LdapError(
                    SERVER_DOWN,
                    f"no answer from {url} within {self.settings.timeout_seconds:g} s "
                    "(server down)",
                )
            tls = [c for c in causes if isinstance(c, ssl.SSLError)]
            if tls:
                return LdapError(
                    TLS_FAILURE, f"TLS handshake with {url} failed: {_ssl_reason(tls[0])}"
                )
            if "invalid server address" in str(exc):
                return LdapError(
                    SERVER_DOWN,
                    f"cannot reach {url} (server down): {self.settings.host!r} does not resolve",
                )
            if isinstance(exc, ldap_exc.LDAPSessionTerminatedByServerError):
                return LdapError(SERVER_DOWN, f"{url} closed the connection (server down)")
            return LdapError(
                SERVER_DOWN, f"cannot reach {url} (server down): {_socket_reason(causes[0])}"
            )
        if isinstance(exc, ldap_exc.LDAPInvalidDnError):
            where = f" in {base!r}" if base is not None else f" in {bind_dn!r}" if bind_dn else ""
            return LdapError(INVALID_DN_SYNTAX, f"invalid DN syntax{where}: {exc}")
        if isinstance(exc, ldap_exc.LDAPInvalidFilterError):
            return LdapError(FILTER_ERROR, f"invalid search filter {search_filter!r}: {exc}")
        return LdapError(OTHER, f"{type(exc).__name__} talking to {url}: {exc}")


# -- helpers -------------------------------------------------------------------------------


def normalize_dn(dn: str) -> str:
    """A DN for comparisons (not for sending): types and values lower-cased, escapes
    decoded, spaces around separators dropped. `CN=Smith\\, John, OU=x` and
    `cn=smith\\2c john,ou=x` (as slapd returns it) give the same string."""
    try:
        parts = parse_dn(dn, escape=False, strip=True)
    except Exception:
        return dn.strip().lower()
    return "".join(
        f"{a.strip().lower()}={_unescape_dn_value(v.strip()).lower()}{sep}" for a, v, sep in parts
    )


_DN_ESCAPE = re.compile(r"\\([0-9a-fA-F]{2})|\\(.)", re.DOTALL)


def _unescape_dn_value(value: str) -> str:
    """RFC 4514 escapes undone: `\\,` -> `,`, `\\2C` -> `,`, `\\c3\\a9` -> `é`; the result
    is re-escaped minimally, so a comma in a value cannot pass for a separator."""
    raw = bytearray()
    position = 0
    for match in _DN_ESCAPE.finditer(value):
        raw += value[position : match.start()].encode()
        if match.group(1) is not None:
            raw.append(int(match.group(1), 16))
        else:
            raw += match.group(2).encode()
        position = match.end()
    raw += value[position:].encode()
    text = raw.decode("utf-8", errors="replace")
    return re.sub(r'([\\,+"<>;=])', r"\\\1", text)


def _rdn_value(dn: str) -> str:
    try:
        return str(parse_dn(dn, escape=False, strip=True)[0][1])
    except Exception:
        return dn


def _and_filter(object_class: str, base_filter: str, extra: str) -> str:
    parts = []
    if object_class:
        parts.append(f"(objectClass={escape_filter_chars(object_class)})")
    for part in (base_filter, extra):
        part = part.strip()
        if part:
            parts.append(part if part.startswith("(") else f"({part})")
    if not parts:
        return "(objectClass=*)"
    if len(parts) == 1:
        return parts[0]
    return "(&" + "".join(parts) + ")"


def _unique(names: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for name in names:
        if name:
            seen.setdefault(name.lower(), name)
    return list(seen.values())


def _values(entry: dict[str, Any], name: str) -> list[str]:
    if not name:
        return []
    attributes = entry.get("attributes") or {}
    value = attributes.get(name)
    if value is None:  # ldap3's CaseInsensitiveDict; a plain dict from elsewhere
        for key, candidate in attributes.items():
            if str(key).lower() == name.lower():
                value = candidate
                break
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        value = [value]
    out = []
    for item in value:
        if isinstance(item, bytes):
            item = item.decode("utf-8", errors="replace")
        text = str(item)
        if text:
            out.append(text)
    return out


def _first(entry: dict[str, Any], name: str) -> str:
    values = _values(entry, name)
    return values[0].strip() if values else ""


def _communication_causes(exc: Exception) -> list[BaseException]:
    """The socket-level exceptions behind an ldap3 communication error, if it is one."""
    if not isinstance(exc, ldap_exc.LDAPCommunicationError):
        return []
    causes: list[BaseException] = []
    # With several candidate addresses ldap3 raises one error listing (error, address).
    if len(exc.args) > 1 and isinstance(exc.args[1], list):
        for item in exc.args[1]:
            if isinstance(item, tuple) and item and isinstance(item[0], BaseException):
                causes.append(item[0])
    return causes or [exc]


_SSL_REASON = re.compile(r"\[SSL(?:: ([A-Z0-9_]+))?\] ([^'\"\\]*?)(?: \(_ssl\.c:\d+\)|['\"\\]|$)")
_NOT_TLS = ("UNEXPECTED_EOF_WHILE_READING", "WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE")


def _ssl_reason(exc: BaseException) -> str:
    """OpenSSL's reason, without ldap3's nested reprs, and what to do about it."""
    text = str(exc)
    match = _SSL_REASON.search(text)
    if match is None:
        return re.sub(r"^[(\"']+|[)\"',]+$", "", text).removeprefix("socket ssl wrapping error: ")
    code, reason = match.group(1) or "", match.group(2).strip()
    if code == "CERTIFICATE_VERIFY_FAILED":
        return f"{reason} (is the directory's root certificate installed? guide §13.8.2)"
    if code in _NOT_TLS:
        return f"{reason} (does the server speak LDAPS on this port?)"
    return reason


def _socket_reason(exc: BaseException) -> str:
    text = str(exc)
    for prefix in ("socket connection error while opening: ", "socket ssl wrapping error: "):
        text = text.removeprefix(prefix)
    return text


def _unbind(conn: ldap3.Connection) -> None:
    try:
        conn.unbind()
    except Exception:
        pass
