"""Service configuration from environment variables (12-factor): one place, typed, with safe defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _data_dir() -> Path:
    return Path(os.environ.get("EDCONTROL_DATA", Path.home() / ".local" / "share" / "edcontrol"))


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=_data_dir)
    database_url: str = ""  # default: SQLite file in data_dir
    max_upload_bytes: int = int(os.environ.get("EDCONTROL_MAX_UPLOAD_BYTES", str(4 * 1024**3)))
    admin_key: str = os.environ.get("EDCONTROL_ADMIN_KEY", "")
    asr_model: str | None = os.environ.get("EDCONTROL_ASR_MODEL", "base") or None
    max_attempts: int = 3
    lease_s: float = float(os.environ.get("EDCONTROL_LEASE_S", "120"))  # unrenewed this long: taken over
    heartbeat_s: float = float(os.environ.get("EDCONTROL_HEARTBEAT_S", "0"))  # lease renewal period; 0 = lease / 3
    webhook_backoff_s: float = float(os.environ.get("EDCONTROL_WEBHOOK_BACKOFF_S", "1"))
    webhook_backoff_cap_s: float = 3600.0
    webhook_max_attempts: int = int(os.environ.get("EDCONTROL_WEBHOOK_MAX_ATTEMPTS", "12"))
    tombstone_ttl_s: float = 7 * 86400.0  # purge drops tombstones older than this (no lease lives that long)
    orphan_grace_s: float = 3600.0  # a folder without a lesson row this old is an orphan (not an upload)
    session_ttl_s: float = float(os.environ.get("EDCONTROL_SESSION_TTL_S", str(12 * 3600)))  # dashboard sign-in
    embedded_worker: bool = os.environ.get("EDCONTROL_WORKER", "embedded") == "embedded"
    broker_url: str = os.environ.get("EDCONTROL_BROKER_URL", "redis://127.0.0.1:6379/0")
    queue: str = os.environ.get("EDCONTROL_QUEUE", "edcontrol")

    @property
    def heartbeat_period_s(self) -> float:
        return self.heartbeat_s or max(0.2, self.lease_s / 3)

    @property
    def storage_dir(self) -> Path:
        return self.data_dir / "storage"

    @property
    def db_url(self) -> str:
        return (
            self.database_url
            or os.environ.get("EDCONTROL_DATABASE_URL")
            or f"sqlite:///{self.data_dir / 'edcontrol.db'}"
        )
