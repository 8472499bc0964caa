"""Settings, read from the environment (prefix ``KILOWATT_``); the only module that does so."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Everything configurable, with defaults that run the embedded setup (SQLite, one process)."""

    model_config = SettingsConfigDict(env_prefix="KILOWATT_", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./kilowatt.db",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///file.db or postgresql+asyncpg://...",
    )
    admin_api_key: str | None = Field(
        default=None, description="Bootstraps an admin API key (stored hashed) on start."
    )
    unknown_stations: Literal["reject", "pending"] = Field(
        default="reject",
        description="Stations not in the store: refused at the handshake, or let in as Pending.",
    )
    heartbeat_interval_s: int = Field(default=300, ge=10, description="Sent in BootNotification.")
    pending_retry_interval_s: int = Field(default=60, ge=5)
    call_timeout_s: float = Field(default=30.0, gt=0, description="CSMS→station call timeout.")
    migrate_on_start: bool = Field(default=True, description="Upgrade the schema on start.")
    country_code: str = Field(
        default="NL", pattern=r"^[A-Z]{2}$", description="Our OCPI country code (CDRs, sessions)."
    )
    party_id: str = Field(
        default="KWT", pattern=r"^[A-Z0-9]{3}$", description="Our OCPI party id (CDRs, sessions)."
    )
    currency: str = Field(
        default="EUR", pattern=r"^[A-Z]{3}$", description="Currency of sessions with no tariff."
    )
    cdr_sweep_interval_s: float = Field(
        default=60.0, gt=0, description="How often finished transactions without a CDR get one."
    )
    running_cost_interval_s: float = Field(
        default=60.0,
        gt=0,
        description="At most this often a station is told a running transaction's cost.",
    )
    host: str = "127.0.0.1"
    port: int = 8180
