"""Connection licences at domain level (guide §5, §9.1.1, §9.1.2; FEATURES K, worked
examples WE-01..WE-09), driving `LicensingService` on the in-memory recorder."""

from __future__ import annotations

from datetime import timedelta

import pytest
from eventsourcing.persistence import IntegrityError

from domain.licensing.licensing_service import LicensingService
from domain.licensing.pool import LicencePool
from domain.licensing.terms import LicenceUnavailable
from domain.shared.actor import Actor, acting_as
from domain.shared.application import QuorumStore, with_retries
from domain.shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from tests.domain.clock import T0, Clock
from tests.domain.licensing.conftest import (
    Directory,
    Sessions,
    counts,
    events_of,
    join,
    leave,
    licence,
    login,
    logout,
)

ADMIN = Actor(kind="admin", name="root", ip="10.0.0.1")


def appended(store: QuorumStore) -> int:
    return store.recorder.max_notification_id() or 0


def permanent_groups(
    licensing: LicensingService, directory: Directory, **groups: list[str]
) -> list[str]:
    """Permanent licences reserved for `groups` (in priority order), distributed by a
    manual restart; who lost a licence."""
    directory.groups.update(groups)
    licensing.change_pro_settings({"groups": list(groups)})
    return licensing.redistribute(manual=True)


# -- WE-01..WE-03: how PRO licences are counted (§5.2.3) -------------------------------------


def test_we01_one_conference_takes_one_temporary_pro_released_24h_after_leaving(
    licensing: LicensingService, sessions: Sessions, clock: Clock
) -> None:
    for user in ("user", "ann", "bob", "carla"):
        login(licensing, f"ep-{user}", user)
    assert counts(licensing, "pro") == (10, 0, 10)  # LIC-PRO-01: online only until a join
    assert licensing.licence_of("user") == {"pro": None}

    assert sessions.join("user", "p1") is None

    assert counts(licensing, "pro") == (10, 1, 9)
    assert counts(licensing, "online") == (50, 4, 46)
    assert licensing.licence_of("user") == {
        "pro": "temporary",
        "valid_until": None,
        "in_conference": True,
    }
    assert licensing.licence_of("ann") == {"pro": None}

    clock.advance(hours=30)  # renewed while in the conference, past the first 24 h
    assert counts(licensing, "pro") == (10, 1, 9)
    sessions.leave("p1")
    left_at = clock.now
    assert licensing.licence_of("user") == {
        "pro": "temporary",
        "valid_until": (left_at + timedelta(hours=24)).isoformat(),
        "in_conference": False,
    }

    clock.advance(hours=23, minutes=59)
    assert counts(licensing, "pro") == (10, 1, 9)
    clock.advance(minutes=1)
    assert counts(licensing, "pro") == (10, 0, 10)
    assert licensing.licence_of("user") == {"pro": None}


def test_we02_permanent_group_reserved_whether_online_or_not(
    licensing: LicensingService, sessions: Sessions, directory: Directory
) -> None:
    login(licensing, "ep-ann", "ann")
    login(licensing, "ep-bob", "bob")
    directory.groups["IT"] = ["it1", "it2", "it3"]
    licensing.change_pro_settings({"groups": ["IT"]})
    # LIC-PRO-09: the groups take effect at the next distribution, not before.
    assert counts(licensing, "pro") == (10, 0, 10)
    assert licensing.redistribute(manual=True) == []
    assert counts(licensing, "pro") == (10, 3, 7)

    assert sessions.join("ann", "p-ann") is None

    assert counts(licensing, "pro") == (10, 4, 6)
    assert counts(licensing, "online") == (50, 2, 48)
    assert licensing.licence_of("it2") == {"pro": "permanent"}
    assert licensing.licence_of("ann")["pro"] == "temporary"
    assert licensing.licence_of("bob") == {"pro": None}


