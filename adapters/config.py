"""Configuration from QUORUM_* environment variables, with one-machine defaults."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class Config(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QUORUM_")

    data_dir: Path = Path("var")
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    nats_url: str | None = None
    """Empty: start an embedded nats-server on the data dir."""
    db_url: str | None = None
    """SQLAlchemy URL of the operational read models; default SQLite in the data dir."""
    server_name: str = socket.gethostname()
    ws_heartbeat_seconds: float = 60.0
    """A signaling socket silent for this long is closed and its departure recorded."""
    call_ring_seconds: float = 30.0
    """An unanswered call becomes a missed call after this long (§13.2.2)."""
    gw_heartbeat_seconds: float = 2.0
    """Each gateway process says it is alive this often; one silent for three times
    its interval is taken as gone, and its sockets' endpoints as disconnected."""
    max_file_mb: int = 100
    """The largest file a user may send in a chat (guide §9.5), in MB (MiB)."""
    reports: Literal["local", "nats"] = "local"
    """Where the DuckDB reports live: `local` in this process, `nats` in report replicas
    (`quorum projector --reports`) answering report reads over NATS."""

    @property
    def database_url(self) -> str:
        return self.db_url or f"sqlite:///{(self.data_dir / 'quorum.db').resolve()}"

    @property
    def reports_path(self) -> Path:
        return self.data_dir / "reports.duckdb"
