"""Pure identity rules: the guide's worked examples WE-10, WE-11, WE-19 and §13.2.3."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.identity.ids import check_user_id, uid
from domain.identity.lockout import FailureCount, LockoutPolicy, count_failure, lock_until
from domain.identity.password_policy import PasswordPolicy
from domain.identity.rights import RIGHTS, effective_bandwidth, effective_rights, rights_bits
from domain.identity.zones import check_sign_in_allowed, zone_of
from domain.settings.auth_zones import DEFAULT_ZONES
from domain.shared.errors import Forbidden, InvalidInput

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
WE10 = LockoutPolicy(
    enabled=True,
    duration=timedelta(hours=6),
    max_failed_attempts=5,
    reset_after=timedelta(minutes=10),
)


def _fail(times: list[datetime]) -> tuple[FailureCount, datetime | None]:
    count, locked = FailureCount(), None
    for at in times:
        count = count_failure(count, at, WE10)
        locked = lock_until(count, at, WE10) or locked
    return count, locked


def test_we10_five_quick_failures_lock_for_six_hours() -> None:
    times = [T0 + timedelta(minutes=9 * i) for i in range(5)]
    count, locked = _fail(times)
    assert count.count == 5
    assert locked == times[-1] + timedelta(hours=6)


def test_we10_a_gap_of_ten_minutes_starts_the_count_again() -> None:
    times = [T0 + timedelta(minutes=i) for i in range(4)] + [T0 + timedelta(minutes=13)]
    count, locked = _fail(times)
    assert count.count == 1
    assert locked is None


def test_lockout_switched_off_never_locks() -> None:
    off = LockoutPolicy(enabled=False)
    count = FailureCount()
    for i in range(50):
        count = count_failure(count, T0 + timedelta(seconds=i), off)
        assert lock_until(count, T0, off) is None


def test_we11_password_requirements() -> None:
    policy = PasswordPolicy(min_length=5, require_mixed_case=True, require_digits=True)
    with pytest.raises(InvalidInput) as refused:
        policy.check("abcd1")
    assert refused.value.problems[0].reason == "policyViolation"
    assert "The password does not meet the requirements" in refused.value.message
    assert "upper and lower case" in refused.value.message
    assert policy.check("Abcd1") == "Abcd1"
    special = PasswordPolicy(
        min_length=2, require_mixed_case=False, require_digits=False, require_special=True
    )
    assert special.unmet("ab") == [special.unmet("ab")[0]]
    assert special.unmet("a~") == []


def test_we19_permissive_rights_win() -> None:
    it = {"slideshow": True, "file_send": False}
    devops = {"slideshow": False, "file_send": False}
    rights = effective_rights([it, devops])
    assert rights["slideshow"] is True
    assert rights["file_send"] is False
    assert rights_bits(rights) == "".join("1" if r == "slideshow" else "0" for r in RIGHTS)


def test_bandwidth_user_wins_then_most_restrictive_group() -> None:
    groups: list[dict[str, int | None]] = [
        {"max_inbound_kbps": 2048, "max_outbound_kbps": None},
        {"max_inbound_kbps": 1024, "max_outbound_kbps": 512},
    ]
    assert effective_bandwidth({}, groups) == {"max_inbound_kbps": 1024, "max_outbound_kbps": 512}
    own: dict[str, int | None] = {"max_inbound_kbps": 4096}
    assert effective_bandwidth(own, groups)["max_inbound_kbps"] == 4096


@pytest.mark.parametrize("bad", ["", "has space", "ünïcode", "a@b", "x" * 65, 7])
def test_user_ids_are_latin_letters_digits_and_three_marks(bad: object) -> None:
    with pytest.raises(InvalidInput):
        check_user_id(bad)


def test_user_ids_are_kept_lower_case_and_form_a_uid() -> None:
    assert check_user_id("Jane.Flowers-2_x") == "jane.flowers-2_x"
    assert uid("jane", "video.example.net") == "jane@video.example.net"


def test_zones_decide_by_address_and_refuse_clearly() -> None:
    zones = {**DEFAULT_ZONES, "external": {**DEFAULT_ZONES["external"], "enabled": False}}
    assert zone_of("192.168.1.5", zones) == "trusted"
    assert zone_of("203.0.113.9", zones) == "external"
    assert check_sign_in_allowed("10.1.2.3", "login_password", zones) == "trusted"
    with pytest.raises(Forbidden, match="currently unavailable"):
        check_sign_in_allowed("203.0.113.9", "login_password", zones)
    with pytest.raises(Forbidden, match="not allowed"):
        check_sign_in_allowed("10.1.2.3", "kerberos", zones)
