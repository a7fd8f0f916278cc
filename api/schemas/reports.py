"""Report replies (API.md 'Reports', guide §16): each report's row, its page `{cnt, list}`,
and what a deletion removed.

Rows are the columns the report routes send (projections/*: `query`); times are ISO 8601
strings in the viewer's time zone (their preferences, or the `timezone` parameter),
RPT-01. Rows stay open to extra keys, like every `Reply`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, WithJsonSchema

from api.schemas.common import Reply

Time = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
"""ISO 8601 with the offset: report times are in the viewer's time zone."""


class Deleted(Reply):
    """How many rows a deletion removed (and, per report, what it cascaded to)."""

    deleted: int


class CallsDeleted(Deleted):
    """Sessions deleted from Call History, and their chat messages (SES-10)."""

    chat_messages_deleted: int = Field(description="Chat messages deleted with them.")


class ConnectionsDeleted(Deleted):
    """Connection logs deleted from the Endpoints report (EP-04)."""

    before: Time = Field(description="The cutoff (UTC): logs older than this went.")


# -- Events (§16.1) ---------------------------------------------------------------------


class EventRow(Reply):
    """One row of the Events report (§16.1, EVT-02/03)."""

    date: Time = Field(description="When it happened.")
    event: str = Field(description="Event type (§16.1.1), e.g. `login`, `delete_events`.")
    source: Literal["user", "server", "admin"] = Field(description="Who caused it.")
    severity: Literal["Low", "Medium", "High"]
    object_name: str = Field(description="The user, server or application it concerns.")
    ip: str | None = Field(description="IP address of the caller, when known.")
    details: dict[str, Any] = Field(
        description="Description: `actor`, `actor_kind`, `application` and the event's own "
        "fields (e.g. `result` 0/1, `login` as entered, `user_id`, `display_name`, "
        "`method`, `rights`, `endpoint_id`, `user_agent`, a deletion's `count`)."
    )


class EventsPage(Reply):
    """One page of Events rows; `cnt`: every row the filters match."""

    cnt: int
    list: list[EventRow]


# -- Configuration Changes (§16.4) ------------------------------------------------------


class ParameterChange(Reply):
    """One changed parameter: its value before and after (null when created/deleted)."""

    parameter: str
    previous: Any
    new: Any


class ConfigChangeRow(Reply):
    """One row of the Configuration Changes report (§16.4, CFG-02/03)."""

    date: Time = Field(description="When the change was made.")
    action: str = Field(description="e.g. `create`, `edit`, `delete`.")
    object_type: str = Field(description="e.g. `user`, `group`, `conference`, `server_settings`.")
    object_id: str = Field(description="Which object (user ID, CID, settings section, …).")
    username: str = Field(description="Who made it (`anonymous` when nobody signed in).")
    changes: list[ParameterChange] = Field(description="Changes in: each parameter changed.")


class ConfigChangesPage(Reply):
    """One page of Configuration Changes rows; `cnt`: every row the filters match."""

    cnt: int
    list: list[ConfigChangeRow]


# -- Endpoints (§16.6) ------------------------------------------------------------------


class Endpoint(Reply):
    """One row of the Endpoints report (§16.6, EP-01, SES-09): a client connection."""

    date: Time = Field(description="When it connected.")
    endpoint_id: str = Field(description="32 hex digits.")
    user_id: str = Field(description="Logged user.")
    app_name: str | None = Field(description="Application, as the client reports it.")
    app_version: str | None
    os: str | None
    ip: str | None = Field(description="IP address it connected from.")
    local_ips: list[str] = Field(description="Its local IP addresses.")
    devices: list[str] = Field(description="Audio and video capture/render devices.")
    gateway: str = Field(description="The gateway process holding its socket.")
    disconnected_at: Time | None = Field(description="When it left; null while connected.")
    cause: str | None = Field(
        description="Why it left (`logout`, `closed`, `timeout`, `admin`, …); null while connected."
    )


class EndpointsPage(Reply):
    """One page of Endpoints rows; `cnt`: every row the filters match."""

    cnt: int
    list: list[Endpoint]


# -- Call History (§16.2) ---------------------------------------------------------------


