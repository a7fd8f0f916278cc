"""Interpretation (guide §14.4, §14.4.3; FEATURES CONF-C-02, INT-01..04) and layouts
(§14.4.4; LAY-01..04)."""

from __future__ import annotations

from typing import Any

import pytest

from domain.conferencing.conferences_service import ConferencesService
from domain.conferencing.interpretation import claim_direction
from domain.conferencing.parameters import ConferenceFields
from domain.shared.application import QuorumStore
from domain.shared.errors import Conflict, InvalidInput
from tests.domain.conferencing.conftest import appended

INTERPRETED: ConferenceFields = {
    "topic": "Summit",
    "owner": "jane",
    "invitations": [{"id": "interp1"}, {"id": "interp2"}, {"id": "bob"}],
    "interpretation": {
        "languages": ["English", "Spanish", "Chinese"],
        "interpreters": [
            {"user_id": "interp1", "from": "English", "to": "Spanish"},
            {"user_id": "interp2", "from": "English", "to": "Chinese"},
        ],
    },
}


def windows(*kinds: str, **fixed: str) -> list[dict[str, Any]]:
    return [{"type": k} for k in kinds] + [
        {"type": "fixed", "participant_id": who} for who in fixed.values()
    ]


def refused(store: QuorumStore, conferences: ConferencesService, body: ConferenceFields) -> str:
    before = appended(store)
    with pytest.raises(InvalidInput) as refusal:
        conferences.create(body)
    assert appended(store) == before
    return refusal.value.problems[0].field


def test_interpretation_forces_the_role_based_mode(conferences: ConferencesService) -> None:
    """§14.4: 'this conference mode will be automatically selected'."""
    conference = conferences.create(INTERPRETED)
    assert conference.mode == "S|L"
    interpretation = conference.param("interpretation")
    assert interpretation["source_volume"] == 30, "§14.4.3: 30% by default"
    assert [i["user_id"] for i in interpretation["interpreters"]] == ["interp1", "interp2"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"mode": "S|L Auto"}, "interpretation"),
        ({"mode": "PxP", "max_participants": 10}, "interpretation"),
        ({"interpretation": {"languages": ["English"]}}, "interpretation.languages"),
        ({"interpretation": {"languages": ["English", "english"]}}, "interpretation.languages"),
        (
            {
                "interpretation": {
                    "languages": ["English", "Spanish"],
                    "interpreters": [{"user_id": "interp1", "from": "English", "to": "English"}],
                }
            },
            "interpretation.interpreters.0.to",
        ),
        (
            {
                "interpretation": {
                    "languages": ["English", "Spanish"],
                    "interpreters": [{"user_id": "interp1", "from": "English", "to": "French"}],
                }
            },
            "interpretation.interpreters.0.to",
        ),
        # INT-01: only invited users of this or a federated server
        (
            {
                "interpretation": {
                    "languages": ["English", "Spanish"],
                    "interpreters": [{"user_id": "dave", "from": "English", "to": "Spanish"}],
                }
            },
            "interpretation.interpreters.0.user_id",
        ),
        (
            {
                "invitations": [{"id": "#sip:booth@pbx"}],
                "interpretation": {
                    "languages": ["English", "Spanish"],
                    "interpreters": [
                        {"user_id": "#sip:booth@pbx", "from": "English", "to": "Spanish"}
                    ],
                },
            },
            "interpretation.interpreters.0.user_id",
        ),
    ],
)
def test_interpretation_refusals_name_the_field(
    store: QuorumStore, conferences: ConferencesService, changes: ConferenceFields, field: str
) -> None:
    assert refused(store, conferences, {**INTERPRETED, **changes}) == field


def test_guests_never_interpret(store: QuorumStore, conferences: ConferencesService) -> None:
    """INT-01: not an e-mail guest of a webinar either."""
    body: ConferenceFields = {
        **INTERPRETED,
        "access": "public",
        "invitations": [{"email": "pro@example.com"}],
        "interpretation": {
            "languages": ["English", "Spanish"],
            "interpreters": [
                {"user_id": "#mailto:pro@example.com", "from": "English", "to": "Spanish"}
            ],
        },
    }
    assert refused(store, conferences, body) == "interpretation.interpreters.0.user_id"


def test_interpretation_is_switched_on_only_at_creation(
    store: QuorumStore, conferences: ConferencesService
) -> None:
    conferences.create(
        {
            "id": "plain",
            "topic": "Plain",
            "owner": "jane",
            "mode": "S|L",
            "invitations": [{"id": "interp1"}],
        }
    )
    with pytest.raises(InvalidInput) as late:
        conferences.edit("plain", {"interpretation": INTERPRETED["interpretation"]})
    assert late.value.problems[0].field == "interpretation"
    conferences.create({**INTERPRETED, "id": "summit"})
    with pytest.raises(InvalidInput) as off:
        conferences.edit("summit", {"interpretation": None})
    assert off.value.problems[0].field == "interpretation"
    with pytest.raises(InvalidInput) as mode:
        conferences.edit("summit", {"mode": "S|L Auto"})
    assert mode.value.problems[0].field == "mode"
    edited, _ = conferences.edit(
        "summit",
        {
            "interpretation": {
                "languages": ["English", "Spanish"],
                "interpreters": [
                    {"user_id": "interp1", "from": "Spanish", "to": "English"},
                    {"user_id": "interp2", "from": "English", "to": "Spanish"},
                ],
            }
        },
    )
    assert len(edited.param("interpretation")["interpreters"]) == 2