def test_we03_two_devices_in_two_conferences_take_one_pro_released_after_the_last(
    licensing: LicensingService, sessions: Sessions, clock: Clock
) -> None:
    for user in ("ann", "bob", "carla"):
        login(licensing, f"ep-{user}", user)
    login(licensing, "ep-user-pc", "user")
    login(licensing, "ep-user-phone", "user")

    assert sessions.join("user", "p-pc", session_id="s1") is None
    clock.advance(hours=1)
    assert sessions.join("user", "p-phone", session_id="s2") is None

    assert counts(licensing, "pro") == (10, 1, 9)
    assert counts(licensing, "online") == (50, 5, 45)

    clock.advance(hours=1)
    sessions.leave("p-pc")
    clock.advance(hours=24)  # 24 h after leaving the first: still in the second
    assert counts(licensing, "pro") == (10, 1, 9)
    clock.advance(hours=14)
    sessions.leave("p-phone")
    clock.advance(hours=23, minutes=59)
    assert counts(licensing, "pro") == (10, 1, 9)
    clock.advance(minutes=1)
    assert counts(licensing, "pro") == (10, 0, 10)


def test_joining_again_within_the_window_restarts_the_countdown(
    licensing: LicensingService, sessions: Sessions, clock: Clock
) -> None:
    assert sessions.join("user", "p1") is None
    sessions.leave("p1")
    clock.advance(hours=20)
    assert sessions.join("user", "p2") is None
    sessions.leave("p2")
    renewed_at = clock.now
    grants = [e.granted for e in events_of(licensing.store, LicencePool.TemporaryLicenceUsed)]
    assert grants == [True, False]  # renewed, not granted twice

    clock.advance(hours=23, minutes=59)
    assert (
        licensing.licence_of("user")["valid_until"]
        == (renewed_at + timedelta(hours=24)).isoformat()
    )
    clock.advance(minutes=1)
    assert licensing.licence_of("user") == {"pro": None}


def test_federated_users_take_none_of_our_pro_licences(licensing: LicensingService) -> None:
    assert join(licensing, "bob@other.example", "p-fed", kind="federated") is None
    for pool in ("online", "pro", "guest", "gateway"):
        assert counts(licensing, pool)[1] == 0


# -- WE-07: no PRO licence left (§5.2.1 item 5, §9.1.2) ---------------------------------------


def test_we07_at_zero_available_permanent_and_valid_temporary_join_others_are_refused(
    licensing: LicensingService,
    sessions: Sessions,
    directory: Directory,
    store: QuorumStore,
    clock: Clock,
) -> None:
    licensing.load(licence(pro=2))
    permanent_groups(licensing, directory, G=["P"])
    assert sessions.join("T", "p-T1") is None
    sessions.leave("p-T1")
    clock.advance(hours=10)  # T's temporary licence is still valid (14 h left)
    assert counts(licensing, "pro") == (2, 2, 0)

    assert sessions.join("P", "p-P") is None
    assert sessions.join("T", "p-T2") is None
    before = appended(store)
    refusal = sessions.join("N", "p-N")

    assert refusal is not None and "pro_license_limit" in refusal
    assert "p-N" not in sessions.present
    assert counts(licensing, "pro") == (2, 2, 0)
    assert appended(store) == before + 1  # the refusal alone is recorded
    limit = events_of(store, LicencePool.ProLicenceLimitReached)[-1]
    assert (limit.users, limit.reason) == (["N"], "none free")
    assert licensing.licence_of("N") == {"pro": None}
    login(licensing, "ep-N", "N")  # calls and chat still work: an online licence
    assert counts(licensing, "online")[1] == 1

    refused_at = clock.now
    assert licensing.pool().refused_users(clock.now) == {"N": refused_at.isoformat()}
    clock.advance(hours=23, minutes=59)
    restarted = LicensingService(store, directory.members_in_order, directory.group_exists)
    assert list(restarted.pool().refused_users(clock.now)) == ["N"]  # survives a restart
    clock.advance(minutes=1)
    assert restarted.pool().refused_users(clock.now) == {}


def test_a_refused_user_is_admitted_once_a_licence_is_free_and_leaves_the_list(
    licensing: LicensingService, sessions: Sessions, clock: Clock
) -> None:
    licensing.load(licence(pro=1))
    assert sessions.join("T", "p-T") is None
    assert sessions.join("N", "p-N1") is not None
    clock.advance(hours=1)
    licensing.revoke("T")

    assert sessions.join("N", "p-N2") is None
    assert licensing.pool().refused_users(clock.now) == {}
    assert counts(licensing, "pro") == (1, 1, 0)


