"""Administrator accounts (guide §18): creation, login, sessions, preferences."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from domain.admins.admins_service import AdminService
from domain.admins.model import AdminAccount
from domain.shared.application import QuorumStore
from domain.shared.clock import using_clock
from domain.shared.errors import AlreadyExists, InvalidInput, NotFound, Unauthorized


class PlainHasher:
    """Hashing is an adapter concern (argon2); domain rules only need a pair that agrees."""

    def hash(self, password: str) -> str:
        return f"plain:{password}"

    def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == f"plain:{password}"


@pytest.fixture
def admins() -> Iterator[AdminService]:
    store = QuorumStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield AdminService(store, PlainHasher())
    store.close()


def test_a_name_is_taken_once(admins: AdminService) -> None:
    admins.add("root", "admin", "correct horse")
    with pytest.raises(AlreadyExists):
        admins.add("root", "security", "battery staple")


@pytest.mark.parametrize(
    ("name", "role", "password", "field"),
    [
        ("bad name", "admin", "long enough", "login"),
        ("root", "owner", "long enough", "role"),
        ("root", "admin", "short", "password"),
    ],
)
def test_bad_accounts_are_refused(
    admins: AdminService, name: str, role: str, password: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        admins.add(name, role, password)
    assert refused.value.problems[0].field == field


def test_login_opens_a_session_until_logout(admins: AdminService) -> None:
    admins.add("root", "admin", "correct horse")
    session = admins.log_in("root", "correct horse")
    assert admins.authenticate("root", session.session_id).name == "root"
    admins.log_out("root", session.session_id)
    with pytest.raises(Unauthorized):
        admins.authenticate("root", session.session_id)


def test_a_wrong_password_is_recorded_and_refused(admins: AdminService) -> None:
    admins.add("root", "admin", "correct horse")
    with pytest.raises(Unauthorized):
        admins.log_in("root", "wrong")
    events = list(admins.store.events.get(AdminAccount.create_id("root")))
    assert isinstance(events[-1], AdminAccount.LoginFailed)


def test_sessions_expire(admins: AdminService) -> None:
    admins.add("root", "admin", "correct horse")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with using_clock(lambda: start):
        session = admins.log_in("root", "correct horse")
    with using_clock(lambda: start + timedelta(hours=11)):
        admins.authenticate("root", session.session_id)
    with using_clock(lambda: start + timedelta(hours=13)), pytest.raises(Unauthorized):
        admins.authenticate("root", session.session_id)


def test_removed_admins_cannot_log_in_and_the_name_can_be_reused(admins: AdminService) -> None:
    admins.add("root", "admin", "correct horse")
    session = admins.log_in("root", "correct horse")
    admins.remove("root")
    with pytest.raises(Unauthorized):
        admins.authenticate("root", session.session_id)
    with pytest.raises(NotFound):
        admins.get("root")
    admins.add("root", "security", "new password")
    assert admins.get("root").role == "security"


def test_preferences_are_validated(admins: AdminService) -> None:
    admins.add("root", "admin", "correct horse")
    account = admins.change_preferences("root", {"timezone": "Europe/Moscow", "csv_delimiter": ";"})
    assert account.preferences["timezone"] == "Europe/Moscow"
    with pytest.raises(InvalidInput) as refused:
        admins.change_preferences("root", {"csv_delimiter": ""})
    assert refused.value.problems[0].field == "csv_delimiter"
