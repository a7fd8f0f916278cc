"""Server settings, secrets and the directory (API.md `settings/{section}`), and an
administrator's own preferences."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from api.schemas.common import Body, Reply, json_body, one_of, partial_schema, schema_of
from domain.settings.rules import LDAP_ATTRIBUTE_KEYS


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


# -- `PATCH settings/{section}` bodies (domain/settings/rules.py), one per section -----

Days = Annotated[int, Field(ge=1, le=10_000)]
JoinMethod = Literal["client_apps", "webrtc", "qr_code", "sip_h323"]
Version = Annotated[str, Field(pattern=r"^\d+(\.\d+){0,3}$")]


class ClientPolicy(Body):
    """One OS's client policy (§9.1.5)."""

    min_version: Version | None = None
    preferred_version: Version | None = Field(None, description="not below min_version")
    setup_url: str | None = None
    authorization: bool = Field(True, description="whether this OS's clients may sign in")


class MainSettings(Body):
    """Section `main` (§9.1.3)."""

    timezone: str = Field("UTC", description="an IANA time zone such as Europe/Berlin")
    csv_encoding: str = Field("utf-8", description="a character encoding such as cp1251")
    csv_delimiter: str = Field(",", min_length=1, max_length=1, description="not a quote")
    token_validity_hours: int = Field(720, ge=1, le=24 * 365)
    client_min_version: Version | None = None
    client_preferred_version: Version | None = Field(None, description="not below the minimum")
    client_apps: dict[Literal["windows", "macos", "linux", "android", "ios"], ClientPolicy] = {}


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

    min_length: int = Field(8, ge=2, le=64)
    require_mixed_case: bool = True
    require_digits: bool = True
    require_special: bool = False


class LockoutSettings(Body):
    """Section `lockout` (§13.10.2)."""

    enabled: bool = True
    duration_minutes: int = Field(30, ge=1, le=60 * 24 * 365)
    max_failed_attempts: int = Field(5, ge=1, le=1000)
    reset_after_minutes: int = Field(10, ge=1, le=60 * 24 * 365)


AuthMethod = Literal["login_password", "ntlm", "kerberos", "adfs"]


class TrustedZone(Body):
    name: str = Field(min_length=1)
    enabled: bool
    subnets: list[str] = Field(description="networks with a mask, e.g. 10.0.0.0/8")
    methods: list[AuthMethod] = Field(description="ntlm, kerberos, adfs: LDAP mode only")


class ExternalZone(Body):
    name: str = Field(min_length=1)
    enabled: bool
    methods: list[AuthMethod]


class Zones(Body):
    trusted: TrustedZone | None = None
    external: ExternalZone | None = None


class AuthZonesSettings(Body):
    """Section `auth-zones` (§8.3): each zone's fields replace the current ones."""

    zones: Zones


class UserStorageSwitch(Body):
    """Section `user-storage` (§13.7, §13.8): switch between Registry and LDAP."""

    mode: Literal["registry", "ldap"]
    import_users: bool = Field(
        False, description="switching back to Registry: import the directory's accounts"
    )


LdapAttribute = Annotated[str, one_of(LDAP_ATTRIBUTE_KEYS)]


class LdapSettings(Body):
    """Section `ldap` (§13.8); `bind_password` is kept as a secret, never shown."""

    server_type: Literal["active_directory", "openldap", "389ds", "custom"] = "active_directory"
    host: str = Field(min_length=1, max_length=255)
    port: int = Field(389, ge=1, le=65535)
    use_ssl: bool = False
    verify_certificate: bool = True
    bind_dn: str = Field(min_length=1, max_length=1024)
    bind_password: str = Field(min_length=1, description="write-only")
    base_dn: str = Field(min_length=1, max_length=1024)
    allowed_group_dn: str | None = Field(None, max_length=1024)
    trust_enabled: bool = True
    attributes: dict[LdapAttribute, str] = Field({}, description="attribute name overrides")
    ca_certificate_file: str | None = Field(None, max_length=4096)
    sync_interval_minutes: int = Field(60, ge=1, le=60 * 24 * 7)


class ConferenceSettings(Body):
    """Section `conferences`: automatic deletion (§14.7.1), ways of joining (§14.7.3)."""

    delete_one_time_enabled: bool = False
    delete_one_time_after_days: Days = 30
    delete_virtual_rooms_enabled: bool = False
    delete_virtual_rooms_after_days: Days = 365
    private_join_methods: list[JoinMethod] = Field(
        ["client_apps", "webrtc", "qr_code", "sip_h323"],
        min_length=1,
        json_schema_extra={"uniqueItems": True},
    )
    public_join_methods: list[JoinMethod] = Field(
        ["client_apps", "webrtc", "qr_code", "sip_h323"],
        min_length=1,
        json_schema_extra={"uniqueItems": True},
    )


class RecordingSettings(Body):
    """Section `recordings` (§9.6)."""

    group_mode: Literal["all", "none", "on_demand"] = "on_demand"
    p2p_mode: Literal["all", "none"] = "none"
    forbid_owner_download: bool = False
    auto_delete_days: Days | None = Field(None, description="null: kept forever")


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

    language: str = Field(min_length=2, max_length=16, description="e.g. en, de")
    timezone: str | None = Field(description="an IANA time zone such as Europe/Berlin")
    csv_encoding: str | None = Field(description="e.g. utf-8, cp1251")
    csv_delimiter: str | None = Field(min_length=1, max_length=1)