def test_a_refused_user_given_a_permanent_licence_leaves_the_list(
    licensing: LicensingService, sessions: Sessions, directory: Directory, clock: Clock
) -> None:
    licensing.load(licence(pro=1))
    assert sessions.join("T", "p-T") is None
    assert sessions.join("N", "p-N") is not None
    assert list(licensing.pool().refused_users(clock.now)) == ["N"]

    assert permanent_groups(licensing, directory, IT=["N"]) == ["T"]

    assert licensing.licence_of("N") == {"pro": "permanent"}
    assert licensing.pool().refused_users(clock.now) == {}


# -- WE-08: an admin revokes a temporary licence (§5.2.1 item 2) -------------------------------


def test_we08_revoking_returns_the_licence_at_once_and_removes_the_user(
    licensing: LicensingService, sessions: Sessions, store: QuorumStore
) -> None:
    licensing.load(licence(pro=1))
    assert sessions.join("U", "p-U1", session_id="s1") is None
    assert sessions.join("U", "p-U2", session_id="s2") is None
    assert sessions.join("V", "p-V") is not None  # none left

    with acting_as(ADMIN):
        licensing.revoke("U")

    assert sessions.evicted == [("U", "licence revoked")]
    assert sessions.present == {}
    assert counts(licensing, "pro") == (1, 0, 1)  # no 24 h wait
    assert licensing.licence_of("U") == {"pro": None}
    revoked = events_of(store, LicencePool.TemporaryLicenceRevoked)
    assert [(e.user_id, e.participants) for e in revoked] == [("U", ["p-U1", "p-U2"])]
    assert revoked[0].who == ADMIN
    assert sessions.join("V", "p-V") is None


def test_only_a_valid_temporary_licence_can_be_revoked(
    licensing: LicensingService,
    sessions: Sessions,
    directory: Directory,
    store: QuorumStore,
    clock: Clock,
) -> None:
    permanent_groups(licensing, directory, IT=["it1"])
    assert sessions.join("U", "p-U") is None
    sessions.leave("p-U")
    clock.advance(hours=24)
    before = appended(store)

    with pytest.raises(Conflict):
        licensing.revoke("it1")
    with pytest.raises(NotFound):
        licensing.revoke("nobody")
    with pytest.raises(NotFound):
        licensing.revoke("U")  # expired 24 h after leaving

    assert appended(store) == before
    assert sessions.evicted == []
    assert licensing.licence_of("it1") == {"pro": "permanent"}


# -- WE-09: redistribution (§5.2.1 items 5.1-5.3) ---------------------------------------------


def _a_and_b(licensing: LicensingService, sessions: Sessions, clock: Clock) -> None:
    """A in a conference since T0 (2 h of validity left at T0+22h), B requested a
    licence at T0+18h (20 h left at T0+22h); the clock ends at T0+22h."""
    assert sessions.join("A", "p-A") is None
    clock.advance(hours=18)
    licensing.request("B")
    clock.advance(hours=4)
    pool = licensing.pool()
    assert pool.temporary["A"]["until"] == (clock.now + timedelta(hours=2)).isoformat()
    assert pool.temporary["B"]["until"] == (clock.now + timedelta(hours=20)).isoformat()


def test_we09_temporaries_with_the_shortest_validity_lose_first(
    licensing: LicensingService,
    sessions: Sessions,
    directory: Directory,
    store: QuorumStore,
    clock: Clock,
) -> None:
    licensing.load(licence(pro=5))
    permanent_groups(licensing, directory, IT=["p1", "p2", "p3"])
    assert sessions.join("p1", "p-p1") is None
    _a_and_b(licensing, sessions, clock)
    assert counts(licensing, "pro") == (5, 5, 0)

    directory.groups["IT"] = ["p1", "p2", "p3", "p4"]
    # A new member gets nothing until the distribution runs (LIC-PRO-09).
    assert licensing.licence_of("p4") == {"pro": None}
    assert sessions.join("p4", "p-p4") is not None

    assert licensing.redistribute(manual=False) == ["A"]

    assert sessions.evicted == [("A", "licence lost")]
    assert sessions.present == {"p-p1": "p1"}  # who kept a licence stays connected
    assert licensing.licence_of("A") == {"pro": None}
    assert licensing.licence_of("B")["pro"] == "temporary"
    assert licensing.licence_of("p4") == {"pro": "permanent"}
    assert counts(licensing, "pro") == (5, 5, 0)
    distributed = events_of(store, LicencePool.LicencesDistributed)[-1]
    assert (distributed.permanent, distributed.revoked, distributed.lost) == (
        ["p1", "p2", "p3", "p4"],
        ["A"],
        ["A"],
    )
    assert distributed.manual is False
    limit = events_of(store, LicencePool.ProLicenceLimitReached)[-1]
    assert (limit.users, limit.reason) == (["A"], "redistribution")
    assert sessions.join("p4", "p-p4") is None


