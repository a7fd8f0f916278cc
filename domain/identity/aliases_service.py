"""Use cases on aliases (guide §13.4)."""

from __future__ import annotations

from eventsourcing.persistence import IntegrityError

from domain.identity.alias import Alias, check_alias
from domain.identity.call_strings import check_call_string
from domain.shared.application import QuorumStore, find, with_retries
from domain.shared.errors import AlreadyExists, FieldProblem, NotFound


class AliasesService:
    def __init__(self, store: QuorumStore) -> None:
        self.store = store

    def create(self, alias: str, call_string: str) -> Alias:
        name = check_alias(alias)
        call_string = check_call_string(call_string)
        existing = find(self.store, Alias.create_id(name), Alias)
        if existing is not None and not existing.deleted:
            raise _taken(name)
        if existing is None:
            made = Alias(alias=name, call_string=call_string)
        else:
            made = existing
            made.retarget(call_string)
        try:
            self.store.save(made)
        except IntegrityError:
            raise _taken(name) from None
        return made

    def resolve(self, name: str) -> Alias:
        alias = find(self.store, Alias.create_id(name), Alias)
        if alias is None or alias.deleted:
            raise NotFound(f"no alias {name!r}")
        return alias

    def delete(self, name: str) -> None:
        def attempt() -> None:
            alias = self.resolve(name)
            alias.delete()
            self.store.save(alias)

        with_retries(attempt)


def _taken(name: str) -> AlreadyExists:
    return AlreadyExists(
        f"the alias {name!r} is taken",
        [FieldProblem("alias", "uniqueValueAlreadyInUse", f"{name} is already in use")],
    )
