"""Every licence decision in one aggregate (issue 6, item 5): two gateways admitting
at the same instant both save against the same version, so one of them retries on
the fresh state and the pool never hands out more than it has.

Online, guest and gateway licences are held per connection (a key: an endpoint ID or
a participant ID); PRO licences per account, permanent (chosen groups) or temporary
(24 h, renewed while in a conference)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.licensing.distribution import (
    TEMPORARY_VALIDITY,
    Distribution,
    Temporary,
    is_valid,
)
from domain.licensing.terms import FREE, GATEWAY, GUEST, ONLINE, PRO, Terms, is_expired
from domain.shared.audited import AuditedAggregate
from domain.shared.changes import Change, changes_between
from domain.shared.errors import Conflict, FieldProblem, NotFound

REFUSAL_LISTED = timedelta(hours=24)
"""How long a user refused a temporary licence stays on the list (§9.1.2)."""
DEFAULT_PRO_SETTINGS: dict[str, Any] = {"groups": [], "allow_request": True, "show_info": True}
CONNECTION_POOLS = (ONLINE, GUEST, GATEWAY)


@dataclass
class LicencePool(AuditedAggregate):
    terms: Terms
    holders: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {pool: {} for pool in CONNECTION_POOLS}, init=False
    )
    """Pool -> connection key -> {"user_id", "session_id", "device"}."""
    pro_settings: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_PRO_SETTINGS))
    permanent: list[str] = field(default_factory=list, init=False)
    permanent_missing: list[str] = field(default_factory=list, init=False)
    distributed_at: str | None = field(default=None, init=False)
    temporary: dict[str, Temporary] = field(default_factory=dict, init=False)
    refused: dict[str, str] = field(default_factory=dict, init=False)
    """User -> when a temporary licence was refused for lack of one (§9.1.2)."""

    class Created(AuditedAggregate.Created, AuditedAggregate.Event):
        terms: Terms
        pro_settings: dict[str, Any]

    class TermsLoaded(AuditedAggregate.Event):
        changes: list[Change]

    class ProSettingsChanged(AuditedAggregate.Event):
        changes: list[Change]

    class LicenceTaken(AuditedAggregate.Event):
        pool: str
        key: str
        user_id: str
        session_id: str | None
        device: str | None

    class LicenceReleased(AuditedAggregate.Event):
        pool: str
        key: str
        user_id: str

    class TemporaryLicenceUsed(AuditedAggregate.Event):
        """A user without a permanent licence joined a group conference: a temporary
        licence granted (`granted`) or renewed (§5.2.1 item 1)."""

        user_id: str
        participant_id: str | None
        until: str
        granted: bool

    class TemporaryLicenceLeft(AuditedAggregate.Event):
        user_id: str
        participant_id: str
        until: str

    class TemporaryLicenceRevoked(AuditedAggregate.Event):
        """`pro_license_revocation` (§16.1.1)."""

        user_id: str
        participants: list[str]

    class ProLicenceLimitReached(AuditedAggregate.Event):
        """`pro_license_limit` (§16.1.1): users refused a licence, or who lost theirs."""

        users: list[str]
        at: str
        reason: str

    class LicencesDistributed(AuditedAggregate.Event):
        permanent: list[str]
        missing: list[str]
        revoked: list[str]
        granted: dict[str, Temporary]
        lost: list[str]
        manual: bool
        at: str

    @staticmethod
    def create_id() -> UUID:
        return uuid5(NAMESPACE_URL, "/quorum/licences")

    def __deepcopy__(self, memo: dict[int, Any]) -> LicencePool:
        """The aggregate cache hands out a copy on every read, and every login and join
        reads the pool: copying each holder's record made that O(holders) deep work.
        Records are replaced, never changed in place, so copying the containers is a
        deep copy of everything that can change."""
        copied = copy.copy(self)
        copied.__dict__.update(
            _pending_events=list(self._pending_events),
            holders={pool: dict(keys) for pool, keys in self.holders.items()},
            temporary=dict(self.temporary),
            refused=dict(self.refused),
            permanent=list(self.permanent),
            permanent_missing=list(self.permanent_missing),
        )
        return copied

    @classmethod
    def unregistered(cls) -> LicencePool:
        return cls(terms=dict(FREE), pro_settings=dict(DEFAULT_PRO_SETTINGS))

    # -- counts (§9.1.1) -----------------------------------------------------------------

    def total(self, pool: str, at: datetime) -> int:
        return 0 if is_expired(self.terms, at) else int(self.terms[pool])

    def used(self, pool: str, at: datetime) -> int:
        if pool == PRO:
            return len(self.permanent) + len(self.temporary_holders(at))
        return len(self.holders[pool])

    def available(self, pool: str, at: datetime) -> int:
        return max(self.total(pool, at) - self.used(pool, at), 0)

    def temporary_holders(self, at: datetime) -> dict[str, Temporary]:
        return {u: h for u, h in self.temporary.items() if is_valid(h, at)}

    def refused_users(self, at: datetime) -> dict[str, str]:
        return {
            u: when
            for u, when in self.refused.items()
            if at < datetime.fromisoformat(when) + REFUSAL_LISTED
        }

    def has_extension(self, name: str) -> bool:
        return name in self.terms["extensions"]

    # -- the licence itself ----------------------------------------------------------------

    def load(self, terms: Terms) -> list[Change]:
        changes = changes_between(self.terms, terms)
        if changes:
            self._terms_loaded(changes=changes)
        return changes

    @event(TermsLoaded)
    def _terms_loaded(self, changes: list[Change]) -> None:
        self.terms = {**self.terms, **{c["parameter"]: c["new"] for c in changes}}

    def change_pro_settings(self, values: dict[str, Any]) -> list[Change]:
        changes = changes_between(self.pro_settings, values)
        if changes:
            self._pro_settings_changed(changes=changes)
        return changes

    @event(ProSettingsChanged)
    def _pro_settings_changed(self, changes: list[Change]) -> None:
        self.pro_settings = {
            **self.pro_settings,
            **{c["parameter"]: c["new"] for c in changes},
        }

    # -- online, guest and gateway: one per connection -----------------------------------

    def take(
        self,
        pool: str,
        key: str,
        user_id: str,
        at: datetime,
        session_id: str | None = None,
        device: str | None = None,
    ) -> bool:
        """Whether the connection holds a licence of `pool` now (False: none was free)."""
        if key in self.holders[pool]:
            return True
        if self.available(pool, at) <= 0:
            return False
        self._taken(pool=pool, key=key, user_id=user_id, session_id=session_id, device=device)
        return True

    @event(LicenceTaken)
    def _taken(
        self, pool: str, key: str, user_id: str, session_id: str | None, device: str | None
    ) -> None:
        self.holders[pool][key] = {"user_id": user_id, "session_id": session_id, "device": device}

    def release(self, pool: str, key: str) -> bool:
        holder = self.holders[pool].get(key)
        if holder is None:
            return False
        self._released(pool=pool, key=key, user_id=holder["user_id"])
        return True

    @event(LicenceReleased)
    def _released(self, pool: str, key: str, user_id: str) -> None:
        self.holders[pool].pop(key, None)

    # -- PRO: per account ------------------------------------------------------------------

    def join_conference(self, user_id: str, participant_id: str, at: datetime) -> bool:
        """Whether the user may take part in a group conference (§5.2.1 items 1 and 5).
        A refusal is recorded (`pro_license_limit`) and lists the user (§9.1.2); an
        expired licence admits nobody, permanent holders included (REG-04)."""
        if is_expired(self.terms, at):
            self._limit_reached(users=[user_id], at=at.isoformat(), reason="licence expired")
            return False
        if user_id in self.permanent:
            return True
        return self._use_temporary(user_id, participant_id, at)

    def request_temporary(self, user_id: str, at: datetime) -> bool:
        """A user asks for a licence before a conference (§5.2.1 item 3): valid 24 h."""
        if user_id in self.permanent:
            raise Conflict(
                f"{user_id} holds a permanent PRO licence",
                [FieldProblem("user_id", "conflict", "already holds a permanent licence")],
            )
        return self._use_temporary(user_id, None, at)

    def _use_temporary(self, user_id: str, participant_id: str | None, at: datetime) -> bool:
        """Renew the user's valid temporary licence, or grant one when any is free;
        otherwise record the refusal (`pro_license_limit`)."""
        holder = self.temporary.get(user_id)
        held = holder is not None and is_valid(holder, at)
        if held or self.available(PRO, at) > 0:
            self._temporary_used(
                user_id=user_id,
                participant_id=participant_id,
                until=(at + TEMPORARY_VALIDITY).isoformat(),
                granted=not held,
            )
            return True
        self._limit_reached(users=[user_id], at=at.isoformat(), reason="none free")
        return False

    @event(TemporaryLicenceUsed)
    def _temporary_used(
        self, user_id: str, participant_id: str | None, until: str, granted: bool
    ) -> None:
        holder = self.temporary.get(user_id)
        if granted or holder is None:
            holder = {"until": until, "in": []}
        participations = list(holder["in"])
        if participant_id is not None and participant_id not in participations:
            participations.append(participant_id)
        self.temporary[user_id] = {"until": max(until, holder["until"]), "in": participations}
        self.refused.pop(user_id, None)

    def leave_conference(self, user_id: str, participant_id: str, at: datetime) -> None:
        """Released 24 h after leaving the last conference (§5.2.3 Case 3)."""
        holder = self.temporary.get(user_id)
        if holder is not None and participant_id in holder["in"]:
            self._temporary_left(
                user_id=user_id,
                participant_id=participant_id,
                until=(at + TEMPORARY_VALIDITY).isoformat(),
            )

    @event(TemporaryLicenceLeft)
    def _temporary_left(self, user_id: str, participant_id: str, until: str) -> None:
        holder = self.temporary[user_id]
        participations = [p for p in holder["in"] if p != participant_id]
        self.temporary[user_id] = {
            "until": until if not participations else holder["until"],
            "in": participations,
        }

    def revoke_temporary(self, user_id: str, at: datetime) -> list[str]:
        """An admin takes a temporary licence back (§5.2.1 item 2); returns the
        participations the user must leave."""
        if user_id in self.permanent:
            raise Conflict(
                f"{user_id} holds a permanent licence, which cannot be revoked",
                [
                    FieldProblem(
                        "user_id",
                        "conflict",
                        "a permanent licence comes with the user's group; change license/pro",
                    )
                ],
            )
        holder = self.temporary.get(user_id)
        if holder is None or not is_valid(holder, at):
            raise NotFound(
                f"{user_id} holds no temporary PRO licence",
                [FieldProblem("user_id", "notFound", "holds no temporary PRO licence")],
            )
        participations = list(holder["in"])
        self._revoked(user_id=user_id, participants=participations)
        return participations

    @event(TemporaryLicenceRevoked)
    def _revoked(self, user_id: str, participants: list[str]) -> None:
        self.temporary.pop(user_id, None)

    @event(ProLicenceLimitReached)
    def _limit_reached(self, users: list[str], at: str, reason: str) -> None:
        if reason == "none free":
            stamp = datetime.fromisoformat(at)
            self.refused = {
                u: when
                for u, when in self.refused.items()
                if stamp < datetime.fromisoformat(when) + REFUSAL_LISTED
            }
            for user in users:
                self.refused[user] = at

    def redistribute(self, distribution: Distribution, at: datetime, manual: bool) -> None:
        self._distributed(
            permanent=distribution.permanent,
            missing=distribution.missing,
            revoked=distribution.revoked,
            granted=distribution.granted,
            lost=distribution.lost,
            manual=manual,
            at=at.isoformat(),
        )
        if distribution.lost:
            self._limit_reached(users=distribution.lost, at=at.isoformat(), reason="redistribution")

    @event(LicencesDistributed)
    def _distributed(
        self,
        permanent: list[str],
        missing: list[str],
        revoked: list[str],
        granted: dict[str, Temporary],
        lost: list[str],
        manual: bool,
        at: str,
    ) -> None:
        stamp = datetime.fromisoformat(at)
        self.permanent = list(permanent)
        self.permanent_missing = list(missing)
        self.distributed_at = at
        kept = {
            u: h
            for u, h in self.temporary.items()
            if u not in revoked and u not in permanent and is_valid(h, stamp)
        }
        self.temporary = {**kept, **granted}
        self.refused = {u: when for u, when in self.refused.items() if u not in permanent}
