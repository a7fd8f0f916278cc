"""Server settings (guide §8.4, §9.1.3, §12.2) on the in-memory recorder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from domain.settings.model import ServerSettings, key_id
from domain.settings.settings_service import SettingsService
from domain.shared.actor import Actor, acting_as
from domain.shared.application import QuorumStore
from domain.shared.errors import Conflict, InvalidInput, NotFound
from domain.shared.validation import Patch

ROOT = Actor(kind="admin", name="root", ip="203.0.113.5")


@pytest.fixture
def service() -> Iterator[SettingsService]:
    store = QuorumStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield SettingsService(store)
    store.close()


def test_defaults_exist_on_first_read(service: SettingsService) -> None:
    settings = service.get()
    assert settings.main["timezone"] == "UTC"
    assert settings.main["csv_delimiter"] == ","
    assert settings.security["localhost_without_auth"] is False


def test_an_edit_records_each_parameter_before_and_after_with_who(
    service: SettingsService,
) -> None:
    with acting_as(ROOT):
        _, changes = service.edit("main", {"timezone": "Europe/Berlin", "csv_delimiter": ","})
    assert changes == [{"parameter": "timezone", "previous": "UTC", "new": "Europe/Berlin"}]
    events = list(service.store.events.get(ServerSettings.create_id()))
    last = events[-1]
    assert isinstance(last, ServerSettings.Edited)
    assert last.section == "main"
    assert last.who == ROOT
    assert service.get().main["timezone"] == "Europe/Berlin"


def test_an_edit_that_changes_nothing_appends_nothing(service: SettingsService) -> None:
    service.get()
    before = service.get().version
    _, changes = service.edit("main", {"timezone": "UTC"})
    assert changes == []
    assert service.get().version == before


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": 5}, "timezone"),
        ({"csv_delimiter": ""}, "csv_delimiter"),
        ({"csv_delimiter": ";;"}, "csv_delimiter"),
        ({"csv_encoding": "klingon-8"}, "csv_encoding"),
        ({"token_validity_hours": "24"}, "token_validity_hours"),
        ({"token_validity_hours": 0}, "token_validity_hours"),
        ({"colour": "blue"}, "colour"),
        ({"client_min_version": "eight"}, "client_min_version"),
        (
            {"client_min_version": "8.4.1", "client_preferred_version": "7.5"},
            "client_preferred_version",
        ),
        ({"client_apps": {"amiga": {}}}, "client_apps"),
    ],
)
def test_malformed_settings_are_refused_naming_the_field_and_append_nothing(
    service: SettingsService, patch: Patch, field: str
) -> None:
    version = service.get().version
    with pytest.raises(InvalidInput) as refused:
        service.edit("main", patch)
    assert [p.field for p in refused.value.problems] == [field]
    assert service.get().version == version


def test_security_allowlist_takes_networks_only(service: SettingsService) -> None:
    with pytest.raises(InvalidInput) as refused:
        service.edit("security", {"admin_ip_allowlist": ["10.0.0.1/8"]})
    assert refused.value.problems[0].field == "admin_ip_allowlist"
    _, changes = service.edit(
        "security", {"admin_ip_allowlist_enabled": True, "admin_ip_allowlist": ["10.0.0.0/8"]}
    )
    assert {c["parameter"] for c in changes} == {
        "admin_ip_allowlist_enabled",
        "admin_ip_allowlist",
    }


def test_client_version_policy_per_os(service: SettingsService) -> None:
    """WE-30: Windows minimum 7.5.2, offered 8.4.1; iOS sign-in switched off."""
    settings, _ = service.edit(
        "main",
        {
            "client_apps": {
                "windows": {"min_version": "7.5.2", "preferred_version": "8.4.1"},
                "ios": {"authorization": False},
            }
        },
    )
    assert settings.main["client_apps"]["windows"]["min_version"] == "7.5.2"
    assert settings.main["client_apps"]["ios"]["authorization"] is False


def test_unknown_section_is_not_found(service: SettingsService) -> None:
    with pytest.raises(NotFound):
        service.edit("colours", {})


def test_stale_expected_version_is_a_conflict(service: SettingsService) -> None:
    version = service.get().version
    service.edit("main", {"timezone": "Asia/Tokyo"})
    with pytest.raises(Conflict):
        service.edit("main", {"timezone": "Europe/Paris"}, expected_version=version)
    assert service.get().main["timezone"] == "Asia/Tokyo"


def test_regenerated_keys_leave_only_fingerprints_in_events(service: SettingsService) -> None:
    first = service.regenerate_key("api_secret", "first-secret")
    second = service.regenerate_key("api_secret", "second-secret")
    assert second == {
        "parameter": "api_secret",
        "previous": key_id("first-secret"),
        "new": key_id("second-secret"),
    }
    assert first["previous"] is None
    settings = service.get()
    assert settings.accepts_api_secret("second-secret")
    assert not settings.accepts_api_secret("first-secret")
    for stored in service.store.recorder.select_notifications(start=None, limit=100):
        assert b"second-secret" not in stored.state
