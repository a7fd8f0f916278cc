"""Conferencing's use cases and queries as routes name them: the conferences,
templates and sessions services, and the conferences read model."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Engine

from api.dependencies import composed
from domain.conferencing.conferences_service import ConferencesService
from domain.conferencing.templates_service import TemplatesService
from domain.sessions.sessions_service import SessionsService
from domain.shared.errors import NotFound
from projections import conferences as view
from projections.conferences import ConferenceRow, TemplateRow


class ConferencesQuery:
    """The conferences read model, caught up with every event stored before each read
    (a route answers with what its own command just did)."""

    def __init__(
        self,
        engine: Engine,
        wait_until_fresh: Callable[[], object],
        join_defaults: Callable[[], Mapping[str, Any]],
        server_name: str,
    ) -> None:
        self.engine = engine
        self.wait_until_fresh = wait_until_fresh
        self.join_defaults = join_defaults
        """The server's conference settings (join methods per access type, §14.7.3)."""
        self.server_name = server_name

    @classmethod
    def of(cls, system: Any) -> ConferencesQuery:
        return cls(
            system.sql_engine,
            lambda: system.fresh("conferences"),
            lambda: system.settings.get().section("conferences"),
            system.config.server_name,
        )

    def find(self, cid: str) -> ConferenceRow | None:
        self.wait_until_fresh()
        return view.get_conference(self.engine, cid)

    def get(self, cid: str) -> ConferenceRow:
        row = self.find(cid)
        if row is None:
            raise NotFound(f"no conference {cid!r}")
        return row

    def page(
        self,
        filters: dict[str, str | None],
        page: int,
        page_size: int,
        sort_field: str,
        descending: bool,
    ) -> tuple[int, list[ConferenceRow]]:
        self.wait_until_fresh()
        return view.list_conferences(self.engine, filters, page, page_size, sort_field, descending)

    def shown(self, row: ConferenceRow) -> dict[str, Any]:
        """The conference as GET shows it: its details, its page's URL and the join
        methods in effect."""
        shown = view.details(row)
        methods = shown.get("join_methods")
        if methods is None:  # the server's default for the access type (§14.7.3)
            methods = self.join_defaults()[f"{row.access}_join_methods"]
        return {
            **shown,
            "url": f"https://{self.server_name}/c/{row.shown_cid}",
            "effective_join_methods": methods,
        }

    def template(self, template_id: str) -> TemplateRow:
        self.wait_until_fresh()
        row = view.get_template(self.engine, template_id)
        if row is None:
            raise NotFound(f"no template {template_id!r}")
        return row

    def templates(self) -> list[TemplateRow]:
        self.wait_until_fresh()
        return view.list_templates(self.engine)


def conferences_service(request: Request) -> ConferencesService:
    return composed(request).conferences


def templates_service(request: Request) -> TemplatesService:
    return composed(request).templates


def sessions_service(request: Request) -> SessionsService:
    return composed(request).sessions


def conferences_query(request: Request) -> ConferencesQuery:
    return ConferencesQuery.of(composed(request))


def creation_right(request: Request) -> Callable[[str], bool]:
    """Whether a user's groups allow creating conferences (§13.3.1, USR-02)."""
    system = composed(request)

    def may_create(user_id: str) -> bool:
        account = system.users.get(user_id)
        return bool(system.groups.rights_of(account.group_ids)["create_conferences"])

    return may_create


Conferences = Annotated[ConferencesService, Depends(conferences_service)]
Templates = Annotated[TemplatesService, Depends(templates_service)]
Sessions = Annotated[SessionsService, Depends(sessions_service)]
ConferencesView = Annotated[ConferencesQuery, Depends(conferences_query)]
CreationRight = Annotated[Callable[[str], bool], Depends(creation_right)]
