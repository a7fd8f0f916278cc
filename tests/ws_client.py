"""A signaling client for tests: requests with replies, and the pushes that arrive in
between kept for later assertions."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
from websockets.http11 import USER_AGENT
from websockets.sync.client import ClientConnection, connect

Push = dict[str, Any]


class Peer:
    def __init__(self, base_url: str, user_agent: str | None = None) -> None:
        url = base_url.replace("http", "ws") + "/api/v4/ws"
        connection = connect(url, open_timeout=10, user_agent_header=user_agent or USER_AGENT)
        self.ws: ClientConnection = connection.__enter__()
        self.pushes: list[Push] = []
        self._ids = itertools.count(1)
        self.user_id: str | None = None
        self.endpoint_id: str | None = None

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """The reply frame: `{"id", "result"}` or `{"id", "error"}`."""
        request_id = next(self._ids)
        self.ws.send(json.dumps({"id": request_id, "method": method, "params": params}))
        while True:
            frame: dict[str, Any] = json.loads(self.ws.recv(timeout=10))
            if frame.get("id") == request_id:
                return frame
            if "event" in frame:
                self.pushes.append(frame)

    def ok(self, method: str, **params: Any) -> dict[str, Any]:
        frame = self.call(method, **params)
        assert "result" in frame, frame
        result: dict[str, Any] = frame["result"]
        return result

    def error(self, method: str, **params: Any) -> dict[str, Any]:
        frame = self.call(method, **params)
        assert "error" in frame, frame
        error: dict[str, Any] = frame["error"]
        return error

    def login(self, user_id: str, password: str = "Secret123") -> Peer:
        result = self.ok("auth", login=user_id, password=password, app_name="Test")
        self.user_id, self.endpoint_id = result["user_id"], result["endpoint_id"]
        return self

    def wait_for(
        self,
        event: str,
        where: Callable[[dict[str, Any]], bool] = lambda d: True,
        timeout: float = 10,
    ) -> dict[str, Any]:
        """The data of the first push of `event` matching `where` (kept or arriving)."""
        deadline = time.monotonic() + timeout
        while True:
            for push in self.pushes:
                if push["event"] == event and where(push["data"]):
                    self.pushes.remove(push)
                    data: dict[str, Any] = push["data"]
                    return data
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no {event} push; had {self.pushes}"
            try:
                frame = json.loads(self.ws.recv(timeout=remaining))
            except TimeoutError:
                continue
            if "event" in frame:
                self.pushes.append(frame)

    def close(self) -> None:
        self.ws.close()

    def __enter__(self) -> Peer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def people_and_room(admin: httpx.Client) -> str:
    """Through an admin's client: group Team with jane, ann and bob (renamed Robert), the
    Berlin time zone, jane's public conference "room" and a failed sign-in of ann;
    returns the group's ID."""
    team = admin.post("/groups", json={"display_name": "Team"}).json()["id"]
    for user in ("jane", "ann", "bob"):
        body = {"id": user, "password": "Secret123", "groups": [team], "first_name": user}
        assert admin.post("/users", json=body).status_code == 201
    assert admin.patch("/users/bob", json={"first_name": "Robert"}).status_code == 200
    assert admin.patch("/settings/main", json={"timezone": "Europe/Berlin"}).status_code == 200
    room = {"id": "room", "topic": "Weekly", "owner": "jane", "access": "public"}
    assert admin.post("/conferences", json=room).status_code == 201
    bad = {"grant_type": "password", "client_id": "quorum-client"}
    admin.post("/oauth2/token", data={**bad, "username": "ann", "password": "wrong"})
    team_id: str = team
    return team_id


def call_chat_and_meeting(base_url: str) -> None:
    """Jane calls Ann and writes to her; both and a guest meet in the public conference
    "room" (which must exist, owned by Jane), Ann chats there and leaves, Jane ends it."""
    with (
        Peer(base_url).login("jane") as jane,
        Peer(base_url).login("ann") as ann,
        Peer(base_url) as guest,
    ):
        call = jane.ok("call.invite", to="ann")
        ann.wait_for("call.incoming")
        ann.ok("call.accept", call_id=call["call_id"])
        jane.ok("call.hangup", call_id=call["call_id"])
        jane.ok("chat.send", to="ann", text="minutes attached soon")
        jane.ok("conference.join", cid="room")
        ann.ok("conference.join", cid="room")
        guest.ok("auth", guest_name="Visitor")
        guest.ok("conference.join", cid="room")
        ann.ok("conference.chat", cid="room", text="hello all")
        ann.ok("conference.leave", cid="room")
        jane.ok("conference.end", cid="room")
