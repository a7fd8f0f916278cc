"""Conferences and templates as the API lists and shows them (guide §14.1, §14.2, §14.5)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, case, func, or_
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, select

from domain.conferencing.conference import RUNNING, STOPPED, Conference
from domain.conferencing.template import ConferenceTemplate
from projections.engine import on
from projections.sql import SqlProjection


class ConferenceRow(SQLModel, table=True):
    __tablename__ = "conferences"
    aggregate_id: str = Field(primary_key=True)
    cid: str = Field(index=True, unique=True)
    """The conference ID in lower case (IDs are unique without regard to case)."""
    shown_cid: str
    topic: str = Field(index=True)
    owner: str = Field(index=True)
    access: str
    mode: str
    version: int = 1
    """The aggregate's version (the ETag an edit may send back in If-Match)."""
    state: str = STOPPED
    session_id: str | None = None
    locked: bool = False
    created_at: datetime
    last_started_at: datetime | None = None
    last_ended_at: datetime | None = None
    parameters: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    registrants: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))


class TemplateRow(SQLModel, table=True):
    __tablename__ = "conference_templates"
    template_id: str = Field(primary_key=True)
    created_at: datetime
    parameters: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))


class ConferencesView(SqlProjection):
    name = "conferences"
    tables = (ConferenceRow, TemplateRow)

    def _s(self) -> Session:
        assert self.session is not None, "handlers run inside apply()"
        return self.session

    def _row(self, event: Any) -> ConferenceRow | None:
        return self._s().get(ConferenceRow, str(event.originator_id))

    def _update(self, event: Any, **values: Any) -> None:
        row = self._row(event)
        if row is not None:
            for name, value in values.items():
                setattr(row, name, value)
            row.version = event.originator_version
            self._s().add(row)

    @on(Conference.Created)
    def created(self, seq: int, event: Any) -> None:
        p = event.parameters
        self._s().merge(
            ConferenceRow(
                aggregate_id=str(event.originator_id),
                cid=event.cid.lower(),
                shown_cid=event.cid,
                topic=p.get("topic", ""),
                owner=p.get("owner", ""),
                access=p.get("access", "private"),
                mode=p.get("mode", ""),
                created_at=event.timestamp,
                version=event.originator_version,
                parameters=dict(p),
            )
        )

    @on(Conference.Edited)
    def edited(self, seq: int, event: Any) -> None:
        row = self._row(event)
        if row is None:
            return
        parameters = {**row.parameters, **{c["parameter"]: c["new"] for c in event.changes}}
        self._update(
            event,
            parameters=parameters,
            topic=parameters.get("topic", row.topic),
            owner=parameters.get("owner", row.owner),
            mode=parameters.get("mode", row.mode),
        )

    @on(Conference.CidChanged)
    def cid_changed(self, seq: int, event: Any) -> None:
        self._update(event, cid=event.new.lower(), shown_cid=event.new)

    @on(Conference.PinChanged)
    def pin_changed(self, seq: int, event: Any) -> None:
        self._set_parameter(event, "pin", event.new)

    @on(Conference.LayoutChanged)
    def layout_changed(self, seq: int, event: Any) -> None:
        self._set_parameter(event, "layout", event.new)

    @on(Conference.LockChanged)
    def lock_changed(self, seq: int, event: Any) -> None:
        self._update(event, locked=event.locked)

    @on(Conference.InvitationsAdded)
    def invitations_added(self, seq: int, event: Any) -> None:
        row = self._row(event)
        if row is not None:
            invitations = [*row.parameters.get("invitations", []), *event.invitations]
            self._set_parameter(event, "invitations", invitations)

    @on(Conference.InvitationRemoved)
    def invitation_removed(self, seq: int, event: Any) -> None:
        row = self._row(event)
        if row is not None:
            kept = [
                i
                for i in row.parameters.get("invitations", [])
                if i.get("id") != event.invitation_id
            ]
            self._set_parameter(event, "invitations", kept)

    @on(Conference.Registered)
    def registered(self, seq: int, event: Any) -> None:
        row = self._row(event)
        if row is not None:
            invitations = [*row.parameters.get("invitations", []), event.invitation]
            self._update(
                event,
                parameters={**row.parameters, "invitations": invitations},
                registrants=[*row.registrants, event.registrant],
            )

    @on(Conference.SessionStarted)
    def session_started(self, seq: int, event: Any) -> None:
        self._update(
            event,
            state=RUNNING,
            session_id=event.session_id,
            locked=False,
            last_started_at=event.at,
        )

    @on(Conference.SessionEnded)
    def session_ended(self, seq: int, event: Any) -> None:
        self._update(event, state=STOPPED, session_id=None, locked=False, last_ended_at=event.at)

    @on(Conference.Deleted)
    def deleted(self, seq: int, event: Any) -> None:
        row = self._row(event)
        if row is not None:
            self._s().delete(row)

    def _set_parameter(self, event: Any, name: str, value: Any) -> None:
        row = self._row(event)
        if row is not None:
            self._update(event, parameters={**row.parameters, name: value})

    # -- templates ---------------------------------------------------------------------

    @on(ConferenceTemplate.Created)
    def template_created(self, seq: int, event: Any) -> None:
        self._s().merge(
            TemplateRow(
                template_id=str(event.originator_id),
                created_at=event.timestamp,
                parameters=dict(event.parameters),
            )
        )

    @on(ConferenceTemplate.Edited)
    def template_edited(self, seq: int, event: Any) -> None:
        row = self._s().get(TemplateRow, str(event.originator_id))
        if row is not None:
            row.parameters = {**row.parameters, **{c["parameter"]: c["new"] for c in event.changes}}
            self._s().add(row)

    @on(ConferenceTemplate.Deleted)
    def template_deleted(self, seq: int, event: Any) -> None:
        row = self._s().get(TemplateRow, str(event.originator_id))
        if row is not None:
            self._s().delete(row)


