"""User accounts, groups and signing in, on the in-memory recorder (guide §13)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from domain.identity.groups_service import GroupsService
from domain.identity.sign_in_service import AccountLocked, SignInService
from domain.identity.user import User
from domain.identity.users_service import UsersService
from domain.settings.settings_service import SettingsService
from domain.shared.application import QuorumStore
from domain.shared.clock import using_clock
from domain.shared.errors import AlreadyExists, Conflict, Forbidden, InvalidInput, Unauthorized
from tests.domain.clock import Clock
from tests.domain.test_admin_accounts import PlainHasher

TRUSTED_IP = "10.0.0.7"


@dataclass
class Identity:
    store: QuorumStore
    settings: SettingsService
    groups: GroupsService
    users: UsersService
    sign_in: SignInService


@pytest.fixture
def identity() -> Iterator[Identity]:
    store = QuorumStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    settings = SettingsService(store)
    groups = GroupsService(store, settings)
    groups.ensure_builtins()
    users = UsersService(store, PlainHasher(), settings, groups)
    yield Identity(
        store, settings, groups, users, SignInService(store, PlainHasher(), settings, groups, users)
    )
    store.close()


@pytest.fixture
def clock() -> Iterator[Clock]:
    clock = Clock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    with using_clock(clock):
        yield clock


def test_ids_are_unique_without_regard_to_case(identity: Identity) -> None:
    identity.users.create({"id": "Jane", "password": "Secret123"})
    with pytest.raises(AlreadyExists) as taken:
        identity.users.create({"id": "jane", "password": "Secret123"})
    assert taken.value.problems[0].reason == "uniqueValueAlreadyInUse"


def test_the_password_policy_applies_on_create_and_on_every_change(identity: Identity) -> None:
    identity.settings.edit("password-policy", {"min_length": 5, "require_special": True})
    with pytest.raises(InvalidInput):
        identity.users.create({"id": "jane", "password": "Abcd1"})
    identity.users.create({"id": "jane", "password": "Abcd1!"})
    with pytest.raises(InvalidInput):
        identity.users.edit("jane", {"password": "abcdef"})
    with pytest.raises(InvalidInput):
        identity.users.edit("jane", {"password": "abcdef"}, by_user=True)


def test_we10_lockout_end_to_end(identity: Identity, clock: Clock) -> None:
    identity.settings.edit(
        "lockout", {"duration_minutes": 360, "max_failed_attempts": 5, "reset_after_minutes": 10}
    )
    identity.users.create({"id": "jane", "password": "Secret123"})
    for _ in range(5):
        with pytest.raises(Unauthorized):
            identity.sign_in.sign_in("jane", "wrong", TRUSTED_IP)
        clock.advance(minutes=9)
    with pytest.raises(AccountLocked) as locked:
        identity.sign_in.sign_in("jane", "Secret123", TRUSTED_IP)
    assert locked.value.problems[0].reason == "locked"
    assert identity.users.get("jane").locked_until == locked.value.until
    clock.advance(hours=6)
    session = identity.sign_in.sign_in("jane", "Secret123", TRUSTED_IP)
    assert session.user_id == "jane"
    kinds = [type(e).__name__ for e in identity.store.events.get(User.create_id("jane"))]
    assert kinds.count("Locked") == 1
    assert kinds.count("Unlocked") == 1


def test_unknown_ids_never_lock_anyone(identity: Identity) -> None:
    identity.users.create({"id": "jane", "password": "Secret123"})
    for _ in range(10):
        with pytest.raises(Unauthorized):
            identity.sign_in.sign_in("nobody", "wrong", TRUSTED_IP)
    assert identity.sign_in.sign_in("jane", "Secret123", TRUSTED_IP)


def test_an_admin_unlocks_early(identity: Identity, clock: Clock) -> None:
    identity.users.create({"id": "jane", "password": "Secret123"})
    for _ in range(5):
        with pytest.raises(Unauthorized):
            identity.sign_in.sign_in("jane", "wrong", TRUSTED_IP)
    identity.users.unlock("jane")
    assert identity.users.get("jane").locked_until is None
    assert identity.sign_in.sign_in("jane", "Secret123", TRUSTED_IP)


def test_inactive_users_are_told_so(identity: Identity) -> None:
    identity.users.create({"id": "jane", "password": "Secret123", "is_active": False})
    with pytest.raises(Forbidden, match="deactivated"):
        identity.sign_in.sign_in("jane", "Secret123", TRUSTED_IP)


def test_sessions_end_on_sign_out_and_on_disconnect(identity: Identity) -> None:
    identity.users.create({"id": "jane", "password": "Secret123"})
    phone = identity.sign_in.sign_in("jane", "Secret123", TRUSTED_IP)
    laptop = identity.sign_in.sign_in("jane", "Secret123", TRUSTED_IP)
    identity.sign_in.authenticate("jane", phone.session_id)  # multilogin
    identity.sign_in.sign_out("jane", phone.session_id)
    with pytest.raises(Unauthorized):
        identity.sign_in.authenticate("jane", phone.session_id)
    identity.sign_in.authenticate("jane", laptop.session_id)
    assert identity.users.disconnect("jane") == [laptop.session_id]
    with pytest.raises(Unauthorized):
        identity.sign_in.authenticate("jane", laptop.session_id)


def test_a_disabled_zone_refuses_sign_in(identity: Identity) -> None:
    identity.users.create({"id": "jane", "password": "Secret123"})
    identity.settings.edit("auth-zones", {"zones": {"external": {"enabled": False}}})
    with pytest.raises(Forbidden, match="unavailable"):
        identity.sign_in.sign_in("jane", "Secret123", "203.0.113.4")
    assert identity.sign_in.sign_in("jane", "Secret123", TRUSTED_IP)


def test_rights_come_from_groups_or_no_group(identity: Identity) -> None:
    it = identity.groups.create({"display_name": "IT", "rights": {"slideshow": True}})
    devops = identity.groups.create({"display_name": "DevOps", "rights": {"slideshow": False}})
    identity.groups.edit("@no_group", {"rights": {"p2p_calls": False}})
    identity.users.create({"id": "jane", "password": "Secret123"})
    assert identity.sign_in.sign_in("jane", "Secret123", TRUSTED_IP).rights["p2p_calls"] is False
    identity.users.edit("jane", {"groups": [it.group_id, devops.group_id]})
    assert identity.sign_in.sign_in("jane", "Secret123", TRUSTED_IP).rights["slideshow"] is True


def test_built_in_groups_cannot_be_renamed_or_deleted(identity: Identity) -> None:
    with pytest.raises(Conflict):
        identity.groups.edit("@guests", {"display_name": "Visitors"})
    with pytest.raises(Conflict):
        identity.groups.delete("@federated")


def test_deleting_a_group_keeps_its_users(identity: Identity) -> None:
    it = identity.groups.create({"display_name": "IT"})
    identity.users.create({"id": "jane", "password": "Secret123", "groups": [it.group_id]})
    identity.groups.delete(it.group_id)
    assert identity.users.get("jane").user_id == "jane"