def test_an_interpreter_cannot_be_uninvited_while_interpreting(
    conferences: ConferencesService,
) -> None:
    conferences.create({**INTERPRETED, "id": "summit"})
    with pytest.raises(InvalidInput) as refusal:
        conferences.uninvite("summit", "interp1")
    assert refusal.value.problems[0].field == "interpretation.interpreters.0.user_id"


def test_one_interpreter_per_direction_at_a_time() -> None:
    """§14.4.3 / INT-03: only one person translates English→Hindi at any moment; another
    may translate Hindi→English; switching direction frees the old one."""
    booth = claim_direction({}, "alice", "English", "Hindi")
    with pytest.raises(Conflict):
        claim_direction(booth, "bruce", "English", "Hindi")
    booth = claim_direction(booth, "bruce", "Hindi", "English")
    assert booth == {"English>Hindi": "alice", "Hindi>English": "bruce"}
    booth = claim_direction(booth, "alice", "English", "Spanish")
    assert booth == {"Hindi>English": "bruce", "English>Spanish": "alice"}
    assert claim_direction(booth, "carla", "English", "Hindi")["English>Hindi"] == "carla"


# -- layouts (§14.4.4) ---------------------------------------------------------------


def test_a_layout_with_every_window_type(conferences: ConferencesService) -> None:
    layout = {
        "layouts": [
            {
                "scope": "common",
                "windows": [
                    {"type": "fixed", "participant_id": "bob", "priority": True},
                    {"type": "random"},
                    {"type": "time_based_shuffling"},
                    {"type": "active_speaker"},
                    {"type": "content"},
                ],
            },
            {
                "scope": "individual",
                "participant_id": "#sip:room@pbx",
                "windows": windows("active_speaker"),
            },
            {"scope": "sip_webrtc", "windows": windows("content", "active_speaker")},
        ],
        "shuffling": {"order": "desc", "type": "move", "interval": 15},
    }
    conference = conferences.create(
        {
            "topic": "T",
            "owner": "jane",
            "mode": "S|L",
            "invitations": [{"id": "bob"}, {"id": "#sip:room@pbx"}],
            "layout": layout,
        }
    )
    stored = conference.param("layout")
    assert stored["shuffling"] == {"order": "desc", "type": "move", "interval": 15}
    assert stored["layouts"][0]["windows"][0]["priority"] is True
    assert stored["layouts"][1]["participant_id"] == "#sip:room@pbx"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        # LAY-02: no layout customisation in a video lecture
        (
            {"mode": "OxP", "layout": {"layouts": [{"windows": windows("active_speaker")}]}},
            "layout",
        ),
        # LAY-02: a smart meeting needs at least two active-speaker windows
        (
            {
                "mode": "S|L Auto",
                "layout": {"layouts": [{"windows": windows("active_speaker", "content")}]},
            },
            "layout.layouts.0.windows",
        ),
        (
            {"mode": "S|L", "layout": {"layouts": [{"windows": windows("stretched")}]}},
            "layout.layouts.0.windows.0.type",
        ),
        (
            {"mode": "S|L", "layout": {"layouts": [{"windows": windows(a="nobody")}]}},
            "layout.layouts.0.windows.0.participant_id",
        ),
        (
            {"mode": "S|L", "layout": {"layouts": [{"windows": [{"type": "fixed"}]}]}},
            "layout.layouts.0.windows.0.participant_id",
        ),
        (
            {
                "mode": "S|L",
                "layout": {"layouts": [{"windows": windows("random"), "scope": "individual"}]},
            },
            "layout.layouts.0.participant_id",
        ),
        (
            {
                "mode": "S|L",
                "layout": {
                    "layouts": [{"windows": windows("random")}, {"windows": windows("content")}]
                },
            },
            "layout.layouts.1.scope",
        ),
        ({"mode": "S|L", "layout": {"layouts": [{"windows": []}]}}, "layout.layouts.0.windows"),
        (
            {"mode": "S|L", "layout": {"layouts": [], "shuffling": {"order": "random"}}},
            "layout.shuffling.order",
        ),
    ],
)
def test_layout_refusals_name_the_field(
    store: QuorumStore, conferences: ConferencesService, body: ConferenceFields, field: str
) -> None:
    assert refused(store, conferences, {"topic": "T", "owner": "jane", **body}) == field


def test_interpreters_are_never_in_a_layout(
    store: QuorumStore, conferences: ConferencesService
) -> None:
    """§14.4.3 / INT-04."""
    body: ConferenceFields = {
        **INTERPRETED,
        "layout": {"layouts": [{"windows": windows(a="interp1")}]},
    }
    assert refused(store, conferences, body) == "layout.layouts.0.windows.0.participant_id"


def test_a_lecture_may_drop_its_layout(conferences: ConferencesService) -> None:
    conference = conferences.create(
        {"topic": "T", "owner": "jane", "mode": "OxP", "layout": {"layouts": []}}
    )
    assert conference.param("layout")["layouts"] == []
