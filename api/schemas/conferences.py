"""Conferences and their templates (API.md `conferences`, `templates/conferences`)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field

from api.schemas.bodies import (
    EMAIL,
    Body,
    call_string_pattern,
    documented,
    either,
    inlined,
    one_of,
    partial,
    shown,
    unset,
)
from api.schemas.common import Listing, Reply
from domain.conferencing import cid, pin
from domain.conferencing.checks import MAX_UNIX_TIME
from domain.conferencing.interpretation import (
    DEFAULT_SOURCE_VOLUME,
    MAX_INTERPRETERS,
    MAX_LANGUAGES,
)
from domain.conferencing.invitations import MAX_INVITATIONS, MAX_NAME
from domain.conferencing.layout import (
    MAX_LAYOUTS,
    MAX_WINDOWS,
    NAME_POSITIONS,
    SCOPES,
    SHUFFLE_ORDERS,
    SHUFFLE_TYPES,
    WINDOW_TYPES,
)
from domain.conferencing.media import RESOLUTIONS
from domain.conferencing.modes import (
    MAX_SPEAKERS,
    MIN_PARTICIPANTS,
    MODES,
    ROLE_BASED,
    participant_cap,
)
from domain.conferencing.parameters import ACCESS_TYPES, MAX_DESCRIPTION, MAX_LOCATION, MAX_TOPIC
from domain.conferencing.registration import AT_END, CLOSE_POLICIES, MAX_ANSWER
from domain.conferencing.schedule import MAX_DURATION, MAX_OFFSET, MIN_OFFSET, NONE, TYPES, WEEKDAYS
from domain.conferencing.waiting_room import CATEGORIES
from domain.conferencing.webinar import MAX_GUESTS_LIMIT
from domain.identity import ids
from domain.settings.conferences import JOIN_METHODS


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


# -- request bodies: their value rules are documented here, enforced by
# domain/conferencing/parameters.py and its checks -------------------------------------

Name = Annotated[str, shown(maxLength=MAX_NAME)]
Weekday = Annotated[str, shown(enum=list(WEEKDAYS))]
Pin = (
    Annotated[str, shown(minLength=1, maxLength=pin.MAX_LENGTH, pattern=r"^[0-9]+$")] | bool | None
)
Seconds = Annotated[int, shown(minimum=0, maximum=MAX_UNIX_TIME, description="Unix seconds")]
PIN = "digits; true: require one (keeping the current PIN or generating one); null: none"


class Schedule(Body):
    """A virtual room (`none`), one meeting (`once`) or weekly on chosen days (`week`)."""

    type: str = one_of(TYPES, NONE)
    start_time: Seconds | None = Field(None, description="required for once and week")
    duration: int | None = documented(
        None, minimum=1, maximum=MAX_DURATION, description="seconds (once, week)"
    )
    days: list[Annotated[int, shown(minimum=0, maximum=6)] | Weekday] = documented(
        [], maxItems=7, uniqueItems=True, description="week: 0 = Sunday … 6, or weekday names"
    )
    time: str | None = documented(
        None, pattern=r"^([01]\d|2[0-3]):([0-5]\d)$", description="week: local HH:MM"
    )
    time_offset: int = documented(
        0, minimum=MIN_OFFSET, maximum=MAX_OFFSET, description="minutes east of UTC"
    )
    special_time_offset: int = unset(
        minimum=MIN_OFFSET,
        maximum=MAX_OFFSET,
        description="API v4: instead of time_offset; `time` is UTC",
    )


class Invitation(Body):
    """An invitee: `id`, or for an e-mail guest `email` (or both, matching)."""

    model_config = ConfigDict(
        json_schema_extra={"anyOf": [{"required": ["id"]}, {"required": ["email"]}]}
    )

    id: str | None = documented(
        None,
        maxLength=256,
        pattern=call_string_pattern("#guest2:"),
        description="user, user@server, #sip:…, #h323:…, #tel:…, #rtsp:…, `\\c\\CID` or "
        "#mailto:address (public conferences)",
    )
    display_name: str | None = documented(None, maxLength=MAX_NAME)
    is_moderator: bool = False
    email: str | None = documented(
        None, pattern=EMAIL, description="an e-mail guest (public conferences only)"
    )


class Multicast(Body):
    enabled: bool = False
    address: str = documented(
        "224.0.1.224:4000-6000",
        pattern=r"^(\d{1,3}\.){3}\d{1,3}:\d{1,5}(-\d{1,5})?$",
        description="a multicast IPv4 address (224.0.0.0/4) with a port or a port range",
    )


class MediaLimits(Body):
    resolution: str = one_of(RESOLUTIONS, "720p")
    fps: int = documented(30, minimum=1, maximum=60)
    content_fps: int = documented(30, minimum=1, maximum=60)


class Interpreter(Body):
    user_id: Name
    from_: str = Field(alias="from", description="one of the conference's languages")
    to: str = Field(description="another of its languages")


class Interpretation(Body):
    """Only at creation, in mode `S|L` (§14.4.3)."""

    languages: list[Annotated[str, shown(minLength=1, maxLength=64)]] = documented(
        uniqueItems=True, minItems=2, maxItems=MAX_LANGUAGES
    )
    interpreters: list[Interpreter] = documented([], maxItems=MAX_INTERPRETERS)
    source_volume: int = documented(DEFAULT_SOURCE_VOLUME, minimum=0, maximum=100)


class Window(Body):
    type: str = one_of(WINDOW_TYPES)
    participant_id: str | None = documented(
        None, maxLength=256, description="a fixed window's participant"
    )
    priority: bool = Field(False, description="the enlarged window (at most one)")


class Layout(Body):
    scope: str = one_of(SCOPES, "common")
    participant_id: str | None = documented(
        None, maxLength=256, description="an individual layout's participant"
    )
    windows: list[Window] = documented(minItems=1, maxItems=MAX_WINDOWS)
    name_position: str = one_of(NAME_POSITIONS, "bottom")
    forbid_changes: bool = False
    auto_fill: bool = False


class Shuffling(Body):
    order: str = one_of(SHUFFLE_ORDERS, "asc")
    type: str = one_of(SHUFFLE_TYPES, "replace")
    interval: int = documented(30, minimum=1, maximum=3600, description="seconds")


class Layouts(Body):
    layouts: list[Layout] = documented([], maxItems=MAX_LAYOUTS)
    shuffling: Shuffling | None = None


class FormField(Body):
    index: int = documented(minimum=0, maximum=99)
    is_required: bool = False


class RegistrationSettings(Body):
    """Webinar registration (§14.4.8); its form (`fields`) is set at creation."""

    enabled: bool = False
    close: str = one_of(CLOSE_POLICIES, AT_END)
    start_at: Seconds | None = Field(None, description="close custom: opens")
    end_at: Seconds | None = Field(None, description="close custom: closes")
    participants_limit: int | None = documented(None, minimum=1, maximum=1600)
    participants_limit_enabled: bool = False
    allow_users_access: bool = False
    fields: dict[str, FormField] = documented(
        {
            "display_name": FormField(index=0, is_required=True),
            "email": FormField(index=1, is_required=True),
        },
        minProperties=1,
        description="display_name (or name), email, company, job_position, phone, and up "
        "to 10 custom fields",
    )


class GuestPermissions(Body):
    send_messages: bool = True
    send_audio: bool = True
    send_video: bool = True


InvitationBody = Annotated[Invitation, inlined(Invitation)]
LayoutsBody = Annotated[Layouts, inlined(Layouts)]


class ConferenceFields(Body):
    """A conference's parameters (§14.4): as `POST conferences` takes them. No field is
    required here: the domain names a missing `topic`, and a user's own conference needs
    no `owner`."""

    model_config = ConfigDict(json_schema_extra={"required": ["topic", "owner"]})

    topic: str = unset(maxLength=MAX_TOPIC, pattern=r"\S", description="not blank")
    owner: str = unset(
        maxLength=ids.MAX_LENGTH,
        pattern=r"^[A-Za-z0-9_.\-]+$",
        description="a user ID; a user creating a conference may omit it (it is theirs)",
    )
    description: str | None = documented("", maxLength=MAX_DESCRIPTION)
    location: str | None = documented("", maxLength=MAX_LOCATION)
    access: str = one_of(ACCESS_TYPES, "private", description="fixed at creation")
    mode: str = unset(
        enum=list(MODES),
        description="all on screen, smart meeting, moderated role-based, video lecture; "
        "default: S|L with interpretation, else S|L Auto",
    )
    max_podiums: int = unset(
        minimum=1,
        maximum=MAX_SPEAKERS,
        description="speakers (S|L, S|L Auto; at most max_participants); default 6",
    )
    max_participants: int = unset(
        minimum=MIN_PARTICIPANTS,
        maximum=participant_cap(ROLE_BASED, True),
        description="default: the mode's cap (1500 in S|L and S|L Auto, 1600 with UDP "
        "Multicast; 49 in PxP and OxP)",
    )
    schedule: Annotated[Schedule, inlined(Schedule)] = Field(Schedule.model_construct())
    invitations: list[InvitationBody] = documented([], maxItems=MAX_INVITATIONS)
    pin: Pin = Field(None, description=PIN)
    allow_uninvited: bool = Field(False, description="private conferences only")
    waiting_room_enabled: bool = False
    waiting_room_category: str = unset(
        enum=list(dict.fromkeys([*CATEGORIES["private"], *CATEGORIES["public"]])),
        description="who waits: private conferences the first three, public ones the first "
        "and the last three; default uninvited (private), uninvited_and_guests (public)",
    )
    on_join_mute_camera: bool = False
    on_join_mute_mic: bool = False
    recording_enabled: bool = False
    auto_invite: bool = True
    join_methods: list[Annotated[str, shown(enum=list(JOIN_METHODS))]] | None = documented(
        None,
        minItems=1,
        uniqueItems=True,
        description="null: the server's setting for the access type",
    )
    mcu_mode: bool = False
    multicast: Annotated[Multicast, inlined(Multicast)] = Field(Multicast.model_construct())
    media_limits: Annotated[MediaLimits, inlined(MediaLimits)] | None = Field(
        None, description="null: the server's limits"
    )
    interpretation: Annotated[Interpretation, inlined(Interpretation)] | None = None
    layout: LayoutsBody | None = None
    registration: Annotated[RegistrationSettings, inlined(RegistrationSettings)] | None = Field(
        None, description="public conferences only"
    )
    guest_permissions: Annotated[GuestPermissions, inlined(GuestPermissions)] | None = Field(
        None, description="public only"
    )
    guests_limit: int | None = documented(
        None, minimum=1, maximum=MAX_GUESTS_LIMIT, description="public only"
    )


class ConferenceId(Body):
    id: str = documented(
        maxLength=cid.MAX_LENGTH,
        pattern=r"^[A-Za-z0-9_\-]+$",
        description="the new conference ID (CID)",
    )


class ConferenceCreate(ConferenceFields):
    """`POST conferences`: `topic` and `owner` are required, the rest has defaults."""

    id: str = unset(
        maxLength=cid.MAX_LENGTH,
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

    model_config = ConfigDict(json_schema_extra=partial)

    id: str = unset(
        maxLength=cid.MAX_LENGTH,
        pattern=r"^[A-Za-z0-9_\-]+$",
        description="a new conference ID (CID); as `PUT conferences/{cid}/id`",
    )


class TemplateCreate(ConferenceFields):
    """A conference's parameters without its ID (chosen for each conference, §14.5)."""


