"""Use cases of licensing (guide §5, §9.1.1, §9.1.2): load a licence, take and give
back connection licences, PRO licences for group conferences, their distribution."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypedDict

from domain.licensing.distribution import distribute
from domain.licensing.pool import LicencePool
from domain.licensing.terms import (
    GATEWAY,
    GUEST,
    ONLINE,
    POOLS,
    PRO,
    LicenceUnavailable,
    check_terms,
    is_expired,
    unavailable,
)
from domain.shared.application import QuorumStore, find, with_retries
from domain.shared.bus import Publish, ignore
from domain.shared.clock import now
from domain.shared.errors import FieldProblem, Forbidden, InvalidInput
from domain.shared.validation import JsonObject

HOT_ATTEMPTS = 40
"""Every login and join saves the pool: many writers, so more tries than usual."""

# Participant kinds of domain/sessions/admission.py (which imports this module).
PRO_USER = "user"
GUEST_KINDS = ("guest", "registrant")
DEVICE = "endpoint"


@dataclass(frozen=True)
class ProLicenceLost:
    """A user lost their PRO licence (revoked, or not kept by a redistribution): they
    leave every running conference (§5.2.1, §9.1.2)."""

    user_id: str
    cause: str


class Licences:
    """The licence pool as connections use it, inside their own saves: reading it, and
    taking and giving back licences (endpoints and sessions)."""

    def __init__(self, store: QuorumStore) -> None:
        self.store = store

    def pool(self) -> LicencePool:
        found = find(self.store, LicencePool.create_id(), LicencePool)
        return found if found is not None else LicencePool.unregistered()

    def enabled(self, extension: str) -> bool:
        return self.pool().has_extension(extension)

    # -- connections (used by endpoints and sessions, inside their own saves) -------------

    def take_online(self, pool: LicencePool, endpoint_id: str, user_id: str) -> None:
        """One online licence per authorised device (§5.1)."""
        if not pool.take(ONLINE, endpoint_id, user_id, now()):
            raise unavailable(
                "login",
                f"no online licence is free ({pool.total(ONLINE, now())} in use); "
                "try again later or ask an administrator",
            )

    def take_for_participant(
        self,
        pool: LicencePool,
        kind: str,
        user_id: str,
        participant_id: str,
        session_id: str,
        account: str | None = None,
    ) -> str | None:
        """The licences a participant needs (§5.2-§5.4): None, or why it cannot join.
        A PRO refusal has been recorded on the pool; save it, then refuse."""
        at = now()
        if kind == PRO_USER:
            if pool.join_conference(user_id, participant_id, at):
                return None
            return (
                "the server's licence has expired" if is_expired(pool.terms, at) else _no_pro_text()
            )
        if kind in GUEST_KINDS:
            if not pool.take(GUEST, participant_id, user_id, at, session_id):
                return "no guest licence is free"
        elif kind == DEVICE:
            if not pool.take(GATEWAY, participant_id, user_id, at, session_id, device=user_id):
                return "no SIP/H.323/RTSP licence is free"
            if account is not None and not pool.take(
                ONLINE, f"device:{participant_id}", account, at, session_id, device=user_id
            ):
                pool.release(GATEWAY, participant_id)
                return "no online licence is free for the device's account"
        return None  # federated users take none of ours (§5.2.2)

    def release_participant(self, pool: LicencePool, user_id: str, participant_id: str) -> None:
        pool.leave_conference(user_id, participant_id, now())
        for pool_name, key in (
            (GUEST, participant_id),
            (GATEWAY, participant_id),
            (ONLINE, f"device:{participant_id}"),
        ):
            pool.release(pool_name, key)


class ProSettingsChange(TypedDict, total=False):
    """`license/pro`'s settings; only those given change."""

    groups: list[str]
    allow_request: bool
    show_info: bool


