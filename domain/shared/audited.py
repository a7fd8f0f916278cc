"""The base of every Quorum aggregate: each event says who, where and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.shared.actor import Actor, current_actor
from domain.shared.clock import now


class AuditedAggregate(Aggregate):
    class Event(Aggregate.Event):
        actor: dict[str, Any]
        """The `Actor` who caused the event, as a plain dict (see `who`)."""

        @staticmethod
        def create_timestamp() -> datetime:
            return now()

        @property
        def who(self) -> Actor:
            return Actor.from_dict(self.actor)

    @classmethod
    def _create(cls, event_class: Any, *, id: UUID | None = None, **kwargs: Any) -> Any:
        return super()._create(event_class, id=id, actor=current_actor().as_dict(), **kwargs)

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        super().trigger_event(event_class, actor=current_actor().as_dict(), **kwargs)
