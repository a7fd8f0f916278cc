"""Conferences and their templates (API.md `conferences`, `templates/conferences`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from api.schemas.common import (
    EMAIL,
    Body,
    Listing,
    Reply,
    call_string_pattern,
    omitted,
    one_of,
)
from domain.conferencing import cid, pin
from domain.conferencing.modes import (
    MAX_SPEAKERS,
    MIN_PARTICIPANTS,
    MODES,
    ROLE_BASED,
    participant_cap,
)
from domain.conferencing.parameters import ACCESS_TYPES, MAX_DESCRIPTION, MAX_LOCATION, MAX_TOPIC
from domain.conferencing.schedule import WEEKDAYS
from domain.conferencing.waiting_room import CATEGORIES
from domain.identity import ids


class Conference(Reply):
    """The conference object; its parameters (schedule, waiting room, …) as API.md lists."""

    id: str
    topic: str | None = None
    owner: str | None = None
    description: str | None = None
    access: str | None = None
    mode: str | None = None
    state: str
    session_id: str | None = None
    locked: bool
    created_at: int


class ConferenceList(Reply):
    cnt: int
    conferences: list[Conference]


class Template(Reply):
    id: str
    created_at: int


class TemplateList(Reply):
    cnt: int
    templates: list[Template]


class Alias(Reply):
    alias: str
    call_string: str


class AliasList(Reply):
    cnt: int
    aliases: list[Alias]


class Participants(Listing):
    """Joined and waiting participants; `not_joined`: invitees who have not joined."""

    not_joined: list[Any]


class Called(Reply):
    called: list[Any]


class Registration(Reply):
    """A webinar registration (guide §14.4.8)."""


class Participant(Reply):
    """A participant of the running session: role, devices, podium, …"""


# -- request bodies (domain/conferencing/parameters.py and its checks) ------------------

Name = Annotated[str, Field(max_length=256)]
Weekday = Annotated[str, one_of(WEEKDAYS)]
JoinMethod = Literal["client_apps", "webrtc", "qr_code", "sip_h323"]
Seconds = Annotated[int, Field(ge=0, le=253402300799, description="Unix seconds")]
Pin = (
    Annotated[str, Field(min_length=1, max_length=pin.MAX_LENGTH, pattern=r"^[0-9]+$")]
    | bool
    | None
)
PIN = "digits; true: require one (keeping the current PIN or generating one); null: none"


class Schedule(Body):
    """A virtual room (`none`), one meeting (`once`) or weekly on chosen days (`week`)."""

    type: Literal["none", "once", "week"] = "none"
    start_time: Seconds | None = Field(None, description="required for once and week")
    duration: int | None = Field(None, ge=1, le=604800, description="seconds (once, week)")
    days: list[Annotated[int, Field(ge=0, le=6)] | Weekday] = Field(
        [],
        max_length=7,
        json_schema_extra={"uniqueItems": True},
        description="week: 0 = Sunday … 6, or weekday names",
    )
    time: str | None = Field(
        None, pattern=r"^([01]\d|2[0-3]):([0-5]\d)$", description="week: local HH:MM"
    )
    time_offset: int = Field(0, ge=-720, le=840, description="minutes east of UTC")
    special_time_offset: int = omitted(
        ge=-720, le=840, description="API v4: instead of time_offset; `time` is UTC"
    )


class Invitation(Body):
    """An invitee: `id`, or for an e-mail guest `email` (or both, matching)."""

    model_config = ConfigDict(
        json_schema_extra={"anyOf": [{"required": ["id"]}, {"required": ["email"]}]}
    )

    id: str | None = Field(
        None,
        max_length=256,
        pattern=call_string_pattern("#guest2:"),
        description="user, user@server, #sip:…, #h323:…, #tel:…, #rtsp:…, `\\c\\CID` or "
        "#mailto:address (public conferences)",
    )
    display_name: Name | None = None
    is_moderator: bool = False
    email: str | None = Field(
        None, pattern=EMAIL, description="an e-mail guest (public conferences only)"
    )


class Multicast(Body):
    enabled: bool = False
    address: str = Field(
        "224.0.1.224:4000-6000",
        pattern=r"^(\d{1,3}\.){3}\d{1,3}:\d{1,5}(-\d{1,5})?$",
        description="a multicast IPv4 address (224.0.0.0/4) with a port or a port range",
    )


class MediaLimits(Body):
    resolution: Literal["360p", "480p", "720p", "1080p"] = "720p"
    fps: int = Field(30, ge=1, le=60)
    content_fps: int = Field(30, ge=1, le=60)


class Interpreter(Body):
    user_id: Name
    from_: str = Field(alias="from", description="one of the conference's languages")
    to: str = Field(description="another of its languages")


class Interpretation(Body):
    """Only at creation, in mode `S|L` (§14.4.3)."""

    languages: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        json_schema_extra={"uniqueItems": True}, min_length=2, max_length=32
    )
    interpreters: list[Interpreter] = Field([], max_length=256)
    source_volume: int = Field(30, ge=0, le=100)


class Window(Body):
    type: Literal["fixed", "random", "time_based_shuffling", "active_speaker", "content"]
    participant_id: Name | None = Field(None, description="a fixed window's participant")
    priority: bool = Field(False, description="the enlarged window (at most one)")


class Layout(Body):
    scope: Literal["common", "individual", "sip_webrtc"] = "common"
    participant_id: Name | None = Field(None, description="an individual layout's participant")
    windows: list[Window] = Field(min_length=1, max_length=49)
    name_position: Literal["top", "bottom", "none"] = "bottom"
    forbid_changes: bool = False
    auto_fill: bool = False


class Shuffling(Body):
    order: Literal["asc", "desc"] = "asc"
    type: Literal["replace", "move"] = "replace"
    interval: int = Field(30, ge=1, le=3600, description="seconds")


class Layouts(Body):
    layouts: list[Layout] = Field([], max_length=1602)
    shuffling: Shuffling | None = None


class FormField(Body):
    index: int = Field(ge=0, le=99)
    is_required: bool = False


class RegistrationSettings(Body):
    """Webinar registration (§14.4.8); its form (`fields`) is set at creation."""

    enabled: bool = False
    close: Literal["without_limitation", "at_start", "at_end", "custom"] = "at_end"
    start_at: Seconds | None = Field(None, description="close custom: opens")
    end_at: Seconds | None = Field(None, description="close custom: closes")
    participants_limit: int | None = Field(None, ge=1, le=1600)
    participants_limit_enabled: bool = False
    allow_users_access: bool = False
    fields: dict[str, FormField] = Field(
        {
            "display_name": FormField(index=0, is_required=True),
            "email": FormField(index=1, is_required=True),
        },
        min_length=1,
        description="display_name (or name), email, company, job_position, phone, and up "
        "to 10 custom fields",
    )


class GuestPermissions(Body):
    send_messages: bool = True
    send_audio: bool = True
    send_video: bool = True


class ConferenceFields(Body):
    """A conference's parameters (§14.4): as `POST conferences` takes them."""

    topic: str = Field(max_length=MAX_TOPIC, pattern=r"\S", description="not blank")
    owner: str = Field(
        max_length=ids.MAX_LENGTH,
        pattern=r"^[A-Za-z0-9_.\-]+$",
        description="a user ID; a user creating a conference may omit it (it is theirs)",
    )
    description: str | None = Field("", max_length=MAX_DESCRIPTION)
    location: str | None = Field("", max_length=MAX_LOCATION)
    access: str = one_of(ACCESS_TYPES, "private", description="fixed at creation")
    mode: str = omitted(
        enum=MODES,
        description="all on screen, smart meeting, moderated role-based, video lecture; "
        "default: S|L with interpretation, else S|L Auto",
    )
    max_podiums: int = omitted(
        ge=1,
        le=MAX_SPEAKERS,
        description="speakers (S|L, S|L Auto; at most max_participants); default 6",
    )
    max_participants: int = omitted(
        ge=MIN_PARTICIPANTS,
        le=participant_cap(ROLE_BASED, True),
        description="default: the mode's cap (1500 in S|L and S|L Auto, 1600 with UDP "
        "Multicast; 49 in PxP and OxP)",
    )
    schedule: Schedule = Field(Schedule.model_construct())
    invitations: list[Invitation] = Field([], max_length=1600)
    pin: Pin = Field(None, description=PIN)
    allow_uninvited: bool = Field(False, description="private conferences only")
    waiting_room_enabled: bool = False
    waiting_room_category: str = omitted(
        enum=dict.fromkeys([*CATEGORIES["private"], *CATEGORIES["public"]]),
        description="who waits: private conferences the first three, public ones the first "
        "and the last three; default uninvited (private), uninvited_and_guests (public)",
    )
    on_join_mute_camera: bool = False
    on_join_mute_mic: bool = False
    recording_enabled: bool = False
    auto_invite: bool = True
    join_methods: list[JoinMethod] | None = Field(
        None,
        min_length=1,
        json_schema_extra={"uniqueItems": True},
        description="null: the server's setting for the access type",
    )
    mcu_mode: bool = False
    multicast: Multicast = Field(Multicast.model_construct())
    media_limits: MediaLimits | None = Field(None, description="null: the server's limits")
    interpretation: Interpretation | None = None
    layout: Layouts | None = None
    registration: RegistrationSettings | None = Field(None, description="public conferences only")
    guest_permissions: GuestPermissions | None = Field(None, description="public only")
    guests_limit: int | None = Field(None, ge=1, le=50, description="public only")


