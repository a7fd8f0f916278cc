"""Running a conference (guide §14.1, §14.3): a start opens a run, an end closes it,
and the schedule does either. The sessions context keeps a record of every run (the
live session), saved in the conference's own batch through the `RunRecords` port; what
follows once saved comes back as outcomes, for the caller to publish."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from eventsourcing.domain import Aggregate

from domain.conferencing.cid import same_cid
from domain.conferencing.cid_index import ConferenceId
from domain.conferencing.conference import Conference
from domain.conferencing.due_actions import START, STOP, due_actions
from domain.conferencing.schedule import NONE
from domain.shared.application import QuorumStore, find, with_retries
from domain.shared.clock import now
from domain.shared.errors import Conflict, NotFound


def new_session_id() -> str:
    """16 hex digits, like the guide's `0000003e507a6b34` (FEATURES ID-08)."""
    return secrets.token_hex(8)


@dataclass(frozen=True)
class RunRecord:
    """An aggregate saved with a start or an end, and the outcome to publish after."""

    aggregate: Aggregate
    outcome: object


class RunRecords(Protocol):
    def opening(self, conference: Conference) -> RunRecord | None:
        """The record of the run `conference` has just started."""
        ...

    def closing(self, session_id: str, cause: str, at: datetime) -> RunRecord | None:
        """The record of run `session_id`, closed; None if it was never opened."""
        ...


class NoRecords:
    """Runs nobody keeps a record of (conferencing used on its own)."""

    def opening(self, conference: Conference) -> RunRecord | None:
        return None

    def closing(self, session_id: str, cause: str, at: datetime) -> RunRecord | None:
        return None


Changed = tuple[str, list[object]]
"""A run's session ID, and the outcomes to publish."""


class ConferenceRuns:
    def __init__(
        self,
        store: QuorumStore,
        records: RunRecords | None = None,
        session_ids: Callable[[], str] = new_session_id,
    ) -> None:
        self.store = store
        self.records: RunRecords = records or NoRecords()
        self.session_ids = session_ids

    def find(self, cid: str) -> Conference | None:
        if not isinstance(cid, str) or not cid:
            return None
        index = find(self.store, ConferenceId.create_id(cid), ConferenceId)
        if index is None or index.conference_id is None:
            return None
        conference = find(self.store, index.conference_id, Conference)
        if conference is None or conference.deleted or not same_cid(conference.cid, cid):
            return None
        return conference

    def get(self, cid: str) -> Conference:
        conference = self.find(cid)
        if conference is None:
            raise NotFound(f"no conference {cid!r}")
        return conference

    def start(self, conference: Conference, cause: str) -> Changed:
        """Start `conference` (as loaded by the caller, who retries on a conflict) and
        open its run's record in the same save."""
        conference.start(self.session_ids(), cause, now())
        assert conference.session_id is not None
        record = self.records.opening(conference)
        self.store.save(conference, *_aggregates([record]))
        return conference.session_id, _outcomes([record])

    def stop(self, cid: str, cause: str) -> Changed:
        """End the run and close its record in the same save."""

        def attempt() -> Changed:
            conference = self.get(cid)
            at = now()
            session_id = conference.end(cause, at)
            record = self.records.closing(session_id, cause, at)
            self.store.save(conference, *_aggregates([record]))
            return session_id, _outcomes([record])

        return with_retries(attempt)

    def stop_empty_room(self, cid: str, session_id: str) -> list[object]:
        """A virtual room ends when its last participant leaves; a scheduled
        conference runs to its end time."""
        conference = self.find(cid)
        if (
            conference is not None
            and conference.session_id == session_id
            and conference.schedule["type"] == NONE
        ):
            try:
                return self.stop(conference.cid, "empty")[1]
            except Conflict:
                pass  # stopped meanwhile
        return []

    def follow_schedule(self, cid: str) -> tuple[list[str], list[object]]:
        """Start or stop the conference as its schedule says (`due_actions.due_actions`),
        with cause "schedule": what it did, and the outcomes (ends before starts)."""

        def attempt() -> tuple[list[str], list[object]]:
            conference = self.get(cid)
            at = now()
            done = due_actions(conference, at)
            opened: list[RunRecord | None] = []
            closed: list[RunRecord | None] = []
            for action in done:
                if action == START:
                    conference.start(self.session_ids(), "schedule", at)
                    opened.append(self.records.opening(conference))
                elif action == STOP:
                    session_id = conference.end("schedule", at)
                    closed.append(self.records.closing(session_id, "schedule", at))
            if done:
                self.store.save(conference, *_aggregates([*closed, *opened]))
            return done, _outcomes([*closed, *opened])

        return with_retries(attempt)


def _aggregates(records: list[RunRecord | None]) -> list[Aggregate]:
    """Each aggregate once (a run opened and closed in one batch is one aggregate)."""
    unique = {id(r.aggregate): r.aggregate for r in records if r is not None}
    return list(unique.values())


def _outcomes(records: list[RunRecord | None]) -> list[object]:
    return [r.outcome for r in records if r is not None]
