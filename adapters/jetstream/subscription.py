"""A live subscription to the application sequence.

Reads pages with batched direct gets (like eventsourcing's listen/notify
subscriptions) and is woken by a core-NATS subscription on the stream's subjects,
so a new event is seen at once without polling. A one-second timeout covers a
wake-up lost while NATS reconnects.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from eventsourcing.persistence import ListenNotifySubscription

from adapters.jetstream.loop import run_sync

if TYPE_CHECKING:
    from nats.aio.msg import Msg
    from nats.aio.subscription import Subscription as NatsSubscription

    from adapters.jetstream.recorders import JetStreamApplicationRecorder

WAKE_UP_TIMEOUT = 1.0


class JetStreamSubscription(ListenNotifySubscription["JetStreamApplicationRecorder"]):
    def __init__(
        self,
        recorder: JetStreamApplicationRecorder,
        gt: int | None = None,
        topics: Sequence[str] = (),
    ) -> None:
        # Listen before the first read, so nothing published in between is missed.
        self._wake_up: NatsSubscription | None = run_sync(
            recorder.client.nc.subscribe(f"{recorder.prefix}.>", cb=self._on_wake_up)
        )
        super().__init__(recorder=recorder, gt=gt, topics=topics)

    async def _on_wake_up(self, _: Msg) -> None:
        self._has_been_notified.set()

    def stop(self) -> None:
        super().stop()
        sub, self._wake_up = self._wake_up, None
        if sub is not None:
            try:
                run_sync(sub.unsubscribe(), timeout=5)
            except Exception:  # the connection may already be gone
                pass

    def _loop_on_pull(self) -> None:
        try:
            self._pull()
            while not self._has_been_stopped:
                self._has_been_notified.wait(WAKE_UP_TIMEOUT)
                self._pull()
        except BaseException as e:
            if self._thread_error is None:
                self._thread_error = e
            self.stop()
