"""Use cases of point-to-point calls (guide §3.1, §13.2.2, §13.3.1 `p2p_calls`).

Each step is saved first; then the other party hears of it at once (`call.*` pushes)
and the parties' statuses follow."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.identity.groups_service import GroupsService
from domain.identity.users_service import UsersService
from domain.shared.application import QuorumStore, find, with_retries
from domain.shared.clock import now
from domain.shared.errors import FieldProblem, Forbidden, InvalidInput, NotFound
from domain.signaling.call import Call, new_session_id
from domain.signaling.endpoints_service import EndpointsService, StatusChange
from domain.signaling.ports import Pushes, RingTimers

LOST = "connection lost"


@dataclass(frozen=True)
class CallUpdate:
    call: Call
    status_changes: list[StatusChange]
    ended_now: bool = False
    """This update recorded the end (not someone else a moment before)."""


class CallsService:
    def __init__(
        self,
        store: QuorumStore,
        users: UsersService,
        groups: GroupsService,
        endpoints: EndpointsService,
        pushes: Pushes,
        ring_timers: RingTimers,
    ) -> None:
        self.store = store
        self.users = users
        self.groups = groups
        self.endpoints = endpoints
        self.pushes = pushes
        self.ring_timers = ring_timers

    def get(self, call_id: str) -> Call:
        return load_call(self.store, call_id)

    def invite(self, caller: str, caller_endpoint: str, to: str) -> Call:
        """Ring the callee for the ring time; an offline callee has a missed call at once."""
        if not to:
            raise _bad("to", "required", "whom to call")
        callee = self.users.find(to)
        if to.lower() == caller:
            raise _bad("to", "invalid", "a user cannot call themselves")
        if callee is None:
            raise NotFound(f"no user {to!r}", [FieldProblem("to", "notFound", "no such user")])
        caller_account = self.users.get(caller)
        if not self.groups.rights_of(caller_account.group_ids)["p2p_calls"]:
            raise Forbidden("your groups do not allow point-to-point calls (§13.3.1)")
        call = Call(
            session_id=new_session_id(),
            caller=caller,
            callee=callee.user_id,
            caller_endpoint=caller_endpoint,
        )
        if self.endpoints.status(callee.user_id) <= 0:
            call.miss(now(), reason="offline")
        self.store.save(call)
        call_id = str(call.id)
        if call.outcome == "missed":
            self.pushes.push(call.callee, "call.missed", {"call_id": call_id, "from": caller})
            return call
        data = {"call_id": call_id, "session_id": call.session_id, "from": caller}
        self.pushes.push(call.callee, "call.incoming", data)
        self.ring_timers.ring(call_id)
        return call

    def accept(self, call_id: str, user_id: str, endpoint_id: str) -> CallUpdate:
        def attempt() -> Call:
            call = self._party(call_id, user_id, callee_only=True)
            call.accept(endpoint_id, now())
            self.store.save(call)
            return call

        call = with_retries(attempt)
        changes = [self.endpoints.set_in_call(u, str(call.id), True) for u in call.parties()]
        update = CallUpdate(call, [c for c in changes if c is not None])
        self.pushes.push(call.caller, "call.accepted", {"call_id": str(call.id)})
        self._announce(update)
        return update

    def reject(self, call_id: str, user_id: str) -> Call:
        def attempt() -> Call:
            call = self._party(call_id, user_id, callee_only=True)
            call.reject(now())
            self.store.save(call)
            return call

        call = with_retries(attempt)
        self.pushes.push(call.caller, "call.rejected", {"call_id": str(call.id)})
        return call

    def hang_up(self, call_id: str, user_id: str) -> CallUpdate:
        """A party hangs up; the other hears it even when the end was recorded a moment
        before."""
        update = self._end(call_id, user_id, "hangup")
        data = {"call_id": str(update.call.id), "by": user_id}
        self.pushes.push(update.call.other(user_id), "call.ended", data)
        self._announce(update)
        return update

    def end_calls_of(self, user_id: str, endpoint_id: str) -> list[CallUpdate]:
        """The endpoint went away: its active calls end with "connection lost" (once,
        whoever notices first; only that one tells the other party)."""
        ended = []
        for call_id in self.endpoints.active_calls(user_id):
            call = self.get(call_id)
            if endpoint_id not in (call.caller_endpoint, call.callee_endpoint):
                continue
            update = self._end(call_id, user_id, LOST)
            if update.ended_now:
                data = {"call_id": call_id, "by": user_id, "cause": LOST}
                self.pushes.push(update.call.other(user_id), "call.ended", data)
            self._announce(update)
            ended.append(update)
        return ended

    def _end(self, call_id: str, user_id: str, cause: str) -> CallUpdate:
        def attempt() -> tuple[Call, bool]:
            call = self._party(call_id, user_id)
            ended = call.end(by=user_id, cause=cause, at=now())
            if ended:
                self.store.save(call)
            return call, ended

        call, ended = with_retries(attempt)
        changes = [self.endpoints.set_in_call(u, str(call.id), False) for u in call.parties()]
        return CallUpdate(call, [c for c in changes if c is not None], ended)

    def _announce(self, update: CallUpdate) -> None:
        for change in update.status_changes:
            self.pushes.status(change)

    def _party(self, call_id: str, user_id: str, callee_only: bool = False) -> Call:
        call = self.get(call_id)
        allowed = (call.callee,) if callee_only else call.parties()
        if user_id not in allowed:
            raise Forbidden("this call is not yours to answer" if callee_only else "not your call")
        return call


class RingTimeout:
    """What a ring timer does when it fires (§13.2.2): a call nobody answered becomes
    a missed call, and both parties hear it."""

    def __init__(self, store: QuorumStore, pushes: Pushes) -> None:
        self.store = store
        self.pushes = pushes

    def miss_if_ringing(self, call_id: str) -> Call | None:
        def attempt() -> Call | None:
            call = load_call(self.store, call_id)
            if not call.miss(now(), reason="timeout"):
                return None  # answered or ended meanwhile
            self.store.save(call)
            return call

        call = with_retries(attempt)
        if call is not None:
            data = {"call_id": call_id, "reason": "timeout"}
            for user in call.parties():
                self.pushes.push(user, "call.missed", data)
        return call


def load_call(store: QuorumStore, call_id: str) -> Call:
    try:
        key = UUID(call_id)
    except ValueError:
        raise _bad("call_id", "invalid", "is not a call ID") from None
    call = find(store, key, Call)
    if call is None:
        raise NotFound(f"no call {call_id}", [FieldProblem("call_id", "notFound", "no call")])
    return call


def _bad(field: str, reason: str, message: str) -> InvalidInput:
    return InvalidInput.of([FieldProblem(field, reason, message)])
