"""Licence accounting under random sequences of logins, joins, leaves, revocations,
redistributions and clock jumps (guide §5, §9.1.2; FEATURES K): never more used than
licensed, a permanent holder is never refused, nobody holds two PRO licences, a
refusal changes no count, and everyone in a group conference holds a PRO licence."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from domain.licensing.terms import POOLS, LicenceUnavailable
from domain.shared.application import QuorumStore
from domain.shared.clock import using_clock
from domain.shared.errors import Conflict, NotFound
from tests.domain.clock import Clock
from tests.domain.licensing.conftest import (
    Directory,
    Sessions,
    join,
    leave,
    licence,
    login,
    logout,
)

USERS = ("ann", "bob", "carla", "dave", "erin", "fay")
TOTALS = {"online": 4, "pro": 3, "guest": 2, "gateway": 2}
DAY = timedelta(hours=24)

STORE = {
    "PERSISTENCE_MODULE": "eventsourcing.popo",
    # As the server runs (adapters/bootstrap.py): the pool is cached and brought up to date,
    # not rebuilt from every event on each load (which makes shrinking take minutes).
    "AGGREGATE_CACHE_MAXSIZE": "10",
    "AGGREGATE_CACHE_FASTFORWARD": "y",
}

users = st.sampled_from(USERS)


class Licensing(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.store = QuorumStore(env=STORE)
        self.clock = Clock()
        self.directory = Directory()
        self.directory.groups["G"] = []
        self.sessions = Sessions(self.store)
        self.licensing = self.sessions.licensing_service(self.directory)
        self.endpoints: dict[str, str] = {}
        """Endpoint ID -> user of every authorised endpoint."""
        self.guests: set[str] = set()
        self.devices: dict[str, str | None] = {}
        """Participant ID -> the account a SIP/H.323 device is signed in as."""
        self.touched: dict[str, datetime] = {}
        """User -> the last time a temporary licence could have been granted or renewed."""
        self.next_id = 0
        with self.time():
            self.licensing.load(licence(**TOTALS))
            self.licensing.change_pro_settings({"groups": ["G"]})

    def teardown(self) -> None:
        self.store.close()

    @contextmanager
    def time(self) -> Iterator[None]:
        with using_clock(self.clock):
            yield

    def new_id(self, prefix: str) -> str:
        self.next_id += 1
        return f"{prefix}-{self.next_id}"

    def summary(self) -> dict[str, Any]:
        return self.licensing.summary()

    def holds_pro(self, user: str) -> bool:
        return self.licensing.licence_of(user)["pro"] is not None

    @initialize(members=st.lists(users, unique=True, max_size=4))
    def permanent_group(self, members: list[str]) -> None:
        """The server starts with a permanent group distributed (a manual restart)."""
        self.directory.groups["G"] = members
        with self.time():
            assert self.licensing.redistribute(manual=True) == []
            assert self.licensing.pool().permanent == members[: TOTALS["pro"]]

    # -- endpoints (online licences) -------------------------------------------------------

    @rule(user=users, device=st.integers(0, 1))
    def log_in(self, user: str, device: int) -> None:
        endpoint = f"ep-{user}-{device}"
        with self.time():
            before = self.summary()
            try:
                login(self.licensing, endpoint, user)
            except LicenceUnavailable:
                event("login refused")
                assert endpoint not in self.endpoints
                assert before["online"]["available"] == 0
                assert self.summary() == before
                return
            self.endpoints[endpoint] = user

    @precondition(lambda self: self.endpoints)
    @rule(data=st.data())
    def log_out(self, data: st.DataObject) -> None:
        endpoint = data.draw(st.sampled_from(sorted(self.endpoints)))
        with self.time():
            logout(self.licensing, endpoint)
        del self.endpoints[endpoint]

    # -- users in group conferences (PRO) -------------------------------------------------

    @rule(user=users, session=st.sampled_from(["s1", "s2"]))
    def join_conference(self, user: str, session: str) -> None:
        participant = self.new_id("p")
        with self.time():
            pool = self.licensing.pool()
            permanent = user in pool.permanent
            licensed = self.holds_pro(user)
            before = self.summary()
            refusal = self.sessions.join(user, participant, session_id=session)
            if refusal is None:
                assert self.holds_pro(user)
                event("permanent holder joined" if permanent else "temporary holder joined")
                assert user not in self.licensing.pool().refused_users(self.clock.now)
                if not permanent:
                    self.touched[user] = self.clock.now
                return
            event("join refused")
            assert not permanent, "a permanent holder was refused"
            assert not licensed, "a valid temporary holder was refused"
            assert before["pro"]["available"] == 0
            assert self.summary() == before
            assert user in self.licensing.pool().refused_users(self.clock.now)

    @precondition(lambda self: self.sessions.present)
    @rule(data=st.data())
    def leave_conference(self, data: st.DataObject) -> None:
        participant = data.draw(st.sampled_from(sorted(self.sessions.present)))
        user = self.sessions.present[participant]
        with self.time():
            self.sessions.leave(participant)
        self.touched[user] = self.clock.now

    @rule(user=users)
    def request(self, user: str) -> None:
        with self.time():
            pool = self.licensing.pool()
            permanent = user in pool.permanent
            licensed = self.holds_pro(user)
            before = self.summary()
            try:
                self.licensing.request(user)
            except Conflict:
                assert permanent
                assert self.summary() == before
                return
            except LicenceUnavailable:
                event("request refused")
                assert not licensed
                assert before["pro"]["available"] == 0
                assert self.summary() == before
                return
            assert not permanent
            assert self.licensing.licence_of(user)["pro"] == "temporary"
            self.touched[user] = self.clock.now

    # -- guests and SIP/H.323/RTSP devices ---------------------------------------------------

    @rule()
    def guest_joins(self) -> None:
        participant = self.new_id("g")
        with self.time():
            before = self.summary()
            refusal = join(self.licensing, participant, participant, kind="guest")
            if refusal is None:
                self.guests.add(participant)
                return
            event("guest refused")
            assert before["guest"]["available"] == 0
            assert self.summary() == before

    @precondition(lambda self: self.guests)
    @rule(data=st.data())
    def guest_leaves(self, data: st.DataObject) -> None:
        participant = data.draw(st.sampled_from(sorted(self.guests)))
        with self.time():
            leave(self.licensing, participant, participant)
        self.guests.remove(participant)

    @rule(account=st.none() | users)
    def device_joins(self, account: str | None) -> None:
        participant = self.new_id("d")
        with self.time():
            before = self.summary()
            refusal = join(
                self.licensing, f"sip:{participant}", participant, "endpoint", account=account
            )
            if refusal is None:
                self.devices[participant] = account
                return
            event("device refused")
            assert before["gateway"]["available"] == 0 or (
                account is not None and before["online"]["available"] == 0
            )
            assert self.summary() == before

    @precondition(lambda self: self.devices)
    @rule(data=st.data())
    def device_leaves(self, data: st.DataObject) -> None:
        participant = data.draw(st.sampled_from(sorted(self.devices)))
        with self.time():
            leave(self.licensing, f"sip:{participant}", participant)
        del self.devices[participant]

    # -- the administrator ----------------------------------------------------------------

    @rule(user=users)
    def revoke(self, user: str) -> None:
        with self.time():
            permanent = user in self.licensing.pool().permanent
            licensed = self.holds_pro(user)
            before = self.summary()
            try:
                self.licensing.revoke(user)
            except Conflict:
                assert permanent
                assert self.summary() == before
                return
            except NotFound:
                assert not licensed
                assert self.summary() == before
                return
            event("temporary licence revoked")
            assert licensed and not permanent
            assert not self.holds_pro(user)
            assert self.summary()["pro"]["used"] == before["pro"]["used"] - 1
            assert self.sessions.participations(user) == []

    @rule(members=st.lists(users, unique=True, max_size=5))
    def change_group(self, members: list[str]) -> None:
        """Membership changes apply only at the next distribution (LIC-PRO-09)."""
        with self.time():
            permanent = self.licensing.pool().permanent
            self.directory.groups["G"] = members
            assert self.licensing.pool().permanent == permanent

    @rule(manual=st.booleans(), members=st.none() | st.lists(users, unique=True, max_size=5))
    def redistribute(self, manual: bool, members: list[str] | None) -> None:
        """Permanent licences by group order, then 5.1 and 5.2 (LIC-PRO-10), after
        the group changed (`members`) or not."""
        if members is not None:
            self.directory.groups["G"] = members
        with self.time():
            at = self.clock.now
            before = self.licensing.pool()
            previous = list(before.permanent)
            members = list(self.directory.groups["G"])
            permanent = members[: TOTALS["pro"]]
            temporary = set(before.temporary_holders(at)) - set(permanent)
            free = TOTALS["pro"] - len(permanent)
            revoked = max(len(temporary) - free, 0)
            free -= len(temporary) - revoked
            removed = [u for u in previous if u not in permanent]
            evicted = len(self.sessions.evicted)

            lost = self.licensing.redistribute(manual=manual)

            pool = self.licensing.pool()
            assert pool.permanent == permanent
            assert pool.permanent_missing == members[TOTALS["pro"] :]
            assert len(lost) == revoked + max(len(removed) - free, 0)
            assert set(lost) <= temporary | set(removed)
            assert [u for u, _ in self.sessions.evicted[evicted:]] == lost
            if lost:
                event("redistribution took a licence")
            for user in lost:
                assert not self.holds_pro(user)
            for user in set(temporary) - set(lost):
                assert self.licensing.licence_of(user)["pro"] == "temporary"
            for user in removed:
                if user not in lost:
                    event("removed from the group: temporary instead")
                    assert self.licensing.licence_of(user)["pro"] == "temporary"  # 5.2
                    self.touched[user] = at

    @rule(minutes=st.integers(1, 30 * 60))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)

    # -- invariants -----------------------------------------------------------------------

    @invariant()
    def accounting_holds(self) -> None:
        """Every invariant on one loaded pool (loading replays its events)."""
        with self.time():
            pool = self.licensing.pool()
        at = self.clock.now
        temporary = pool.temporary_holders(at)
        # Never more used than licensed.
        for name in POOLS:
            assert pool.total(name, at) == TOTALS[name]
            assert 0 <= pool.used(name, at) <= pool.total(name, at), name
        # Online, guest and gateway licences are the connections themselves.
        signed_in = sum(account is not None for account in self.devices.values())
        assert pool.used("online", at) == len(self.endpoints) + signed_in
        assert pool.used("guest", at) == len(self.guests)
        assert pool.used("gateway", at) == len(self.devices)
        # At most one PRO licence per user.
        assert len(set(pool.permanent)) == len(pool.permanent)
        assert not set(pool.permanent) & set(temporary)
        # Everyone in a group conference holds a PRO licence.
        for user in set(self.sessions.present.values()):
            assert user in pool.permanent or user in temporary, user
        # A temporary licence ends 24 h after its last use outside conferences.
        for user in temporary:
            if not self.sessions.participations(user):
                assert at < self.touched[user] + DAY, user


TestLicensing = Licensing.TestCase
TestLicensing.settings = settings(
    max_examples=100,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