@pytest.mark.parametrize(("total", "p3_keeps_one"), [(6, True), (5, False)])
def test_we09_a_user_removed_from_the_group_gets_a_temporary_only_if_one_is_left(
    licensing: LicensingService,
    sessions: Sessions,
    directory: Directory,
    store: QuorumStore,
    clock: Clock,
    total: int,
    p3_keeps_one: bool,
) -> None:
    licensing.load(licence(pro=total))
    permanent_groups(licensing, directory, IT=["p1", "p2", "p3"])
    assert sessions.join("p3", "p-p3") is None
    _a_and_b(licensing, sessions, clock)

    directory.groups["IT"] = ["p1", "p2", "p4"]
    lost = licensing.redistribute(manual=False)

    assert licensing.licence_of("A")["pro"] == "temporary"  # 5.1 comes before 5.2
    assert licensing.licence_of("B")["pro"] == "temporary"
    assert licensing.licence_of("p4") == {"pro": "permanent"}
    if p3_keeps_one:
        assert lost == []
        assert sessions.evicted == []
        assert licensing.licence_of("p3") == {
            "pro": "temporary",
            "valid_until": None,
            "in_conference": True,
        }
        sessions.leave("p-p3")  # and the usual 24 h after leaving
        clock.advance(hours=24)
        assert licensing.licence_of("p3") == {"pro": None}
    else:
        assert lost == ["p3"]
        assert sessions.evicted == [("p3", "licence lost")]
        assert "p-p3" not in sessions.present
        assert licensing.licence_of("p3") == {"pro": None}
        limit = events_of(store, LicencePool.ProLicenceLimitReached)[-1]
        assert limit.users == ["p3"]
    assert counts(licensing, "pro")[1] <= total


def test_a_temporary_holder_added_to_the_group_holds_one_licence(
    licensing: LicensingService, sessions: Sessions, directory: Directory
) -> None:
    assert sessions.join("ann", "p-ann") is None

    assert permanent_groups(licensing, directory, IT=["ann"]) == []

    assert licensing.licence_of("ann") == {"pro": "permanent"}
    assert counts(licensing, "pro") == (10, 1, 9)
    sessions.leave("p-ann")
    assert counts(licensing, "pro") == (10, 1, 9)


def test_expired_temporary_licences_are_not_taken_back(
    licensing: LicensingService,
    sessions: Sessions,
    directory: Directory,
    store: QuorumStore,
    clock: Clock,
) -> None:
    licensing.load(licence(pro=2))
    permanent_groups(licensing, directory, IT=["it1"])
    licensing.request("old")
    clock.advance(hours=25)

    directory.groups["IT"] = ["it2"]
    assert licensing.redistribute(manual=False) == []

    assert licensing.licence_of("it1")["pro"] == "temporary"  # the free one, 5.2
    assert sessions.evicted == []
    assert events_of(store, LicencePool.ProLicenceLimitReached) == []


def test_more_group_members_than_licences_go_by_group_priority(
    licensing: LicensingService, directory: Directory
) -> None:
    licensing.load(licence(pro=3))
    permanent_groups(licensing, directory, IT=["it1", "it2"], Sales=["ann", "it1", "bob"])

    pool = licensing.pool()
    assert pool.permanent == ["it1", "it2", "ann"]  # it1 counts once
    assert pool.permanent_missing == ["bob"]


# -- manual requests (§5.2.1 item 3, §9.1.2) --------------------------------------------------