class ConferenceId(Body):
    id: str = Field(
        max_length=cid.MAX_LENGTH,
        pattern=r"^[A-Za-z0-9_\-]+$",
        description="the new conference ID (CID)",
    )


class ConferenceCreate(ConferenceFields):
    """`POST conferences`: `topic` and `owner` are required, the rest has defaults."""

    id: str = omitted(
        max_length=cid.MAX_LENGTH,
        pattern=r"^[A-Za-z0-9_\-]+$",
        description="a custom conference ID (CID); generated when omitted",
    )


class ReadOnlyFields(Body):
    """What GET shows: accepted in a PATCH only unchanged, so a GET body can go back."""

    state: str | None = None
    session_id: str | None = None
    created_at: int | None = None
    locked: bool | None = None
    url: str | None = None
    effective_join_methods: list[str] | None = None


class ConferenceChange(ReadOnlyFields, ConferenceFields):
    """`PATCH conferences/{cid}`: the parameters to change (while running, only PIN,
    lock, layout and ID change, through their own routes)."""

    id: str = omitted(
        max_length=cid.MAX_LENGTH,
        pattern=r"^[A-Za-z0-9_\-]+$",
        description="a new conference ID (CID); as `PUT conferences/{cid}/id`",
    )


class TemplateCreate(ConferenceFields):
    """A conference's parameters without its ID (chosen for each conference, §14.5)."""


