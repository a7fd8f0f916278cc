"""Conference recordings (guide §16.5, §9.6, §18.9.5): the report, downloads and
deletion for administrators, and each owner's own list.

- `GET logs/recordings`: every administrator, security admins included; no CSV export
  (RECR-04: `/export` or `Accept: text/csv` answer 406).
- `GET logs/recordings/{id}/download`: every administrator. §18.9.5 tells security
  admins to "download or playback a recording file" with the buttons of the report:
  viewing a recording changes nothing, so they may.
- `DELETE logs/recordings/{id}`: full administrators only (`delete_video_recording`).
- `GET users/{user_id}/recordings` and `…/{id}/download`: the owner (or an admin
  reading); owners download unless `forbid_owner_download` (REC-05). Nobody else
  downloads as a user: moderators never (CONF-07).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from api.auth import Principal, Reader, System, Writer, may_read_user, signed_in_with
from api.csv_export import exporting
from api.dependencies.recordings import Recordings
from api.downloads import attachment, spooled
from api.errors import error_response
from api.report_routes import FRESHNESS_WAIT, Given, OrderBy, Pages, answer, filter_parameters
from api.schemas.common import Download
from api.schemas.errors import only
from api.schemas.reports import OwnRecordingsPage, RecordingsPage
from domain.recordings.recording import Recording
from domain.recordings.recordings_service import RecordingsService, RecordingUnavailable
from domain.shared.actor import acting_as
from projections.recordings_report import RECORDINGS_REPORT as RECORDINGS

router = APIRouter(tags=["recordings"])

MEDIA_TYPES = {"webm": "video/webm", "mp4": "video/mp4", "mkv": "video/x-matroska"}
NO_CSV = "the Conference Recordings report cannot be exported to CSV (guide §18.9, RECR-04)"

RecordingQuery = Annotated[Given, Depends(filter_parameters(RECORDINGS))]


def refuse_csv(request: Request) -> None:
    if exporting(request):
        raise HTTPException(406, NO_CSV)


@router.get("/logs/recordings", response_model=RecordingsPage)
@router.get("/logs/recordings/export", response_model=None, responses=only(406))
def recordings_report(
    request: Request,
    principal: Reader,
    system: System,
    response: Response,
    params: RecordingQuery,
    order: OrderBy,
    paging: Pages,
) -> Response | dict[str, Any]:
    """Finished recordings: `date` is the start, `duration` in seconds, `size_mb`
    (and `size` in bytes); filters `date_from`/`date_to` (start), `conference_name`,
    `conference_id` (parts of them, any case); sort by any column."""
    refuse_csv(request)
    return answer(RECORDINGS, params.filters, principal, system, response, order, paging)


@router.get(
    "/logs/recordings/{recording_id}/download",
    response_model=None,
    response_class=Download,
    responses=only(410),
)
def download(recording_id: str, _: Reader, recordings: Recordings) -> Response:
    return _send(recordings, recordings.for_admin(recording_id))


@router.delete("/logs/recordings/{recording_id}", status_code=204, response_model=None)
def delete(recording_id: str, principal: Writer, system: System) -> None:
    """Delete the recording and its file; an Events row `delete_video_recording`."""
    with acting_as(principal.actor):
        system.recordings.delete(recording_id)
    system.fresh("recordings", FRESHNESS_WAIT)


@router.get("/users/{user_id}/recordings", response_model=OwnRecordingsPage)
def owner_recordings(
    user_id: str,
    request: Request,
    principal: Annotated[Principal, signed_in_with("conferences.records:read")],
    system: System,
    response: Response,
    params: RecordingQuery,
    order: OrderBy,
    paging: Pages,
) -> Response | dict[str, Any]:
    """The recordings of the user's conferences and calls (their personal area, §9.6);
    `downloadable` says whether the owner may download them (REC-05)."""
    may_read_user(principal, user_id)
    refuse_csv(request)
    filters = {**params.filters, "owner": user_id.lower()}
    found = answer(RECORDINGS, filters, principal, system, response, order, paging)
    assert isinstance(found, dict)
    downloadable = system.recordings.owner_may_download()
    for row in found["list"]:
        row["downloadable"] = downloadable
    return found


@router.get(
    "/users/{user_id}/recordings/{recording_id}/download",
    response_model=None,
    response_class=Download,
    responses=only(410),
)
def owner_download(
    user_id: str,
    recording_id: str,
    principal: Annotated[Principal, signed_in_with("conferences.records:read")],
    recordings: Recordings,
) -> Response:
    """The owner's download, from their own token, unless the settings forbid it."""
    if principal.role != "user" or principal.name != user_id.lower():
        may_read_user(principal, user_id)  # administrators download from the report
        return _send(recordings, recordings.for_admin(recording_id))
    return _send(recordings, recordings.for_owner(recording_id, principal.name))


def _send(recordings: RecordingsService, recording: Recording) -> Response | JSONResponse:
    try:
        body = spooled(lambda into: recordings.read(recording, into))
    except RecordingUnavailable as e:
        return error_response(410, e.message, e.problems, reason="unavailable")
    name = f"{recording.session_id}-{recording.recording_id}.{recording.file_format}"
    media_type = MEDIA_TYPES.get(recording.file_format or "", "application/octet-stream")
    return attachment(body, name, media_type, recording.size)
