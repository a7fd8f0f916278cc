"""Per-conference limits on incoming video (guide §14.4.5, §14.7.2; FEATURES MEDIA-01,
MEDIA-04): `media_limits: null` (the server's limits) or `{resolution, fps,
content_fps}`. The SIP/H.323/RTSP resolution cap applies only at 720p or below."""

from __future__ import annotations

from typing import Any

from domain.conferencing.checks import obj, one_of, whole

RESOLUTIONS = ("360p", "480p", "720p", "1080p")
SERVER_DEFAULT = {"resolution": "720p", "fps": 30, "content_fps": 30}
"""The guide's screenshot defaults for the global limits (§14.7)."""


def check_media_limits(value: Any, field: str = "media_limits") -> dict[str, Any] | None:
    if value is None:
        return None
    body = obj(value, field, ("resolution", "fps", "content_fps"))
    merged = {**SERVER_DEFAULT, **body}
    return {
        "resolution": one_of(merged["resolution"], f"{field}.resolution", RESOLUTIONS),
        "fps": whole(merged["fps"], f"{field}.fps", 1, 60),
        "content_fps": whole(merged["content_fps"], f"{field}.content_fps", 1, 60),
    }