def test_a_requested_licence_is_valid_24h_from_receipt(
    licensing: LicensingService, clock: Clock
) -> None:
    assert licensing.request("ann") == {
        "pro": "temporary",
        "valid_until": (T0 + timedelta(hours=24)).isoformat(),
        "in_conference": False,
    }
    assert counts(licensing, "pro") == (10, 1, 9)
    clock.advance(hours=23, minutes=59)
    assert licensing.licence_of("ann")["pro"] == "temporary"
    clock.advance(minutes=1)
    assert licensing.licence_of("ann") == {"pro": None}
    assert counts(licensing, "pro") == (10, 0, 10)


def test_requests_can_be_turned_off(licensing: LicensingService, store: QuorumStore) -> None:
    licensing.change_pro_settings({"allow_request": False})
    before = appended(store)

    with pytest.raises(Forbidden):
        licensing.request("ann")

    assert appended(store) == before
    assert counts(licensing, "pro") == (10, 0, 10)


def test_a_request_when_none_is_free_is_refused_and_recorded(
    licensing: LicensingService, sessions: Sessions, store: QuorumStore, clock: Clock
) -> None:
    licensing.load(licence(pro=1))
    assert sessions.join("bob", "p-bob") is None

    with pytest.raises(LicenceUnavailable):
        licensing.request("ann")

    assert counts(licensing, "pro") == (1, 1, 0)
    assert licensing.licence_of("ann") == {"pro": None}
    assert "ann" in licensing.pool().refused_users(clock.now)
    limit = events_of(store, LicencePool.ProLicenceLimitReached)[-1]
    assert limit.users == ["ann"]


def test_a_permanent_holder_needs_no_request(
    licensing: LicensingService, directory: Directory
) -> None:
    permanent_groups(licensing, directory, IT=["it1"])
    with pytest.raises(Conflict):
        licensing.request("it1")
    assert counts(licensing, "pro") == (10, 1, 9)


# -- loading a licence (§9.1.1) ---------------------------------------------------------------


def test_loading_fewer_pro_licences_than_in_use_redistributes(
    licensing: LicensingService, sessions: Sessions, store: QuorumStore, clock: Clock
) -> None:
    licensing.load(licence(pro=5))
    for user in ("u1", "u2", "u3", "u4"):
        assert sessions.join(user, f"p-{user}") is None
        clock.advance(hours=1)

    changes = licensing.load(licence(pro=2))

    assert {"parameter": "pro", "previous": 5, "new": 2} in changes
    assert sessions.evicted == [("u1", "licence lost"), ("u2", "licence lost")]
    assert sorted(sessions.present) == ["p-u3", "p-u4"]
    assert counts(licensing, "pro") == (2, 2, 0)
    distributed = events_of(store, LicencePool.LicencesDistributed)[-1]
    assert (distributed.revoked, distributed.manual) == (["u1", "u2"], False)


def test_loading_fewer_pro_licences_than_permanent_members(
    licensing: LicensingService, sessions: Sessions, directory: Directory
) -> None:
    permanent_groups(licensing, directory, IT=["it1", "it2", "it3"])
    assert sessions.join("it3", "p-it3") is None

    licensing.load(licence(pro=2))

    pool = licensing.pool()
    assert (pool.permanent, pool.permanent_missing) == (["it1", "it2"], ["it3"])
    assert sessions.evicted == [("it3", "licence lost")]
    assert counts(licensing, "pro") == (2, 2, 0)


def test_loading_the_same_licence_again_changes_nothing(
    licensing: LicensingService, store: QuorumStore
) -> None:
    before = appended(store)
    assert licensing.load(licence()) == []
    assert appended(store) == before


def test_an_expired_licence_counts_nothing_and_refuses_new_connections(
    licensing: LicensingService,
) -> None:
    licensing.load(licence(expires_at="2026-03-01"))

    summary = licensing.summary()
    assert summary["expired"] is True
    for pool in ("online", "pro", "guest", "gateway"):
        assert summary[pool]["total"] == 0
    with pytest.raises(LicenceUnavailable):
        login(licensing, "ep-ann", "ann")
    assert join(licensing, "ann", "p-ann") is not None
    assert join(licensing, "guest-1", "p-g", kind="guest") is not None


