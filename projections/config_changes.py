"""The Configuration Changes report (guide §16.4): who changed which setting, from
what to what. One row per create/edit/delete of a configured object."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.settings.model import ServerSettings
from projections.duck import DuckDBProjection, ReportsDatabase
from projections.engine import on
from projections.report_query import ReportQuery

SORTABLE = ("date", "action", "object_type", "object_id", "username")
KEY_SECTIONS = {"api_secret": "security", "user_auth_key": "main", "guest_auth_key": "main"}


@dataclass(frozen=True)
class ConfigChangeFilters:
    date_from: datetime | None = None
    date_to: datetime | None = None
    action: str | None = None
    object_type: str | None = None
    username: str | None = None


class ConfigChangesReport(DuckDBProjection):
    name = "config_changes"
    table = "config_changes"
    columns = ("seq", "date", "action", "object_type", "object_id", "username", "changes")
    table_ddl = """
        CREATE TABLE IF NOT EXISTS config_changes (
            seq BIGINT NOT NULL,
            date TIMESTAMPTZ NOT NULL,
            action VARCHAR NOT NULL,
            object_type VARCHAR NOT NULL,
            object_id VARCHAR NOT NULL,
            username VARCHAR NOT NULL,
            changes VARCHAR NOT NULL
        )
    """

    def _row(
        self,
        seq: int,
        event: Any,
        action: str,
        object_type: str,
        object_id: str,
        changes: list[dict[str, Any]],
    ) -> None:
        username = event.actor.get("name") or "anonymous"
        self.rows.append(
            (seq, event.timestamp, action, object_type, object_id, username, json.dumps(changes))
        )

    @on(ServerSettings.Created)
    def settings_created(self, seq: int, event: Any) -> None:
        for section, values in event.sections.items():
            changes = [{"parameter": k, "previous": None, "new": v} for k, v in values.items()]
            self._row(seq, event, "create", "server_settings", section, changes)

    @on(ServerSettings.Edited)
    def settings_edited(self, seq: int, event: Any) -> None:
        self._row(seq, event, "edit", "server_settings", event.section, event.changes)

    @on(ServerSettings.KeyRegenerated)
    def key_regenerated(self, seq: int, event: Any) -> None:
        # Only the keys' public fingerprints: a report never shows a secret.
        change = {"parameter": event.name, "previous": event.previous_key_id, "new": event.key_id}
        self._row(seq, event, "edit", "server_settings", KEY_SECTIONS[event.name], [change])


def query(
    database: ReportsDatabase,
    filters: ConfigChangeFilters,
    *,
    sort_field: str | None = None,
    descending: bool = True,
    page: int = 1,
    page_size: int = 50,
    paged: bool = True,
) -> tuple[int, list[dict[str, Any]]]:
    q = ReportQuery(
        sortable=SORTABLE,
        sort_field=sort_field,
        descending=descending,
        page=page,
        page_size=page_size,
    )
    q.date_range("date", filters.date_from, filters.date_to)
    q.equals("action", filters.action)
    q.equals("object_type", filters.object_type)
    q.equals("username", filters.username)
    total, rows = q.run(
        database.cursor(),
        "config_changes",
        "date, action, object_type, object_id, username, changes",
        paged=paged,
    )
    return total, [
        {
            "date": date,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "username": username,
            "changes": json.loads(changes),
        }
        for date, action, object_type, object_id, username, changes in rows
    ]
