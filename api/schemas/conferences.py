"""Conferences and their templates (API.md `conferences`, `templates/conferences`)."""

from __future__ import annotations

from typing import Any

from api.schemas.common import Listing, Reply


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
