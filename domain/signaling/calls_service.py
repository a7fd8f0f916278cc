"""Use cases of point-to-point calls (guide §3.1, §13.2.2, §13.3.1 `p2p_calls`)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.identity.groups_service import GroupsService
from domain.identity.users_service import UsersService
from domain.shared.application import QuorumStore, find, with_retries
from domain.shared.clock import now
from domain.shared.errors import FieldProblem, Forbidden, InvalidInput, NotFound
from domain.signaling.call import Call, new_session_id
from domain.signaling.service import EndpointsService, StatusChange


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
    ) -> None:
        self.store = store
        self.users = users
        self.groups = groups
        self.endpoints = endpoints

    def get(self, call_id: object) -> Call:
        try:
            key = UUID(str(call_id))
        except ValueError:
            raise _bad("call_id", "invalid", "is not a call ID") from None
        call = find(self.store, key, Call)
        if call is None:
            raise NotFound(f"no call {call_id}", [FieldProblem("call_id", "notFound", "no call")])
        return call

    def invite(self, caller: str, caller_endpoint: str, to: object) -> Call:
        """Ring the callee; an offline callee has a missed call at once."""
        if not isinstance(to, str) or not to:
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
        return call

    def accept(self, call_id: object, user_id: str, endpoint_id: str) -> CallUpdate:
        def attempt() -> Call:
            call = self._party(call_id, user_id, callee_only=True)
            call.accept(endpoint_id, now())
            self.store.save(call)
            return call

        call = with_retries(attempt)
        changes = [self.endpoints.set_in_call(u, str(call.id), True) for u in call.parties()]
        return CallUpdate(call, [c for c in changes if c is not None])

    def reject(self, call_id: object, user_id: str) -> Call:
        def attempt() -> Call:
            call = self._party(call_id, user_id, callee_only=True)
            call.reject(now())
            self.store.save(call)
            return call

        return with_retries(attempt)

    def hang_up(self, call_id: object, user_id: str, cause: str = "hangup") -> CallUpdate:
        def attempt() -> tuple[Call, bool]:
            call = self._party(call_id, user_id)
            ended = call.end(by=user_id, cause=cause, at=now())
            if ended:
                self.store.save(call)
            return call, ended

        call, ended = with_retries(attempt)
        changes = [self.endpoints.set_in_call(u, str(call.id), False) for u in call.parties()]
        return CallUpdate(call, [c for c in changes if c is not None], ended)

    def end_calls_of(self, user_id: str, endpoint_id: str) -> list[CallUpdate]:
        """The endpoint went away: its active calls end with "connection lost" (once,
        whoever notices first)."""
        ended = []
        for call_id in self.endpoints.active_calls(user_id):
            call = self.get(call_id)
            if endpoint_id in (call.caller_endpoint, call.callee_endpoint):
                ended.append(self.hang_up(call_id, user_id, cause="connection lost"))
        return ended

    def miss_if_ringing(self, call_id: object) -> Call | None:
        """The ring timeout: a call nobody answered becomes a missed call."""

        def attempt() -> Call | None:
            call = self.get(call_id)
            if not call.miss(now(), reason="timeout"):
                return None
            self.store.save(call)
            return call

        return with_retries(attempt)

    def _party(self, call_id: object, user_id: str, callee_only: bool = False) -> Call:
        call = self.get(call_id)
        allowed = (call.callee,) if callee_only else call.parties()
        if user_id not in allowed:
            raise Forbidden("this call is not yours to answer" if callee_only else "not your call")
        return call


def _bad(field: str, reason: str, message: str) -> InvalidInput:
    return InvalidInput.of([FieldProblem(field, reason, message)])