# -- queries -------------------------------------------------------------------------------

SORTABLE = ("topic", "owner", "created_at", "mode", "access", "cid")


def details(row: ConferenceRow) -> dict[str, Any]:
    """The API's conference object (API.md), as `Conference.details()` shapes it."""
    return {
        "id": row.shown_cid,
        **row.parameters,
        "state": row.state,
        "session_id": row.session_id,
        "locked": row.locked,
        "created_at": int(row.created_at.timestamp()),
    }


def list_conferences(
    engine: Engine,
    filters: dict[str, str | None],
    page: int,
    page_size: int,
    sort_field: str = "created_at",
    descending: bool = True,
) -> tuple[int, list[ConferenceRow]]:
    """§14.1: filters by topic or ID, owner, participant, mode, access, state; ongoing
    conferences always first."""
    query = select(ConferenceRow)
    if filters.get("topic"):
        pattern = f"%{filters['topic']}%"
        query = query.where(
            or_(col(ConferenceRow.topic).ilike(pattern), col(ConferenceRow.cid).ilike(pattern))
        )
    for name in ("owner", "mode", "access", "state"):
        if filters.get(name):
            query = query.where(getattr(ConferenceRow, name) == filters[name])
    with Session(engine) as session:
        # `visible_to`: a user's own list (owner or invited), whatever else is asked.
        for who in (filters.get("participant"), filters.get("visible_to")):
            if who:
                # Invitations live in a JSON column: match them here, then page in SQL.
                keep = [r.aggregate_id for r in session.exec(query) if is_party(r, who)]
                query = query.where(col(ConferenceRow.aggregate_id).in_(keep))
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        ongoing_first = case((col(ConferenceRow.state) == RUNNING, 0), else_=1)
        column = col(getattr(ConferenceRow, sort_field))
        ordered = query.order_by(ongoing_first, column.desc() if descending else column.asc())
        page_rows = session.exec(ordered.offset((page - 1) * page_size).limit(page_size)).all()
        return int(total), list(page_rows)


def is_party(row: ConferenceRow, participant: str) -> bool:
    """The owner, or invited."""
    wanted = participant.lower()
    return row.owner.lower() == wanted or any(
        str(i.get("id", "")).lower() == wanted for i in row.parameters.get("invitations", [])
    )


def get_conference(engine: Engine, cid: str) -> ConferenceRow | None:
    with Session(engine) as session:
        return session.exec(select(ConferenceRow).where(ConferenceRow.cid == cid.lower())).first()


def scheduled(engine: Engine) -> list[ConferenceRow]:
    """Conferences with a schedule, or running: what the scheduler looks at."""
    with Session(engine) as session:
        return [
            r
            for r in session.exec(select(ConferenceRow)).all()
            if r.state == RUNNING or (r.parameters.get("schedule") or {}).get("type") != "none"
        ]


def running_conferences(engine: Engine) -> list[ConferenceRow]:
    with Session(engine) as session:
        return list(session.exec(select(ConferenceRow).where(ConferenceRow.state == RUNNING)).all())


def all_conferences(engine: Engine) -> list[ConferenceRow]:
    with Session(engine) as session:
        return list(session.exec(select(ConferenceRow)).all())


def list_templates(engine: Engine) -> list[TemplateRow]:
    with Session(engine) as session:
        return list(session.exec(select(TemplateRow).order_by(col(TemplateRow.created_at))).all())


def get_template(engine: Engine, template_id: str) -> TemplateRow | None:
    with Session(engine) as session:
        return session.get(TemplateRow, template_id)
