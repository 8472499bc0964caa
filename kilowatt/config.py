"""Settings, read from the environment (prefix ``KILOWATT_``); the only module that does so."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal, Self

from pydantic import Field, model_validator
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
    # --- monitoring (issue 4) ---
    offline_grace_s: float = Field(
        default=600.0, gt=0, description="A station not heard from this long is offline."
    )
    offline_alert_after_s: float = Field(
        default=900.0, gt=0, description="A station not heard from this long raises an alert."
    )
    meter_values_alert_after_s: float = Field(
        default=1800.0, gt=0, description="An active transaction without meter values this long."
    )
    monitor_interval_s: float = Field(default=60.0, gt=0, description="How often to sweep.")
    alert_webhook_url: str | None = Field(default=None, description="Where alerts are POSTed.")
    alert_webhook_secret: str | None = Field(
        default=None, description="HMAC-SHA256 key of the X-Kilowatt-Signature header."
    )
    webhook_poll_interval_s: float = Field(default=5.0, gt=0)
    webhook_retry_base_s: float = Field(default=10.0, gt=0, description="Doubled per failure.")
    webhook_max_attempts: int = Field(default=12, ge=1)
    message_retention_days: float = Field(
        default=30.0, gt=0, description="OCPP message log entries older than this are pruned."
    )
    # --- drivers and payments (issue 7) ---
    smtp_url: str | None = Field(
        default=None,
        description="smtp[s]://user:password@host:port?from=... for driver mail; unset: logged.",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8180", description="Where links in mails to drivers point."
    )
    driver_session_ttl_s: float = Field(
        default=30 * 24 * 3600.0, gt=0, description="A driver stays signed in this long."
    )
    driver_link_ttl_s: float = Field(
        default=24 * 3600.0, gt=0, description="Verification and reset links expire after."
    )
    stripe_secret_key: str | None = Field(
        default=None, description="Stripe secret key (sk_...); unset: payments are off."
    )
    stripe_api_base: str | None = Field(
        default=None,
        description="Another Stripe API base, e.g. localstripe's http://127.0.0.1:8420.",
    )
    stripe_publishable_key: str | None = Field(
        default=None,
        description="Stripe's publishable key (pk_...): the app then loads Stripe.js from "
        "js.stripe.com to take cards (the only external script; without it, no card form).",
    )
    stripe_webhook_secret: str | None = Field(
        default=None, description="Signing secret (whsec_...) of the Stripe webhook endpoint."
    )
    preauth_amount: Decimal = Field(
        default=Decimal("50.00"),
        gt=0,
        description="Held on the driver's card before a start from the app (in KILOWATT_CURRENCY).",
    )
    topup_threshold: Decimal = Field(
        default=Decimal("10.00"),
        ge=0,
        description="When the cost so far comes this close to what is held, one more hold.",
    )
    payments_reconcile_interval_s: float = Field(
        default=300.0,
        gt=0,
        description="How often unsettled payments are settled and checked with Stripe.",
    )
    guest_limit_per_address: int = Field(
        default=5,
        ge=1,
        description="New ad hoc guests (each a Stripe customer) per client address per window.",
    )
    guest_limit_per_evse: int = Field(
        default=20, ge=1, description="New ad hoc guests per EVSE per window."
    )
    guest_limit_window_s: float = Field(
        default=600.0, gt=0, description="The sliding window of both ad hoc guest limits."
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="Comma-separated proxy addresses (or *) whose X-Forwarded-For gives the "
        "client address (uvicorn's proxy headers); others are the client themselves.",
    )
    # --- driver app (issue 7) ---
    map_tile_url: str = Field(
        default="",
        description="Map tiles of the driver app, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png;"
        " empty: the markers on a blank background (no request leaves Kilowatt).",
    )
    map_attribution: str = Field(default="", description="Shown under the map with the tiles.")
    # --- roaming (issue 6) ---
    ocpi_base_url: str | None = Field(
        default=None,
        description="Public URL of our OCPI API (…/ocpi); default http://HOST:PORT/ocpi.",
    )
    ocpi_business_name: str = Field(default="Kilowatt", description="Our OCPI business name.")
    ocpi_push_poll_interval_s: float = Field(
        default=1.0, gt=0, description="How often due OCPI pushes to partners are retried."
    )
    ocpi_push_retry_base_s: float = Field(
        default=5.0, gt=0, description="First retry delay of a failed push; doubled per failure."
    )
    ocpi_push_max_attempts: int = Field(default=200, ge=1, description="Then a push is dropped.")
    # --- postpaid invoices (issue 7) ---
    invoice_prefix: str = Field(
        default="KW", pattern=r"^[A-Z0-9]{1,8}$", description="Invoice numbers: KW-2026-000123."
    )
    invoice_seller_name: str = Field(default="Kilowatt", description="The seller on invoices.")
    invoice_seller_address: str = Field(
        default="", description="The seller's address on invoices; lines separated by ';'."
    )
    invoice_seller_vat_id: str | None = Field(default=None, description="The seller's VAT id.")
    invoice_auto_run: bool = Field(
        default=True,
        description="With payments on, the payments sweep issues each ended month's invoices.",
    )
    invoice_auto_run_delay_s: float = Field(
        default=600.0,
        ge=0,
        description="How long after a month's end (UTC) its automatic invoice run waits.",
    )

    @model_validator(mode="after")
    def _webhook_needs_a_secret(self) -> Self:
        if self.alert_webhook_url and not self.alert_webhook_secret:
            raise ValueError("KILOWATT_ALERT_WEBHOOK_URL needs KILOWATT_ALERT_WEBHOOK_SECRET")
        return self