def test_a_licence_expires_at_the_end_of_its_last_day(
    licensing: LicensingService, clock: Clock
) -> None:
    licensing.load(licence(expires_at="2026-03-02"))
    login(licensing, "ep-ann", "ann")
    assert licensing.summary()["expired"] is False

    clock.advance(hours=15)  # 2026-03-03 00:00
    assert licensing.summary()["expired"] is True
    assert counts(licensing, "online")[0] == 0
    with pytest.raises(LicenceUnavailable):
        login(licensing, "ep-bob", "bob")


def test_an_unregistered_server_has_the_free_edition_and_no_permanent_groups(
    store: QuorumStore, clock: Clock, directory: Directory
) -> None:
    licensing = LicensingService(store, directory.members_in_order, directory.group_exists)
    directory.groups["IT"] = ["it1"]

    assert licensing.summary()["edition"] == "free"
    assert counts(licensing, "guest") == (1, 0, 1)
    with pytest.raises(LicenceUnavailable):
        licensing.change_pro_settings({"groups": ["IT"]})


def test_pro_settings_default_to_requests_allowed_and_info_shown(
    licensing: LicensingService,
) -> None:
    assert licensing.pool().pro_settings == {
        "groups": [],
        "allow_request": True,
        "show_info": True,
    }


def test_bad_pro_settings_name_every_problem_and_change_nothing(
    licensing: LicensingService, directory: Directory, store: QuorumStore
) -> None:
    directory.groups["IT"] = []
    before = appended(store)

    with pytest.raises(InvalidInput) as refused:
        licensing.change_pro_settings(
            {"groups": ["IT", "nope"], "allow_request": "yes", "colour": 1}  # type: ignore[typeddict-unknown-key, typeddict-item]
        )
    with pytest.raises(InvalidInput) as twice:
        licensing.change_pro_settings({"groups": ["IT", "IT"]})

    assert sorted(p.field for p in refused.value.problems) == [
        "allow_request",
        "colour",
        "groups",
    ]
    assert [p.field for p in twice.value.problems] == ["groups"]
    assert appended(store) == before


def test_a_bad_licence_names_every_problem_and_loads_nothing(
    licensing: LicensingService, store: QuorumStore
) -> None:
    before = appended(store)

    with pytest.raises(InvalidInput) as refused:
        licensing.load(licence(pro=-1, guest=True, edition="eternal", expires_at="soon"))

    assert sorted(p.field for p in refused.value.problems) == [
        "edition",
        "expires_at",
        "guest",
        "pro",
    ]
    assert appended(store) == before
    assert counts(licensing, "pro") == (10, 0, 10)


def test_two_writers_cannot_both_take_the_last_licence(licensing: LicensingService) -> None:
    licensing.load(licence(online=1))
    first, second = licensing.pool(), licensing.pool()
    licensing.take_online(first, "ep-ann", "ann")
    licensing.take_online(second, "ep-bob", "bob")  # both saw one free
    licensing.store.save(first)

    with pytest.raises(IntegrityError):
        licensing.store.save(second)
    with pytest.raises(LicenceUnavailable):  # the retry sees the fresh pool
        with_retries(lambda: login(licensing, "ep-bob", "bob"))
    assert counts(licensing, "online") == (1, 1, 0)


# -- online, guest and SIP/H.323/RTSP connections (§5.1, §5.3, §5.4) ---------------------------


def test_an_online_licence_per_authorised_device(
    licensing: LicensingService, store: QuorumStore
) -> None:
    login(licensing, "ep-pc", "ann")
    login(licensing, "ep-phone", "ann")
    before = appended(store)
    login(licensing, "ep-pc", "ann")  # the same connection again takes nothing
    assert appended(store) == before
    assert counts(licensing, "online") == (50, 2, 48)
    assert counts(licensing, "pro") == (10, 0, 10)

    logout(licensing, "ep-pc")
    assert counts(licensing, "online") == (50, 1, 49)


def test_no_online_licence_free_refuses_the_login(
    licensing: LicensingService, store: QuorumStore
) -> None:
    licensing.load(licence(online=2))
    login(licensing, "ep-1", "ann")
    login(licensing, "ep-2", "bob")
    before = appended(store)

    with pytest.raises(LicenceUnavailable):
        login(licensing, "ep-3", "carla")

    assert appended(store) == before
    assert counts(licensing, "online") == (2, 2, 0)
    logout(licensing, "ep-1")
    login(licensing, "ep-3", "carla")
    assert counts(licensing, "online") == (2, 2, 0)