class Call(Reply):
    """One row of the Call History report (§16.2, SES-02/04): a session, a point-to-point
    call ("Video call") or a conference's."""

    date: Time = Field(description="Start.")
    session_id: str
    kind: Literal["call", "conference"]
    owner: str = Field(description="The caller, or the conference's owner.")
    callee: str | None = Field(description="Who was called (point-to-point calls only).")
    mode: str = Field(description='"Video call", or the conference\'s mode.')
    cid: str | None = Field(description="The conference's ID (null for a call).")
    topic: str | None
    participants: int = Field(description="Distinct participants who joined (SES-03).")
    outcome: str | None = Field(
        description="`completed`, `cancelled`, `missed` or `rejected`; null while running."
    )
    end_time: Time | None = Field(description="End; null while running.")
    duration: int | None = Field(description="Seconds; null while running.")
    end_cause: str | None = Field(description="Cause of ending; null while running.")
    recorded: bool = Field(description="It has a server-side recording (kept on deletion).")


class CallsPage(Reply):
    """One page of Call History rows; `cnt`: every row the filters match."""

    cnt: int
    list: list[Call]


class UserCall(Call):
    """A session of the user's own call history (§13.2.2)."""

    type: Literal["incoming", "outgoing", "missed", "conference"]


class UserCallsPage(Reply):
    """One page of the user's calls, newest first; `cnt`: all of them."""

    cnt: int
    list: list[UserCall]


class SessionParticipant(Reply):
    """One row of a session's Participant List (§16.2.2, SES-05): one connection."""

    date: Time = Field(description="When the connection arrived.")
    session_id: str
    user_id: str
    display_name: str
    kind: str = Field(description="`user`, `guest`, …")
    joined_at: Time | None = Field(
        description="When it entered (later if admitted from the waiting room; null if never)."
    )
    left_at: Time | None = Field(description="Null while connected.")
    duration: int | None = Field(description="Seconds in the session; null while connected.")
    disconnect_cause: str | None = Field(description='e.g. "Hung up", "Conference ended".')
    endpoint_id: str | None


class ParticipantsPage(Reply):
    """One page of a session's Participant List; `cnt`: every row the filters match."""

    cnt: int
    list: list[SessionParticipant]


class SessionInvite(Reply):
    """One row of a session's Invite List (§16.2.2, SES-06): a call into the session."""

    date: Time
    session_id: str
    inviter: str = Field(description="The server's name for its calls at the start, else who.")
    recipient: str
    accepted: bool = Field(description="The recipient joined after this call.")


class InvitesPage(Reply):
    """One page of a session's Invite List; `cnt`: every row the filters match."""

    cnt: int
    list: list[SessionInvite]


class SessionFile(Reply):
    """One row of a session's File List (§16.2.2, SES-07): a file sent to its chat."""

    date: Time
    message_id: str
    session_id: str
    sender: str
    file_id: str = Field(description="Downloads at `GET files/{file_id}` until deleted.")
    name: str
    size: int = Field(description="Bytes.")
    size_mb: float
    deleted_at: Time | None = Field(description="When an admin deleted the file.")


class FilesPage(Reply):
    """One page of a session's File List; `cnt`: every row the filters match."""

    cnt: int
    list: list[SessionFile]


# -- Chat Messages (§16.3) --------------------------------------------------------------


class ChatMessageRow(Reply):
    """One row of the Chat Messages report (§16.3, CHR-02)."""

    date: Time
    message_id: str
    sender: str
    recipient: str = Field(description="A user ID, or the group chat of a conference.")
    message: str
    session_id: str | None = Field(description="The session of a group chat message.")
    file_id: str | None = Field(description="A file sent with the message.")
    file_name: str | None
    file_size: int | None = Field(description="Bytes.")
    delivered_at: Time | None = Field(description="Null until delivered.")


class ChatPage(Reply):
    """One page of Chat Messages rows; `cnt`: every row the filters match."""

    cnt: int
    list: list[ChatMessageRow]


# -- Conference Recordings (§16.5) ------------------------------------------------------


class RecordingRow(Reply):
    """One row of the Conference Recordings report (§16.5, RECR-01): a finished recording."""

    recording_id: str
    conference_name: str = Field(description='"(no title)" for a point-to-point call.')
    session_id: str
    date: Time = Field(description="Start.")
    duration: int = Field(description="Seconds.")
    owner: str
    conference_id: str
    size_mb: float
    size: int = Field(description="Bytes.")
    file_format: str = Field(description="`webm`, `mp4`, `mkv`.")


class RecordingsPage(Reply):
    """One page of Conference Recordings rows; `cnt`: every row the filters match."""

    cnt: int
    list: list[RecordingRow]


class OwnRecording(RecordingRow):
    """A recording in its owner's personal area (§9.6)."""

    downloadable: bool = Field(description="The owner may download it (REC-05).")


class OwnRecordingsPage(Reply):
    """One page of the user's recordings; `cnt`: every one the filters match."""

    cnt: int
    list: list[OwnRecording]