class TemplateChange(ConferenceFields):
    template_owner: str | None = Field(None, description="read-only")
    created_at: int | None = Field(None, description="read-only")
    edited_at: int | None = Field(None, description="read-only")
    id: str | None = Field(None, description="read-only")


class FromTemplate(ConferenceCreate):
    """Overrides of the template's parameters for the new conference."""


class PinChange(Body):
    pin: Pin = Field(description=PIN)


class LockChange(Body):
    locked: bool


class LayoutChange(Body):
    layout: Layouts | None = Field(None, description="null: the mode's default layout")


class InvitationsAdd(Body):
    invitations: list[Invitation] = Field(max_length=1600)


class InvitationAdd(Body):
    """One invitation, as the original API v4 sends it (answered in kind)."""

    invitation: Invitation


class InvitationsOrOne(Body):
    """What `POST conferences/{cid}/invitations` reads: `InvitationsAdd` or
    `InvitationAdd` (the route refuses both at once, naming the field)."""

    invitations: list[Invitation] = omitted()
    invitation: Invitation = omitted()


class ParticipantsCall(Body):
    participants: list[str] = Field(description="user IDs or call strings (#sip:…) to call now")


class ParticipantChange(Body):
    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    admitted: Literal[True] = omitted(description="admit from the waiting room")
    moderator: bool = omitted()
    podium: bool = omitted()
    microphone: bool = omitted()
    camera: bool = omitted()


class RegistrationForm(Body):
    """The webinar's registration form: its own fields (`display_name`, `email`, …)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={"additionalProperties": {"type": "string", "maxLength": 256}},
    )

    __pydantic_extra__: dict[str, str] = Field(init=False)

    display_name: str = omitted(max_length=256)
    email: str = omitted(max_length=256)
    company: str = omitted(max_length=256)
    job_position: str = omitted(max_length=256)
    phone: str = omitted(max_length=256)