class LicensingService(Licences):
    """The administrator's and the user's side of licensing."""

    def __init__(
        self,
        store: QuorumStore,
        members_in_order: Callable[[list[str]], list[str]],
        group_exists: Callable[[str], bool],
        participations: Callable[[str], list[str]] = lambda user_id: [],
        publish: Publish = ignore,
    ) -> None:
        super().__init__(store)
        self.members_in_order = members_in_order
        """User IDs of the groups, by group priority then display name (LIC-PRO-08)."""
        self.group_exists = group_exists
        self.participations = participations
        """The user's participant IDs in running sessions."""
        self.publish = publish
        """Reports `ProLicenceLost`, after which the user leaves running conferences."""

    # -- reading ---------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        """License info (§9.1.1): total, used and available per type."""
        pool, at = self.pool(), now()
        counts = {
            p: {
                "total": pool.total(p, at),
                "used": pool.used(p, at),
                "available": pool.available(p, at),
            }
            for p in POOLS
        }
        return {
            "edition": pool.terms["edition"],
            "expires_at": pool.terms["expires_at"],
            "expired": is_expired(pool.terms, at),
            **counts,
            "extensions": list(pool.terms["extensions"]),
        }

    # -- the admin's side ------------------------------------------------------------------

    def load(self, body: JsonObject) -> list[dict[str, Any]]:
        """Load a licence; fewer PRO licences than are in use redistributes at once."""
        terms = check_terms(body)

        def attempt() -> tuple[list[dict[str, Any]], list[str]]:
            pool = self.pool()
            changes = pool.load(terms)
            lost: list[str] = []
            if any(c["parameter"] in (PRO, "edition", "expires_at") for c in changes):
                lost = self._redistribute(pool, manual=False)
            self.store.save(pool)
            return changes, lost

        changes, lost = with_retries(attempt, attempts=HOT_ATTEMPTS)
        for user in lost:
            self.publish(ProLicenceLost(user, "licence lost"))
        return changes

    def change_pro_settings(self, body: ProSettingsChange) -> list[dict[str, Any]]:
        """`license/pro`: the groups whose members get permanent licences, in priority
        order (applied at the next distribution, §9.1.2), and the two UI switches."""
        values = self._check_pro_settings(body)

        def attempt() -> list[dict[str, Any]]:
            pool = self.pool()
            if values.get("groups") and pool.terms["edition"] == "free":
                raise unavailable("groups", "the free edition cannot reserve permanent licences")
            changes = pool.change_pro_settings(values)
            if changes:
                self.store.save(pool)
            return changes

        return with_retries(attempt, attempts=HOT_ATTEMPTS)

    def redistribute(self, manual: bool) -> list[str]:
        """Permanent licences again (§5.2.1 item 5); returns who lost a licence."""

        def attempt() -> list[str]:
            pool = self.pool()
            lost = self._redistribute(pool, manual)
            self.store.save(pool)
            return lost

        lost = with_retries(attempt, attempts=HOT_ATTEMPTS)
        for user in lost:
            self.publish(ProLicenceLost(user, "licence lost"))
        return lost

    def revoke(self, user_id: str) -> None:
        """Take a temporary licence back; the user leaves running conferences (§9.1.2)."""

        def attempt() -> list[str]:
            pool = self.pool()
            participations = pool.revoke_temporary(user_id, now())
            self.store.save(pool)
            return participations

        with_retries(attempt, attempts=HOT_ATTEMPTS)
        self.publish(ProLicenceLost(user_id, "licence revoked"))

    def _redistribute(self, pool: LicencePool, manual: bool) -> list[str]:
        at = now()
        groups = [g for g in pool.pro_settings["groups"] if self.group_exists(g)]
        wanted = self.members_in_order(groups) if pool.terms["edition"] != "free" else []
        distribution = distribute(
            wanted,
            pool.total(PRO, at),
            pool.permanent,
            pool.temporary,
            {u: self.participations(u) for u in pool.permanent},
            at,
        )
        pool.redistribute(distribution, at, manual)
        return distribution.lost

    def _check_pro_settings(self, body: ProSettingsChange) -> dict[str, Any]:
        problems: list[FieldProblem] = []
        values: dict[str, Any] = {}
        for name, value in body.items():
            if name == "groups":
                if not isinstance(value, list) or not all(isinstance(g, str) for g in value):
                    problems.append(FieldProblem(name, "invalid", "a list of group IDs"))
                    continue
                unknown = [g for g in value if not self.group_exists(g)]
                if unknown:
                    problems.append(
                        FieldProblem(name, "invalid", f"unknown group(s): {', '.join(unknown)}")
                    )
                elif len(set(value)) != len(value):
                    problems.append(FieldProblem(name, "invalid", "a group is listed twice"))
                else:
                    values[name] = list(value)
            elif name in ("allow_request", "show_info"):
                if not isinstance(value, bool):
                    problems.append(FieldProblem(name, "invalid", "must be true or false"))
                else:
                    values[name] = value
            else:
                problems.append(FieldProblem(name, "invalid", "unknown field"))
        if problems:
            raise InvalidInput.of(problems)
        return values

    # -- the user's side -------------------------------------------------------------------

    def request(self, user_id: str) -> dict[str, Any]:
        """A temporary licence before a conference, when requests are allowed (§9.1.2)."""

        def attempt() -> bool:
            pool = self.pool()
            if not pool.pro_settings["allow_request"]:
                raise Forbidden(
                    "requesting a PRO licence is turned off",
                    [FieldProblem("user_id", "forbidden", "requests are turned off")],
                )
            granted = pool.request_temporary(user_id, now())
            self.store.save(pool)
            return granted

        if not with_retries(attempt, attempts=HOT_ATTEMPTS):
            raise _no_pro(user_id)
        return self.licence_of(user_id)

    def licence_of(self, user_id: str) -> dict[str, Any]:
        pool, at = self.pool(), now()
        if user_id in pool.permanent:
            return {"pro": "permanent"}
        holder = pool.temporary_holders(at).get(user_id)
        if holder is not None:
            return {
                "pro": "temporary",
                "valid_until": None if holder["in"] else holder["until"],
                "in_conference": bool(holder["in"]),
            }
        return {"pro": None}

    def client_switches(self) -> dict[str, bool]:
        """Whether clients show PRO licence information and offer the request (§9.1.2)."""
        settings = self.pool().pro_settings
        return {"show_info": settings["show_info"], "allow_request": settings["allow_request"]}


def _no_pro_text() -> str:
    return (
        "no PRO licence is free for a group conference; calls and chat still work "
        "(pro_license_limit)"
    )


def _no_pro(user_id: str) -> LicenceUnavailable:
    return unavailable("user_id", f"{user_id}: {_no_pro_text()}")