@pytest.mark.parametrize("kind", ["guest", "registrant"])
def test_a_guest_takes_one_guest_licence_and_nothing_else(
    licensing: LicensingService, kind: str
) -> None:
    licensing.load(licence(guest=2))
    assert join(licensing, "g1", "p-g1", kind=kind) is None
    assert join(licensing, "g2", "p-g2", kind=kind) is None

    assert join(licensing, "g3", "p-g3", kind=kind) == "no guest licence is free"
    assert counts(licensing, "guest") == (2, 2, 0)
    assert counts(licensing, "online")[1] == counts(licensing, "pro")[1] == 0

    leave(licensing, "g1", "p-g1")
    assert join(licensing, "g3", "p-g3", kind=kind) is None


def test_a_device_takes_a_gateway_licence_and_an_online_one_when_signed_in(
    licensing: LicensingService,
) -> None:
    assert join(licensing, "sip:room@pbx", "p-sip", kind="endpoint") is None
    assert join(licensing, "h323:cam", "p-cam", kind="endpoint", account="ann") is None

    assert counts(licensing, "gateway") == (5, 2, 3)
    assert counts(licensing, "online") == (50, 1, 49)
    assert counts(licensing, "pro")[1] == 0

    leave(licensing, "h323:cam", "p-cam")
    assert counts(licensing, "gateway") == (5, 1, 4)
    assert counts(licensing, "online") == (50, 0, 50)


def test_a_device_refused_an_online_licence_keeps_no_gateway_licence(
    licensing: LicensingService,
) -> None:
    licensing.load(licence(online=1, gateway=2))
    login(licensing, "ep-bob", "bob")

    refusal = join(licensing, "sip:room", "p-sip", kind="endpoint", account="ann")

    assert refusal == "no online licence is free for the device's account"
    assert counts(licensing, "gateway") == (2, 0, 2)
    assert counts(licensing, "online") == (1, 1, 0)
    licensing.load(licence(online=1, gateway=0))
    assert join(licensing, "sip:room", "p-sip", kind="endpoint") == (
        "no SIP/H.323/RTSP licence is free"
    )


def test_we04_we05_sip_endpoints_and_an_rtsp_camera(licensing: LicensingService) -> None:
    licensing.load(licence(online=150, pro=100, gateway=5))
    login(licensing, "ep-host", "host")
    assert join(licensing, "host", "p-host") is None
    for device in ("sip:a", "sip:b", "rtsp:cam"):
        assert join(licensing, device, f"p-{device}", kind="endpoint") is None
    assert counts(licensing, "online")[1] == 1
    assert counts(licensing, "gateway")[1] == 3  # WE-04

    leave(licensing, "rtsp:cam", "p-rtsp:cam")
    leave(licensing, "sip:b", "p-sip:b")
    assert join(licensing, "sip:b", "p-sip:b", kind="endpoint", account="bob") is None
    assert counts(licensing, "online")[1] == 2
    assert counts(licensing, "gateway")[1] == 2  # WE-05


def test_we06_guests_in_a_public_conference(licensing: LicensingService) -> None:
    licensing.load(licence(online=150, pro=100, guest=5))
    login(licensing, "ep-host", "host")
    assert join(licensing, "host", "p-host") is None
    for n in range(3):
        assert join(licensing, f"guest-{n}", f"p-g{n}", kind="guest") is None

    assert counts(licensing, "online")[1] == 1
    assert counts(licensing, "pro")[1] == 1
    assert counts(licensing, "guest")[1] == 3


def test_an_expired_licence_admits_not_even_permanent_holders(
    licensing: LicensingService, directory: Directory, store: QuorumStore, clock: Clock
) -> None:
    licensing.load(licence(expires_at="2026-03-02"))
    permanent_groups(licensing, directory, IT=["it1"])
    assert join(licensing, "it1", "p-1") is None
    clock.advance(days=1)
    assert join(licensing, "it1", "p-2") is not None
    refusals = events_of(store, LicencePool.ProLicenceLimitReached)
    assert [(e.users, e.reason) for e in refusals] == [(["it1"], "licence expired")]
