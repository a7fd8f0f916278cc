"""The Endpoints report (guide §16.6): every client connection with its application,
version, OS, addresses and devices, when it came and went and why."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.operations.report_deletion import ENDPOINTS, ReportDeletion
from domain.signaling.endpoint import Endpoint
from projections.duck import DuckDBProjection
from projections.engine import on
from projections.report_spec import Condition, Filter, Report, dates, equals, flag

SORTABLE = ("date", "user_id", "app_name", "os", "ip", "disconnected_at")
SEARCHED = ("endpoint_id", "user_id", "app_name", "app_version", "os", "ip", "devices")


@dataclass(frozen=True)
class ConnectedEndpoint:
    endpoint_id: str
    user_id: str
    ip: str | None
    gateway: str


class EndpointsReport(DuckDBProjection):
    name = "endpoints"
    table = "endpoints"
    key_column = "endpoint_id"
    columns = (
        "seq",
        "date",
        "endpoint_id",
        "user_id",
        "app_name",
        "app_version",
        "os",
        "ip",
        "local_ips",
        "devices",
        "gateway",
    )
    table_ddl = """
        CREATE TABLE IF NOT EXISTS endpoints (
            seq BIGINT NOT NULL,
            date TIMESTAMPTZ NOT NULL,
            endpoint_id VARCHAR PRIMARY KEY,
            user_id VARCHAR NOT NULL,
            app_name VARCHAR,
            app_version VARCHAR,
            os VARCHAR,
            ip VARCHAR,
            local_ips VARCHAR,
            devices VARCHAR,
            gateway VARCHAR,
            disconnected_at TIMESTAMPTZ,
            cause VARCHAR
        )
    """

    @on(Endpoint.Created)
    def connected(self, seq: int, event: Any) -> None:
        info = event.info
        self.remember(str(event.originator_id), event.endpoint_id)
        self.rows.append(
            (
                seq,
                event.timestamp,
                event.endpoint_id,
                event.user_id,
                info.get("app_name"),
                info.get("app_version"),
                info.get("os"),
                event.ip,
                json.dumps(info.get("local_ips", [])),
                json.dumps(info.get("devices", [])),
                event.gateway,
            )
        )

    @on(Endpoint.InfoUpdated)
    def updated(self, seq: int, event: Any) -> None:
        endpoint_id = self.recall(str(event.originator_id))
        for change in event.changes:
            value = change["new"]
            if change["parameter"] in ("local_ips", "devices"):
                value = json.dumps(value)
            self.updates.append((change["parameter"], value, endpoint_id))

    @on(Endpoint.Disconnected)
    def disconnected(self, seq: int, event: Any) -> None:
        endpoint_id = self.recall(str(event.originator_id))
        self.updates.append(("disconnected_at", event.timestamp, endpoint_id))
        self.updates.append(("cause", event.cause, endpoint_id))

    @on(ReportDeletion.Created)
    def deleted(self, seq: int, event: Any) -> None:
        """Connection logs older than the cutoff, of endpoints that have gone (WE-14)."""
        if event.report == ENDPOINTS:
            cutoff = datetime.fromisoformat(event.criteria["before"])
            condition = "date < ? AND disconnected_at IS NOT NULL"
            self.deletions_of(self.table).append((condition, [cutoff]))


def count_older(database: Any, cutoff: datetime) -> int:
    """How many rows a deletion with this cutoff removes."""
    found = (
        database.cursor()
        .execute(
            "SELECT count(*) FROM endpoints WHERE date < ? AND disconnected_at IS NOT NULL",
            [cutoff],
        )
        .fetchone()
    )
    return int(found[0]) if found else 0


def _every_word(value: Any) -> Iterator[Condition]:
    fields = " || ' ' || ".join(f"coalesce({c}, '')" for c in SEARCHED)
    for word in (value or "").split():
        yield f"({fields}) ILIKE ?", [f"%{word}%"]


ENDPOINTS_REPORT = Report(
    name="endpoints",
    projection="endpoints",
    table="endpoints",
    columns=(*EndpointsReport.columns[1:], "disconnected_at", "cause"),
    sortable=SORTABLE,
    filters=(
        *dates(),
        equals("user_id", lowercase=True),
        Filter(
            "search",
            "text",
            _every_word,
            "Quick search (§16.6, WE-29): every word must appear in some field, any case",
        ),
        flag(
            "connected",
            "disconnected_at IS NULL",
            "disconnected_at IS NOT NULL",
            description="Still connected, or gone",
        ),
    ),
    json_columns=("local_ips", "devices"),
)
"""No CSV export (RPT-03); its deletion is by age (`count_older`)."""
query = ENDPOINTS_REPORT.rows


def connected_elsewhere(database: Any, gateway: str) -> list[ConnectedEndpoint]:
    """Endpoints still shown connected through another gateway than `gateway`."""
    rows = (
        database.cursor()
        .execute(
            "SELECT endpoint_id, user_id, ip, gateway FROM endpoints "
            "WHERE disconnected_at IS NULL AND gateway <> ?",
            [gateway],
        )
        .fetchall()
    )
    return [ConnectedEndpoint(*row) for row in rows]
