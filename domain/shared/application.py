"""The eventsourcing application every service saves through.

Its recorder comes from the environment (PERSISTENCE_MODULE): JetStream in
production, eventsourcing's in-memory recorder in pure domain tests.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError

from domain.shared.errors import Conflict

T = TypeVar("T")

SAVE_ATTEMPTS = 5


class QuorumStore(Application[UUID]):
    name = "Quorum"


A = TypeVar("A")


def find(store: QuorumStore, aggregate_id: UUID, kind: type[A]) -> A | None:
    """The aggregate, or None if it was never created."""
    try:
        found: object = store.repository.get(aggregate_id)
    except AggregateNotFoundError:
        return None
    assert isinstance(found, kind), f"{aggregate_id} is a {type(found).__name__}"
    return found


def with_retries(
    command: Callable[[], T], *, retry: bool = True, attempts: int = SAVE_ATTEMPTS
) -> T:
    """Run a load-change-save `command`; if another writer got in first, run it again
    on the fresh state (both changes land, in order), or report the conflict.

    `command` must load or build every aggregate it saves itself: a failed save has
    already taken the aggregates' pending events."""
    for attempt in range(attempts if retry else 1):
        try:
            return command()
        except IntegrityError:
            # Writers that collided back off by different amounts, so they stop colliding.
            time.sleep(random.uniform(0, 0.002 * min(attempt + 1, 10)))
    raise Conflict("the object was changed by someone else at the same time; try again")
