"""Conference modes and their limits (guide §3.3, §14.4.1, §14.4.6.3; FEATURES
CONF-04..06, Z-15, Z-29). The caps are configuration constants, one per mode."""

from __future__ import annotations

ALL_ON_SCREEN = "PxP"
"""Everyone is a speaker."""
SMART = "S|L Auto"
"""Smart meeting: the speaker role follows voice activity or content sharing."""
ROLE_BASED = "S|L"
"""Moderated role-based: the moderator chooses the speakers."""
LECTURE = "OxP"
"""Video lecture: the lecturer is the only speaker and sees and hears everyone."""
MODES = (ALL_ON_SCREEN, SMART, ROLE_BASED, LECTURE)
DEFAULT_MODE = SMART
"""The mode the guide's creation screen has selected (§14.4.1 screenshot)."""

MAX_SPEAKERS = 49
"""§14.4.1; kept in every mode, multicast included (Z-29)."""
DEFAULT_SPEAKERS = 6
"""The guide's sample card shows 'Role-based 6x290' (§14.1)."""
MIN_PARTICIPANTS = 3
"""A conference is a session of more than two users (§3.2, CONF-01)."""

PARTICIPANT_CAPS = {
    SMART: 1500,
    ROLE_BASED: 1500,
    ALL_ON_SCREEN: 49,
    # The guide gives no figure for the video lecture (Z-15). The lecturer sees and
    # hears every participant, so everyone sends video as in all-on-screen: the same
    # 49-window bound applies.
    LECTURE: 49,
}
"""Per mode, without UDP Multicast (§14.4.1; all on screen '49x49' in §14.5)."""
MULTICAST_CAPS = {SMART: 1600, ROLE_BASED: 1600, ALL_ON_SCREEN: 49, LECTURE: 49}
"""With UDP Multicast only the role-based modes grow (§14.4.6.3)."""


def participant_cap(mode: str, multicast: bool) -> int:
    return (MULTICAST_CAPS if multicast else PARTICIPANT_CAPS)[mode]


def chooses_speakers(mode: str) -> bool:
    """Whether the number of speakers (podiums) is a setting (§14.4.1)."""
    return mode in (SMART, ROLE_BASED)


def speakers(mode: str, max_podiums: int, max_participants: int) -> int:
    """The effective number of podiums: everyone in all-on-screen, the lecturer alone in
    a video lecture, the setting otherwise."""
    if mode == ALL_ON_SCREEN:
        return max_participants
    if mode == LECTURE:
        return 1
    return max_podiums