class TemplateChange(ConferenceFields):
    model_config = ConfigDict(json_schema_extra=partial)

    template_owner: str | None = Field(None, description="read-only")
    created_at: int | None = Field(None, description="read-only")
    edited_at: int | None = Field(None, description="read-only")
    id: str | None = Field(None, description="read-only")


class FromTemplate(ConferenceCreate):
    """Overrides of the template's parameters for the new conference."""

    model_config = ConfigDict(json_schema_extra=partial)


class PinChange(Body):
    pin: Pin = Field(description=PIN)


class LockChange(Body):
    locked: bool


class LayoutChange(Body):
    layout: LayoutsBody | None = Field(None, description="null: the mode's default layout")


class InvitationsAdd(Body):
    invitations: list[InvitationBody] = documented(maxItems=MAX_INVITATIONS)


class InvitationAdd(Body):
    """One invitation, as the original API v4 sends it (answered in kind)."""

    invitation: InvitationBody


class InvitationsOrOne(Body):
    """What `POST conferences/{cid}/invitations` reads: `InvitationsAdd` or
    `InvitationAdd` (the route refuses both at once, naming the field)."""

    model_config = ConfigDict(json_schema_extra=either(InvitationsAdd, InvitationAdd))

    invitations: list[Invitation] = unset()
    invitation: Invitation = unset()


class ParticipantsCall(Body):
    participants: list[str] = Field(description="user IDs or call strings (#sip:…) to call now")


class ParticipantChange(Body):
    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    admitted: bool = unset(const=True, description="admit from the waiting room")
    moderator: bool = unset()
    podium: bool = unset()
    microphone: bool = unset()
    camera: bool = unset()


class RegistrationForm(Body):
    """The webinar's registration form: its own fields (`display_name`, `email`, …)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={"additionalProperties": {"type": "string", "maxLength": MAX_ANSWER}},
    )

    __pydantic_extra__: dict[str, str] = Field(init=False)

    display_name: str = unset(maxLength=MAX_ANSWER)
    email: str = unset(maxLength=MAX_ANSWER)
    company: str = unset(maxLength=MAX_ANSWER)
    job_position: str = unset(maxLength=MAX_ANSWER)
    phone: str = unset(maxLength=MAX_ANSWER)
