"""Waiting-room categories (guide §3.5, §14.4.6.1; FEATURES WR-04, WR-05, WR-08): which
participants wait for a moderator. The choice depends on the access type; while a
webinar's registration is on, no category can be chosen and everyone except the owner
and moderators waits (stored as `all_except_owner_moderators`)."""

from __future__ import annotations

ALL = "all_except_owner_moderators"
PRIVATE_CATEGORIES = (ALL, "uninvited", "uninvited_other_servers")
PUBLIC_CATEGORIES = (
    ALL,
    "uninvited_and_guests",
    "uninvited_other_servers_and_guests",
    "guests_only",
)
DEFAULT_CATEGORY = {"private": "uninvited", "public": "uninvited_and_guests"}
CATEGORIES = {"private": PRIVATE_CATEGORIES, "public": PUBLIC_CATEGORIES}
