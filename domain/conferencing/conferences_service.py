"""Use cases on conferences (guide §3.4, §14.1-§14.4, §14.7.1): create, read, edit,
change the CID, PIN, lock and layout, invite, run and stop sessions, register for a
webinar, follow the schedule, delete. Every input is checked before any event is
triggered, so a refused command appends nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.conferencing.auto_delete import AutoDeletion, deletable
from domain.conferencing.checks import boolean, one_of
from domain.conferencing.cid import check_cid, generate_cid, same_cid
from domain.conferencing.cid_index import ConferenceId
from domain.conferencing.conference import (
    DELETE_CAUSES,
    END_CAUSES,
    START_CAUSES,
    Change,
    Conference,
)
from domain.conferencing.invitations import check_invitations, headcount
from domain.conferencing.parameters import PUBLIC, ConferenceFields, check_parameters
from domain.conferencing.pin import generate_pin
from domain.conferencing.registration import capacity, check_answers, is_open, new_registrant
from domain.conferencing.runs import ConferenceRuns
from domain.shared.application import QuorumStore, find, with_retries
from domain.shared.bus import Publish, ignore
from domain.shared.clock import now
from domain.shared.errors import (
    AlreadyExists,
    Conflict,
    FieldProblem,
    InvalidInput,
    NotFound,
    invalid,
)

GENERATION_ATTEMPTS = 20


class ConferencesService:
    def __init__(
        self,
        store: QuorumStore,
        *,
        public_conferences_allowed: Callable[[], bool] = lambda: True,
        extension_enabled: Callable[[str], bool] = lambda name: True,
        user_exists: Callable[[str], bool] = lambda user_id: True,
        cid_generator: Callable[[], str] = generate_cid,
        pin_generator: Callable[[], str] = generate_pin,
        runs: ConferenceRuns | None = None,
        publish: Publish = ignore,
    ) -> None:
        self.store = store
        self.public_conferences_allowed = public_conferences_allowed
        """The licence's Public Web Conferences extension (§3.2, EXT-09)."""
        self.extension_enabled = extension_enabled
        """The licence's other extensions (simultaneous interpretation, §5)."""
        self.user_exists = user_exists
        """Whether an owner's user ID names an account."""
        self.cid_generator = cid_generator
        self.pin_generator = pin_generator
        self.runs = runs or ConferenceRuns(store)
        """Starts and ends, with the record the sessions context keeps of each run."""
        self.publish = publish
        """Reports what follows a start or an end (`runs.RunRecord.outcome`)."""

    # -- reading ----------------------------------------------------------------------

    def find(self, cid: str) -> Conference | None:
        return self.runs.find(cid)

    def get(self, cid: str) -> Conference:
        return self.runs.get(cid)

    # -- creating and editing ---------------------------------------------------------

    def create(self, fields: ConferenceFields) -> Conference:
        """`id` is the custom CID (generated if absent)."""
        fields = fields.copy()
        custom, problems = _custom_cid(fields.pop("id", None))
        try:
            parameters = check_parameters(fields, generate=self.pin_generator)
        except InvalidInput as e:
            raise InvalidInput.of(problems + e.problems) from None
        if problems:
            raise InvalidInput.of(problems)
        self.check_owner(parameters["owner"])
        if parameters["access"] == PUBLIC and not self.public_conferences_allowed():
            raise invalid(
                "access",
                "public conferences need the Public Web Conferences extension (§3.2)",
                reason="licenceUnavailable",
            )
        if parameters.get("interpretation") is not None and not self.extension_enabled(
            "interpretation"
        ):
            raise invalid(
                "interpretation",
                "simultaneous interpretation needs a paid licence (§4.5, §5)",
                reason="licenceUnavailable",
            )

        def attempt() -> Conference:
            cid = custom or self._free_cid()
            conference = Conference(cid=cid, parameters=parameters)
            index = self._claim(cid, conference)
            self.store.save(conference, index)
            return conference

        return with_retries(attempt)

    def edit(
        self, cid: str, fields: ConferenceFields, expected_version: int | None = None
    ) -> tuple[Conference, list[Change]]:
        """A partial update; refused while running (Conflict) or when `expected_version`
        is given and stale (Conflict). `id` in `fields` changes the CID. The changes
        come back as {parameter, previous, new}, an `id` change first."""
        fields = fields.copy()
        new_cid, problems = _custom_cid(fields.pop("id", None))
        if problems:
            raise InvalidInput.of(problems)

        def attempt() -> tuple[Conference, list[Change]]:
            conference = self.get(cid)
            _expect(conference, expected_version)
            conference.ensure_editable()
            parameters = check_parameters(
                fields,
                current=conference.parameters,
                read_only=conference.read_only(),
                registrant_ids=conference.registrant_ids,
                generate=self.pin_generator,
            )
            if parameters["owner"] != conference.owner:
                self.check_owner(parameters["owner"])
            previous_cid = conference.cid
            indexes = self._move_cid(conference, new_cid) if new_cid else []
            changes = conference.edit(parameters)
            if indexes:
                changes = [{"parameter": "id", "previous": previous_cid, "new": new_cid}, *changes]
            if changes:
                self.store.save(conference, *indexes)
            return conference, changes

        return with_retries(attempt, retry=expected_version is None)

    def change_cid(self, cid: str, new_cid: str) -> Conference:
        """Before the start or while running (§3.4): the old CID is released and can be
        taken again."""
        checked = check_cid(new_cid)

        def attempt() -> Conference:
            conference = self.get(cid)
            indexes = self._move_cid(conference, checked)
            if indexes:
                self.store.save(conference, *indexes)
            return conference

        return with_retries(attempt)

    # -- live management (§14.3.1) ----------------------------------------------------

    def set_pin(self, cid: str, pin: str | bool | None) -> Conference:
        """A PIN of digits, None (or False) to remove it, True to require one (keeping
        the current PIN, else generating one)."""
        return self._change(cid, lambda c: c.set_pin(self._checked(c, {"pin": pin})["pin"]))

    def generate_pin(self, cid: str) -> str:
        """A new PIN (the guide's refresh button)."""

        def change(conference: Conference) -> bool:
            pin = self.pin_generator()
            for _ in range(GENERATION_ATTEMPTS):
                if pin != conference.pin:
                    break
                pin = self.pin_generator()
            return conference.set_pin(self._checked(conference, {"pin": pin})["pin"])

        pin = self._change(cid, change).pin
        assert pin is not None
        return pin

    def set_lock(self, cid: str, locked: bool) -> Conference:
        """Only while running; the lock is lifted when the session ends (§14.3.1)."""
        value = boolean(locked, "locked")  # a frame's value, checked after the moderator's
        return self._change(cid, lambda c: c.set_lock(value))

    def set_layout(self, cid: str, layout: dict[str, Any] | None) -> Conference:
        """Stopped or running (§14.3, LIVE-08)."""
        return self._change(
            cid, lambda c: c.set_layout(self._checked(c, {"layout": layout})["layout"])
        )

    def invite(self, cid: str, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Add participants, stopped or running (§14.3.1 item 4). E-mail invitations
        cannot be sent while the conference is locked (§14.3.1 item 6)."""
        added: list[dict[str, Any]] = []

        def change(conference: Conference) -> bool:
            new = check_invitations(entries, public=conference.is_public, owner=conference.owner)
            invited = {i["id"].lower() for i in conference.invitations}
            for i, invitation in enumerate(new):
                if invitation["id"].lower() in invited:
                    raise AlreadyExists(
                        f"{invitation['id']} is already invited",
                        [
                            FieldProblem(
                                f"invitations.{i}.id",
                                "uniqueValueAlreadyInUse",
                                "is already invited",
                            )
                        ],
                    )
            if conference.locked and any("email" in i for i in new):
                raise Conflict(
                    "the conference is locked: e-mail invitations cannot be sent (§14.3.1)",
                    [FieldProblem("invitations", "conflict", "the conference is locked")],
                )
            self._checked(conference, {"invitations": [*conference.invitations, *new]})
            conference.add_invitations(new)
            added[:] = new
            return bool(new)

        self._change(cid, change)
        return added

    def uninvite(self, cid: str, invitation_id: str) -> None:
        def change(conference: Conference) -> bool:
            if not any(i["id"] == invitation_id for i in conference.invitations):
                raise NotFound(f"{invitation_id!r} is not invited to {conference.cid}")
            remaining = [i for i in conference.invitations if i["id"] != invitation_id]
            self._checked(conference, {"invitations": remaining})
            conference.remove_invitation(invitation_id)
            return True

        self._change(cid, change)

    # -- sessions ---------------------------------------------------------------------

    def run(self, cid: str, cause: str = "admin") -> str:
        """Start a session; returns its ID (16 hex digits, new at every start)."""
        one_of(cause, "cause", START_CAUSES)
        return with_retries(lambda: self.start_session(self.get(cid), cause))

    def start_session(self, conference: Conference, cause: str) -> str:
        """Start `conference` (as loaded by the caller, who retries on a conflict) and
        open its session in the same save; returns the session ID."""
        session_id, outcomes = self.runs.start(conference, cause)
        self._publish(outcomes)
        return session_id

    def stop(self, cid: str, cause: str = "admin") -> str:
        """End the session; returns its ID. The lock is lifted (§14.3.1)."""
        one_of(cause, "cause", END_CAUSES)
        session_id, outcomes = self.runs.stop(cid, cause)
        self._publish(outcomes)
        return session_id

    def follow_schedule(self, cid: str) -> list[str]:
        """What the scheduler calls: start or stop the conference as its schedule says
        (`due_actions.due_actions`), with cause "schedule"; returns what it did."""
        done, outcomes = self.runs.follow_schedule(cid)
        self._publish(outcomes)
        return done

    # -- webinar registration (§14.4.8) -----------------------------------------------

    def register(self, cid: str, form: dict[str, str]) -> dict[str, Any]:
        """Register a guest for a webinar; returns the registrant {id (#guest2:…),
        display_name, email, answers}, who is added to the invitations."""
        registered: list[dict[str, Any]] = []

        def change(conference: Conference) -> bool:
            registration = conference.registration
            if registration is None or not registration["enabled"]:
                raise _registration_refused(conference, "registration is not enabled")
            if not is_open(registration, conference.schedule, now()):
                raise _registration_refused(conference, "registration is closed")
            limit = capacity(registration, conference.parameters["max_participants"])
            full = min(
                limit or conference.parameters["max_participants"],
                conference.parameters["max_participants"],
            )
            if headcount(conference.owner, conference.invitations) >= full:
                raise _registration_refused(conference, "the webinar is full")
            answers = check_answers(registration["fields"], form)
            address = answers.get("email")
            if address and any(
                (r.get("email") or "").lower() == address.lower() for r in conference.registrants
            ):
                raise AlreadyExists(
                    f"{address} is already registered",
                    [FieldProblem("email", "uniqueValueAlreadyInUse", "is already registered")],
                )
            registrant = new_registrant(answers)
            conference.register(registrant)
            registered[:] = [registrant]
            return True

        self._change(cid, change)
        return registered[0]

    # -- deleting ---------------------------------------------------------------------

    def delete(self, cid: str, cause: str = "admin") -> None:
        """Not while running (§14.1). Its CID is released for reuse."""
        one_of(cause, "cause", DELETE_CAUSES)

        def attempt() -> None:
            conference = self.get(cid)
            conference.delete(cause)
            self.store.save(conference, *self._release(conference))

        with_retries(attempt)

    def auto_delete(self, cid: str, settings: AutoDeletion) -> bool:
        """The hourly sweep's step for one candidate (from the read model): deletes it
        if `auto_delete.deletable` still holds on the current state."""

        def attempt() -> bool:
            conference = self.find(cid)
            if conference is None or not deletable(conference, settings, now()):
                return False
            conference.delete("auto")
            self.store.save(conference, *self._release(conference))
            return True

        return with_retries(attempt)

    # -- helpers ----------------------------------------------------------------------

    def _publish(self, outcomes: list[object]) -> None:
        for outcome in outcomes:
            self.publish(outcome)

    def _change(self, cid: str, change: Callable[[Conference], bool]) -> Conference:
        def attempt() -> Conference:
            conference = self.get(cid)
            if change(conference):
                self.store.save(conference)
            return conference

        return with_retries(attempt)

    def _checked(self, conference: Conference, change: ConferenceFields) -> dict[str, Any]:
        """The conference's parameters with `change` (one of them), checked against the
        rest of the conference."""
        return check_parameters(
            change,
            current=conference.parameters,
            registrant_ids=conference.registrant_ids,
            generate=self.pin_generator,
        )

    def check_owner(self, owner: str) -> None:
        if not self.user_exists(owner):
            raise invalid("owner", f"there is no user {owner!r}", reason="notFound")

    def _free_cid(self) -> str:
        for _ in range(GENERATION_ATTEMPTS):
            cid = self.cid_generator()
            index = find(self.store, ConferenceId.create_id(cid), ConferenceId)
            if index is None or not index.taken:
                return cid
        raise Conflict("could not find a free conference ID; try again")

    def _claim(self, cid: str, conference: Conference) -> ConferenceId:
        """The index entry for `cid`, claimed for `conference` (not saved), or
        AlreadyExists if another conference holds it."""
        index = find(self.store, ConferenceId.create_id(cid), ConferenceId)
        if index is None:
            return ConferenceId(cid=cid, conference_id=conference.id)
        if index.taken and index.conference_id != conference.id:
            raise _taken(cid)
        index.claim(cid, conference.id)
        return index

    def _release(self, conference: Conference) -> list[ConferenceId]:
        index = find(self.store, ConferenceId.create_id(conference.cid), ConferenceId)
        if index is None or index.conference_id != conference.id:
            return []
        index.release()
        return [index]

    def _move_cid(self, conference: Conference, new_cid: str) -> list[ConferenceId]:
        """Claim the new CID's entry and release the old one; to be saved together with
        the conference. Refused (AlreadyExists) before anything is triggered."""
        if new_cid == conference.cid:
            return []
        claimed = self._claim(new_cid, conference)  # may raise: nothing triggered yet
        released = [] if same_cid(new_cid, conference.cid) else self._release(conference)
        conference.change_cid(new_cid)
        return [*released, claimed]


def _custom_cid(value: str | None) -> tuple[str | None, list[FieldProblem]]:
    if value is None:
        return None, []
    try:
        return check_cid(value), []
    except InvalidInput as e:
        return None, e.problems


def _expect(conference: Conference, expected_version: int | None) -> None:
    if expected_version is not None and conference.version != expected_version:
        raise Conflict(
            f"conference {conference.cid} is at version {conference.version}, not "
            f"{expected_version}: someone changed it meanwhile",
            [FieldProblem("version", "conflict", "stale version")],
        )


def _taken(cid: str) -> AlreadyExists:
    return AlreadyExists(
        f"the conference ID {cid!r} is taken",
        [FieldProblem("id", "uniqueValueAlreadyInUse", f"{cid} is already in use")],
    )


def _registration_refused(conference: Conference, why: str) -> Conflict:
    return Conflict(
        f"cannot register for {conference.cid}: {why}",
        [FieldProblem("registration", "conflict", why)],
    )
