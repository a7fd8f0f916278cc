"""A live subscription to the application sequence.

Reads pages with batched direct gets (like eventsourcing's listen/notify
subscriptions) and is woken by a core-NATS subscription on the stream's subjects,
so a new event is seen at once without polling. A one-second timeout covers a
wake-up lost while NATS reconnects.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from eventsourcing.persistence import ApplicationRecorder, ListenNotifySubscription

WAKE_UP_TIMEOUT = 1.0

Listen = Callable[[Callable[[], None]], Callable[[], None]]
"""Calls the callback after each append seen; returns the function that stops it."""


class JetStreamSubscription(ListenNotifySubscription[ApplicationRecorder]):
    def __init__(
        self,
        recorder: ApplicationRecorder,
        listen: Listen,
        gt: int | None = None,
        topics: Sequence[str] = (),
    ) -> None:
        # Listen before the first read, so nothing published in between is missed.
        self._stop_listening = listen(self._wake)
        super().__init__(recorder=recorder, gt=gt, topics=topics)

    def _wake(self) -> None:
        self._has_been_notified.set()

    def stop(self) -> None:
        super().stop()
        stop_listening, self._stop_listening = self._stop_listening, lambda: None
        stop_listening()

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
