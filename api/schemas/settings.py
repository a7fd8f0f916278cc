"""Server settings, secrets and the directory (API.md `settings/{section}`), and an
administrator's own preferences."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from api.schemas.bodies import Body, documented, one_of, unset
from api.schemas.common import Reply, json_body, partial_schema, schema_of
from domain.settings.auth_zones import METHODS
from domain.settings.conferences import JOIN_METHODS, MAX_DAYS, MIN_DAYS
from domain.settings.recordings import GROUP_MODES, P2P_MODES
from domain.settings.recordings import MAX_DAYS as MAX_KEPT_DAYS
from domain.settings.recordings import MIN_DAYS as MIN_KEPT_DAYS
from domain.settings.rules import (
    CLIENT_OSES,
    LDAP_ATTRIBUTE_KEYS,
    LDAP_SERVER_TYPES,
    USER_STORAGE_MODES,
)


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


# -- `PATCH settings/{section}` bodies, one per section: the JSON shape is checked here,
# each value by its rule in domain/settings/rules.py (the limits below document them);
# a PATCH changes only the fields it gives, so none is required (but user-storage's mode)


def days(default: int | None) -> Any:
    return documented(default, minimum=MIN_DAYS, maximum=MAX_DAYS)


VERSION = r"^\d+(\.\d+){0,3}$"


class ClientPolicy(Body):
    """One OS's client policy (§9.1.5)."""

    min_version: str | None = documented(None, pattern=VERSION)
    preferred_version: str | None = documented(
        None, pattern=VERSION, description="not below min_version"
    )
    setup_url: str | None = None
    authorization: bool = Field(True, description="whether this OS's clients may sign in")


class MainSettings(Body):
    """Section `main` (§9.1.3)."""

    timezone: str = Field("UTC", description="an IANA time zone such as Europe/Berlin")
    csv_encoding: str = Field("utf-8", description="a character encoding such as cp1251")
    csv_delimiter: str = documented(",", minLength=1, maxLength=1, description="not a quote")
    token_validity_hours: int = documented(720, minimum=1, maximum=24 * 365)
    client_min_version: str | None = documented(None, pattern=VERSION)
    client_preferred_version: str | None = documented(
        None, pattern=VERSION, description="not below the minimum"
    )
    client_apps: dict[str, ClientPolicy] = documented({}, propertyNames={"enum": list(CLIENT_OSES)})


class SecuritySettings(Body):
    """Section `security` (§8.1, §12.2)."""

    admin_ip_allowlist_enabled: bool = False
    admin_ip_allowlist: list[str] = Field(
        ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8"],
        description="networks with a mask; not empty while the allowlist is enabled",
    )
    localhost_without_auth: bool = False


class PasswordPolicySettings(Body):
    """Section `password-policy` (§13.10.1)."""

    min_length: int = documented(8, minimum=2, maximum=64)
    require_mixed_case: bool = True
    require_digits: bool = True
    require_special: bool = False


class LockoutSettings(Body):
    """Section `lockout` (§13.10.2)."""

    enabled: bool = True
    duration_minutes: int = documented(30, minimum=1, maximum=60 * 24 * 365)
    max_failed_attempts: int = documented(5, minimum=1, maximum=1000)
    reset_after_minutes: int = documented(10, minimum=1, maximum=60 * 24 * 365)


AuthMethod = Annotated[str, one_of(METHODS)]


class TrustedZone(Body):
    """The fields given replace the zone's current ones."""

    name: str = unset(minLength=1)
    enabled: bool = unset()
    subnets: list[str] = unset(description="networks with a mask, e.g. 10.0.0.0/8")
    methods: list[AuthMethod] = unset(description="ntlm, kerberos, adfs: LDAP mode only")


class ExternalZone(Body):
    """The fields given replace the zone's current ones."""

    name: str = unset(minLength=1)
    enabled: bool = unset()
    methods: list[AuthMethod] = unset()


class Zones(Body):
    trusted: TrustedZone = unset()
    external: ExternalZone = unset()


class AuthZonesSettings(Body):
    """Section `auth-zones` (§8.3): each zone's fields replace the current ones."""

    zones: Zones = unset()


class UserStorageSwitch(Body):
    """Section `user-storage` (§13.7, §13.8): switch between Registry and LDAP."""

    mode: str = one_of(USER_STORAGE_MODES)
    import_users: bool = Field(
        False, description="switching back to Registry: import the directory's accounts"
    )


LdapAttribute = Annotated[str, one_of(LDAP_ATTRIBUTE_KEYS)]


class LdapSettings(Body):
    """Section `ldap` (§13.8); `bind_password` is kept as a secret, never shown."""

    server_type: str = documented("active_directory", enum=list(LDAP_SERVER_TYPES))
    host: str = unset(minLength=1, maxLength=255)
    port: int = documented(389, minimum=1, maximum=65535)
    use_ssl: bool = False
    verify_certificate: bool = True
    bind_dn: str = unset(minLength=1, maxLength=1024)
    bind_password: str = unset(minLength=1, description="write-only")
    base_dn: str = unset(minLength=1, maxLength=1024)
    allowed_group_dn: str | None = documented(None, maxLength=1024)
    trust_enabled: bool = True
    attributes: dict[LdapAttribute, str] = Field({}, description="attribute name overrides")
    ca_certificate_file: str | None = documented(None, maxLength=4096)
    sync_interval_minutes: int = documented(60, minimum=1, maximum=60 * 24 * 7)


