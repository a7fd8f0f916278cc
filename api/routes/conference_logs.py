"""A conference's past (API.md `conferences/{id}/sessions`, `…/messages`,
`…/recordings`): its sessions from the Call History report, its group-chat messages
from the Chat Messages report and its recordings from the Conference Recordings
report, each `{cnt, list}` with the reports' paging and order.

Administrators see every conference's; a user those of conferences they own or are
invited to (api/visibility.py). Rows belong to the conference by its current ID and
from its creation on: sessions held under an ID it had before a change are not shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from api import visibility
from api.auth import Principal, System, signed_in_with, writing_own
from api.report_routes import FRESHNESS_WAIT, OrderBy, Pages, answer
from api.schemas.reports import CallsPage, ChatPage, RecordingsPage
from domain.messaging.message import group_recipient
from domain.shared.actor import acting_as
from domain.shared.errors import NotFound
from projections.call_history import CALLS_REPORT
from projections.chat_messages import CHAT_REPORT
from projections.conferences import ConferenceRow
from projections.recordings_report import RECORDINGS_REPORT
from projections.report_spec import parse_when

router = APIRouter(prefix="/conferences", tags=["conferences"])


@dataclass
class Period:
    date_from: str | None = None
    date_to: str | None = None

    def since(self, row: ConferenceRow) -> Any:
        return visibility.since_created(row, parse_when("date_from", self.date_from))

    def until(self) -> Any:
        return parse_when("date_to", self.date_to)


Dates = Annotated[Period, Depends()]


def _listed(found: Response | dict[str, Any]) -> dict[str, Any]:
    assert isinstance(found, dict)  # paged: never CSV
    return found


@router.get("/{cid}/sessions", response_model=CallsPage)
def conference_sessions(
    cid: str,
    principal: Annotated[Principal, signed_in_with("conferences.sessions:read")],
    system: System,
    response: Response,
    dates: Dates,
    order: OrderBy,
    paging: Pages,
) -> dict[str, Any]:
    """The conference's sessions, past and running (Call History rows, §16.2)."""
    row = visibility.conference(system, principal, cid)
    filters = {"cid": row.shown_cid, "date_from": dates.since(row), "date_to": dates.until()}
    return _listed(answer(CALLS_REPORT, filters, principal, system, response, order, paging))


@router.get("/{cid}/messages", response_model=ChatPage)
def conference_messages(
    cid: str,
    principal: Annotated[Principal, signed_in_with("conferences.messages:read")],
    system: System,
    response: Response,
    dates: Dates,
    order: OrderBy,
    paging: Pages,
    sender: str | None = None,
) -> dict[str, Any]:
    """The messages of the conference's group chat (Chat Messages rows, §16.3)."""
    row = visibility.conference(system, principal, cid)
    filters = {
        "date_from": dates.since(row),
        "date_to": dates.until(),
        "sender": sender,
        "recipient": group_recipient(row.shown_cid),
    }
    return _listed(answer(CHAT_REPORT, filters, principal, system, response, order, paging))


@router.get("/{cid}/recordings", response_model=RecordingsPage)
def conference_recordings(
    cid: str,
    principal: Annotated[Principal, signed_in_with("conferences.records:read")],
    system: System,
    response: Response,
    dates: Dates,
    order: OrderBy,
    paging: Pages,
) -> dict[str, Any]:
    """The conference's finished recordings (Conference Recordings rows, §16.5)."""
    row = visibility.conference(system, principal, cid)
    filters = {"cid": row.cid, "date_from": dates.since(row), "date_to": dates.until()}
    return _listed(answer(RECORDINGS_REPORT, filters, principal, system, response, order, paging))


@router.delete("/{cid}/recordings/{recording_id}", status_code=204, response_model=None)
def delete_conference_recording(
    cid: str,
    recording_id: str,
    principal: Annotated[Principal, writing_own("conferences.records:write")],
    system: System,
) -> None:
    """Delete one of the conference's recordings and its file (administrators, or the
    conference's owner); an Events row `delete_video_recording`."""
    row = visibility.owned(system, principal, cid)
    recording = system.recordings.get(recording_id)
    ours = recording.conference_id.lower() == row.cid
    if not ours or recording.started_at < visibility.since_created(row, None):
        raise NotFound(f"conference {cid!r} has no recording {recording_id!r}")
    with acting_as(principal.actor):
        system.recordings.delete(recording_id)
    system.fresh("recordings", FRESHNESS_WAIT)