JoinMethod = Annotated[str, one_of(JOIN_METHODS)]
JoinMethods = documented(list(JOIN_METHODS), minItems=1, uniqueItems=True)


class ConferenceSettings(Body):
    """Section `conferences`: automatic deletion (§14.7.1), ways of joining (§14.7.3)."""

    delete_one_time_enabled: bool = False
    delete_one_time_after_days: int = days(30)
    delete_virtual_rooms_enabled: bool = False
    delete_virtual_rooms_after_days: int = days(365)
    private_join_methods: list[JoinMethod] = JoinMethods
    public_join_methods: list[JoinMethod] = JoinMethods


class RecordingSettings(Body):
    """Section `recordings` (§9.6)."""

    group_mode: str = documented("on_demand", enum=list(GROUP_MODES))
    p2p_mode: str = documented("none", enum=list(P2P_MODES))
    forbid_owner_download: bool = False
    auto_delete_days: int | None = documented(
        None, minimum=MIN_KEPT_DAYS, maximum=MAX_KEPT_DAYS, description="null: kept forever"
    )


SECTION_BODIES: tuple[type[Body], ...] = (
    MainSettings,
    SecuritySettings,
    PasswordPolicySettings,
    LockoutSettings,
    AuthZonesSettings,
    UserStorageSwitch,
    LdapSettings,
    ConferenceSettings,
    RecordingSettings,
)
"""In the order of `domain.settings.rules.SECTIONS`."""


# -- what `GET settings/{section}` answers, per section ---------------------------------


class MainSection(Reply):
    timezone: str
    csv_encoding: str
    csv_delimiter: str
    token_validity_hours: int
    client_min_version: str | None
    client_preferred_version: str | None
    client_apps: dict[str, Any]
    user_auth_key_id: str | None = Field(description="the key's ID, never the key")
    guest_auth_key_id: str | None


class SecuritySection(Reply):
    admin_ip_allowlist_enabled: bool
    admin_ip_allowlist: list[str]
    localhost_without_auth: bool
    api_secret_key_id: str | None


class PasswordPolicySection(Reply):
    min_length: int
    require_mixed_case: bool
    require_digits: bool
    require_special: bool


class LockoutSection(Reply):
    enabled: bool
    duration_minutes: int
    max_failed_attempts: int
    reset_after_minutes: int


class AuthZonesSection(Reply):
    zones: dict[str, Any]


class UserStorageSection(Reply):
    """After a switch the reply adds `sync` (to LDAP) or `imported` (back to Registry)."""

    mode: str


class LdapSection(Reply):
    server_type: str
    host: str | None
    port: int
    use_ssl: bool
    verify_certificate: bool
    bind_dn: str | None
    base_dn: str | None
    allowed_group_dn: str | None
    trust_enabled: bool
    attributes: dict[str, str]
    ca_certificate_file: str | None
    sync_interval_minutes: int
    bind_password_set: bool


class ConferencesSection(Reply):
    delete_one_time_enabled: bool
    delete_one_time_after_days: int
    delete_virtual_rooms_enabled: bool
    delete_virtual_rooms_after_days: int
    private_join_methods: list[str]
    public_join_methods: list[str]


class RecordingsSection(Reply):
    group_mode: str
    p2p_mode: str
    forbid_owner_download: bool
    auto_delete_days: int | None


SECTION_REPLIES: tuple[type[Reply], ...] = (
    MainSection,
    SecuritySection,
    PasswordPolicySection,
    LockoutSection,
    AuthZonesSection,
    UserStorageSection,
    LdapSection,
    ConferencesSection,
    RecordingsSection,
)


def _section_docs() -> dict[str, Any]:
    names = "main, security, password-policy, lockout, auth-zones, user-storage, ldap, "
    names += "conferences, recordings"
    sections = [
        schema_of(m) if m is UserStorageSwitch else partial_schema(m) for m in SECTION_BODIES
    ]
    reply = {"title": "Section", "anyOf": [schema_of(m) for m in SECTION_REPLIES]}
    return {
        **json_body(
            {"title": "SectionChange", "type": "object", "anyOf": sections},
            f"The fields of the section named in the path ({names}) to change; the others "
            "keep their values. `user-storage` switches the mode.",
        ),
        "responses": {"200": {"content": {"application/json": {"schema": reply}}}},
    }


SECTION_DOCS: dict[str, Any] = _section_docs()
"""`openapi_extra` of `PATCH settings/{section}`: a body and a reply per section."""

SECTION_REPLY: dict[str, Any] = {"responses": SECTION_DOCS["responses"]}
"""`openapi_extra` of `GET settings/{section}`."""


class PreferencesChange(Body):
    """`PATCH admin/preferences`: the keys given change; null: the server's setting."""

    language: str = unset(minLength=2, maxLength=16, description="e.g. en, de")
    timezone: str | None = unset(description="an IANA time zone such as Europe/Berlin")
    csv_encoding: str | None = unset(description="e.g. utf-8, cp1251")
    csv_delimiter: str | None = unset(minLength=1, maxLength=1)
