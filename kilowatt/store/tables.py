"""The schema, as SQLAlchemy Core tables (Alembic's target metadata).

Rows are mapped to domain objects explicitly in ``repositories.py``; the domain knows
nothing of these tables. Times are ``TIMESTAMP WITH TIME ZONE`` (UTC), energy integer Wh.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from kilowatt.store.types import DecimalText, UtcDateTime

__all__ = [
    "alerts",
    "api_keys",
    "cdrs",
    "charging_stations",
    "connector_statuses",
    "connectors",
    "device_variables",
    "driver_favourites",
    "driver_secrets",
    "driver_tokens",
    "drivers",
    "emsp_cdrs",
    "emsp_commands",
    "emsp_locations",
    "emsp_sessions",
    "emsp_tariffs",
    "evses",
    "id_allocations",
    "id_tokens",
    "local_list_entries",
    "local_lists",
    "locations",
    "maintenance_windows",
    "metadata",
    "meter_samples",
    "ocpi_pushes",
    "ocpi_reservations",
    "ocpp_messages",
    "remote_starts",
    "reservations",
    "roaming_partners",
    "station_outages",
    "station_reports",
    "status_history",
    "tariffs",
    "ticket_comments",
    "tickets",
    "transaction_events",
    "transactions",
    "webhook_deliveries",
]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _utc(name: str, *, nullable: bool = True) -> Column[object]:
    return Column(name, UtcDateTime(), nullable=nullable)


locations = Table(
    "locations",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("address", String(45), nullable=False),
    Column("city", String(45), nullable=False),
    Column("postal_code", String(10), nullable=False),
    Column("state", String(20)),
    Column("country", String(3), nullable=False),
    Column("latitude", DecimalText(), nullable=False),
    Column("longitude", DecimalText(), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("opening_hours", JSON, nullable=False),
    Column("parking_type", String(32)),
    Column("publish", Boolean, nullable=False),
    _utc("created_at", nullable=False),
    _utc("updated_at", nullable=False),
)

charging_stations = Table(
    "charging_stations",
    metadata,
    Column("id", String(48), primary_key=True),
    Column("location_id", String(36), ForeignKey("locations.id", ondelete="SET NULL")),
    Column("password_hash", String(255)),
    Column("registration_status", String(16), nullable=False),
    Column("vendor", String(50)),
    Column("model", String(50)),
    Column("serial_number", String(50)),
    Column("firmware_version", String(50)),
    Column("iccid", String(20)),
    Column("imsi", String(20)),
    Column("meter_type", String(50)),
    Column("meter_serial_number", String(50)),
    Column("ocpp_version", String(8)),
    Column("security_profile", Integer, nullable=False),
    Column("heartbeat_interval_s", Integer, nullable=False),
    _utc("last_boot_at"),
    Column("last_boot_reason", String(32)),
    _utc("last_heartbeat_at"),
    Column("firmware_status", String(32)),
    Column("diagnostics_status", String(32)),
    _utc("created_at", nullable=False),
    _utc("updated_at", nullable=False),
)

evses = Table(
    "evses",
    metadata,
    Column(
        "station_id",
        String(48),
        ForeignKey("charging_stations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("evse_id", Integer, primary_key=True),
    Column("uid", String(36), nullable=False, unique=True),
    Column("evse_code", String(48)),
    Column("physical_reference", String(16)),
    Column("floor_level", String(4)),
    Column("capabilities", JSON, nullable=False),
)

connectors = Table(
    "connectors",
    metadata,
    Column("station_id", String(48), primary_key=True),
    Column("evse_id", Integer, primary_key=True),
    Column("connector_id", Integer, primary_key=True),
    Column("standard", String(32), nullable=False),
    Column("format", String(8), nullable=False),
    Column("power_type", String(16), nullable=False),
    Column("max_voltage_v", Integer, nullable=False),
    Column("max_amperage_a", Integer, nullable=False),
    Column("max_electric_power_w", Integer),
    Column("tariff_ids", JSON, nullable=False),
    ForeignKeyConstraint(
        ["station_id", "evse_id"], ["evses.station_id", "evses.evse_id"], ondelete="CASCADE"
    ),
)


def _status_columns(*, key: bool) -> list[Column[object]]:
    """Where a status was reported, and what it was (key: the connector is the primary key)."""
    return [
        Column("station_id", String(48), primary_key=key, nullable=False),
        Column("evse_id", Integer, primary_key=key, nullable=False),
        Column("connector_id", Integer, primary_key=key, nullable=False),
        Column("status", String(16), nullable=False),
        Column("error_code", String(50)),
        Column("info", String(50)),
        Column("vendor_error_code", String(50)),
        _utc("reported_at", nullable=False),
        _utc("received_at", nullable=False),
    ]


# The latest status of every connector (evse 0 / connector 0: the station itself).
connector_statuses = Table("connector_statuses", metadata, *_status_columns(key=True))

status_history = Table(
    "status_history",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    *_status_columns(key=False),
    UniqueConstraint(
        "station_id",
        "evse_id",
        "connector_id",
        "reported_at",
        "status",
        name="uq_status_history_key",
    ),
)

id_tokens = Table(
    "id_tokens",
    metadata,
    Column("uid", String(36), primary_key=True),
    Column("type", String(16), nullable=False),
    Column("contract_id", String(36)),
    Column("visual_number", String(64)),
    Column("issuer", String(64)),
    Column("group_id", String(36)),
    Column("status", String(16), nullable=False),
    _utc("expires_at"),
    Column("whitelist", String(16), nullable=False),
    Column("language", String(2)),
    Column("country_code", String(2)),
    Column("party_id", String(3)),
    _utc("created_at", nullable=False),
    _utc("updated_at", nullable=False),
)

transactions = Table(
    "transactions",
    metadata,
    Column("pk", String(36), primary_key=True),
    Column("station_id", String(48), nullable=False),
    Column("transaction_id", String(36), nullable=False),
    Column("evse_id", Integer),
    Column("connector_id", Integer),
    Column("id_token", String(36)),
    Column("id_token_type", String(20)),
    Column("status", String(16), nullable=False),
    _utc("started_at", nullable=False),
    _utc("stopped_at"),
    Column("stop_reason", String(32)),
    Column("meter_start_wh", BigInteger),
    _utc("meter_start_at"),
    Column("last_meter_wh", BigInteger),
    _utc("last_meter_at"),
    Column("charging_state", String(16)),
    Column("remote_start_id", Integer),
    Column("start_key", String(200)),
    Column("offline_events", Integer, nullable=False),
    _utc("latest_event_at"),
    Column("latest_event_seq", Integer, nullable=False),
    _utc("updated_at", nullable=False),
    # authref: the eMSP's OCPI authorization_reference (last given) for the Session and CDR
    Column("authorization_reference", String(36)),
    _utc("authorization_reference_at"),
    # authmethod: how it was let start (OCPI auth_method COMMAND, AUTH_REQUEST); NULL: WHITELIST
    Column("auth_method", String(16)),
    UniqueConstraint("station_id", "transaction_id"),
    UniqueConstraint("station_id", "start_key"),
    Index("ix_transactions_id_token_status", "id_token", "status"),
    Index("ix_transactions_started_at", "started_at"),
)

transaction_events = Table(
    "transaction_events",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("transaction_pk", String(36), ForeignKey("transactions.pk", ondelete="CASCADE")),
    Column("station_id", String(48), nullable=False),
    Column("event_key", String(80), nullable=False),  # seqNo, or the 1.6 message kind
    Column("event_type", String(16), nullable=False),
    _utc("timestamp", nullable=False),
    Column("trigger_reason", String(32), nullable=False),
    Column("seq_no", Integer),
    Column("offline", Boolean, nullable=False),
    Column("id_token", String(36)),
    Column("charging_state", String(16)),
    Column("stopped_reason", String(32)),
    UniqueConstraint("transaction_pk", "event_key"),
)

meter_samples = Table(
    "meter_samples",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("station_id", String(48), nullable=False),
    Column("evse_id", Integer, nullable=False),
    Column("transaction_pk", String(36), nullable=False),  # "" when outside a transaction
    _utc("measured_at", nullable=False),
    Column("measurand", String(64), nullable=False),
    Column("phase", String(8), nullable=False),
    Column("location", String(8), nullable=False),
    Column("context", String(32), nullable=False),
    Column("unit", String(16), nullable=False),
    Column("value", DecimalText(), nullable=False),
    Column("signed_data", Text),
    UniqueConstraint(
        "station_id",
        "evse_id",
        "transaction_pk",
        "measured_at",
        "measurand",
        "phase",
        "location",
        "context",
        name="uq_meter_samples_key",
    ),
    Index("ix_meter_samples_transaction", "transaction_pk", "measured_at"),
)

# Tariffs as OCPI Tariff objects, each offered to everyone or to one driver group.
tariffs = Table(
    "tariffs",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("country_code", String(2), nullable=False),
    Column("party_id", String(3), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("type", String(24)),
    Column("driver_group", String(36)),
    _utc("start_date_time"),
    _utc("end_date_time"),
    _utc("last_updated", nullable=False),
    Column("body", JSON, nullable=False),
)

# Issued CDRs (OCPI CDR objects): rows are inserted, never updated. A correction adds a
# credit CDR of the previous revision and a CDR of the next revision.
cdrs = Table(
    "cdrs",
    metadata,
    Column("id", String(39), primary_key=True),
    Column("transaction_pk", String(36), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("credit", Boolean, nullable=False),
    Column("station_id", String(48), nullable=False),
    Column("location_id", String(36)),
    Column("id_token", String(36)),
    Column("currency", String(3), nullable=False),
    Column("total_cost_excl_vat", DecimalText(), nullable=False),
    Column("total_cost_incl_vat", DecimalText()),
    Column("total_energy_kwh", DecimalText(), nullable=False),
    _utc("start_date_time", nullable=False),
    _utc("end_date_time", nullable=False),
    _utc("last_updated", nullable=False),
    Column("body", JSON, nullable=False),
    UniqueConstraint("transaction_pk", "revision", "credit", name="uq_cdrs_revision"),
    Index("ix_cdrs_station_end", "station_id", "end_date_time"),
    Index("ix_cdrs_last_updated", "last_updated"),
)

station_reports = Table(
    "station_reports",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("station_id", String(48), nullable=False, index=True),
    Column("kind", String(40), nullable=False),
    _utc("reported_at", nullable=False),
    Column("payload", JSON, nullable=False),
)

ocpp_messages = Table(
    "ocpp_messages",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("station_id", String(48), nullable=False),
    Column("message_id", String(36), nullable=False),
    Column("direction", String(3), nullable=False),
    Column("action", String(40), nullable=False),
    Column("request", JSON),
    Column("response", JSON),
    Column("error_code", String(40)),
    _utc("received_at", nullable=False),
    Column("duration_us", Integer, nullable=False),
    Index("ix_ocpp_messages_station_time", "station_id", "received_at"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_hash", String(64), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    _utc("created_at", nullable=False),
)

# Blocks of OCPP 1.6 integer transaction ids handed to processes (hi/lo allocation).
id_allocations = Table(
    "id_allocations",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("next_value", BigInteger, nullable=False),
)

# --- monitoring (issue 4) ---

alerts = Table(
    "alerts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("station_id", String(48), nullable=False, index=True),
    Column("subject", String(64), nullable=False),
    Column("detail", String(255), nullable=False),
    Column("state", String(16), nullable=False, index=True),
    # kind|station|subject while the alert is active, NULL once resolved: one active per cause
    Column("active_key", String(160), unique=True),
    _utc("opened_at", nullable=False),
    Column("acknowledged_by", String(64)),
    _utc("acknowledged_at"),
    Column("resolved_by", String(64)),
    _utc("resolved_at"),
)

# Stretches during which a station was not heard from (its heartbeats stopped).
station_outages = Table(
    "station_outages",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("station_id", String(48), nullable=False, index=True),
    _utc("started_at", nullable=False),
    _utc("ended_at"),
)

# The webhook outbox: written with the alert change, sent (and retried) afterwards.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("event", String(40), nullable=False),
    Column("body", Text, nullable=False),
    _utc("created_at", nullable=False),
    Column("attempts", Integer, nullable=False),
    _utc("next_attempt_at", nullable=True),  # NULL: delivered or given up
    _utc("delivered_at"),
    Column("last_error", String(255)),
    Index("ix_webhook_deliveries_next_attempt_at", "next_attempt_at"),
)

maintenance_windows = Table(
    "maintenance_windows",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("station_id", String(48), nullable=False, index=True),
    Column("evse_id", Integer),  # NULL: the whole station
    _utc("starts_at", nullable=False),
    _utc("ends_at", nullable=False),
    Column("reason", String(255), nullable=False),
    Column("created_by", String(64), nullable=False),
    _utc("created_at", nullable=False),
)

tickets = Table(
    "tickets",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("station_id", String(48), nullable=False, index=True),
    Column("alert_id", String(36)),
    Column("title", String(255), nullable=False),
    Column("state", String(16), nullable=False, index=True),
    Column("assignee", String(64)),
    Column("created_by", String(64), nullable=False),
    _utc("created_at", nullable=False),
    _utc("updated_at", nullable=False),
    Column("resolved_by", String(64)),
    _utc("resolved_at"),
)

ticket_comments = Table(
    "ticket_comments",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("ticket_id", String(36), ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
    Column("author", String(64), nullable=False),
    Column("body", Text, nullable=False),
    _utc("created_at", nullable=False),
    Index("ix_ticket_comments_ticket", "ticket_id", "created_at"),
)

# --- device management (issue 4) ---

# 1.6 configuration keys (component "") and 2.0.1 device model values, one row per attribute.
device_variables = Table(
    "device_variables",
    metadata,
    Column(
        "station_id",
        String(48),
        ForeignKey("charging_stations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("variable_key", String(255), primary_key=True),  # domain VariableRef.key
    Column("component", String(50), nullable=False),
    Column("component_instance", String(50)),
    Column("evse_id", Integer),
    Column("connector_id", Integer),
    Column("variable", String(50), nullable=False),
    Column("variable_instance", String(50)),
    Column("attribute_type", String(16), nullable=False),
    Column("value", Text),
    Column("mutability", String(16)),
    Column("characteristics", JSON),
    Column("source", String(40), nullable=False),
    _utc("updated_at", nullable=False),
    Index("ix_device_variables_lookup", "station_id", "component", "variable"),
)

# What each station's local authorization list holds, as far as the central system knows.
local_lists = Table(
    "local_lists",
    metadata,
    Column(
        "station_id",
        String(48),
        ForeignKey("charging_stations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("version", Integer, nullable=False),
    Column("last_status", String(20)),
    _utc("updated_at"),
    Column("pending", Boolean, nullable=False),
)

local_list_entries = Table(
    "local_list_entries",
    metadata,
    Column(
        "station_id",
        String(48),
        ForeignKey("local_lists.station_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("uid", String(36), primary_key=True),
    Column("status", String(20), nullable=False),
    _utc("expires_at"),
    Column("token_type", String(16), nullable=False),
)

reservations = Table(
    "reservations",
    metadata,
    Column("id", Integer, primary_key=True),  # from id_allocations "reservation_id"
    Column("station_id", String(48), nullable=False),
    Column("evse_id", Integer),
    Column("id_token", String(36), nullable=False),
    _utc("expires_at", nullable=False),
    _utc("created_at", nullable=False),
    Column("status", String(16), nullable=False),
    Column("station_status", String(20)),
    Column("authorization_reference", String(36)),  # authref: an OCPI RESERVE_NOW's
    Index("ix_reservations_station_status", "station_id", "status"),
)

remote_starts = Table(
    "remote_starts",
    metadata,
    Column("id", Integer, primary_key=True),  # from id_allocations "remote_start_id"
    Column("station_id", String(48), nullable=False),
    Column("evse_id", Integer),
    Column("id_token", String(36), nullable=False),
    _utc("requested_at", nullable=False),
    Column("station_status", String(20), nullable=False),
    Column("transaction_id", String(36)),
    Column("authorization_reference", String(36)),  # authref: an OCPI START_SESSION's
    Index("ix_remote_starts_station_transaction", "station_id", "transaction_id"),
)

# --- drivers and payments (issue 7) ---

drivers = Table(
    "drivers",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("contract_id", String(36), nullable=False, unique=True),
    Column("name", String(100)),
    Column("language", String(2)),
    _utc("email_verified_at"),
    _utc("created_at", nullable=False),
    _utc("updated_at", nullable=False),
)

driver_secrets = Table(
    "driver_secrets",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("driver_id", String(36), ForeignKey("drivers.id", ondelete="CASCADE"), nullable=False),
    Column("purpose", String(16), nullable=False),
    _utc("created_at", nullable=False),
    _utc("expires_at", nullable=False),
    _utc("used_at"),
    Index("ix_driver_secrets_driver", "driver_id", "purpose"),
)

driver_tokens = Table(
    "driver_tokens",
    metadata,
    Column(
        "token_uid",
        String(36),
        ForeignKey("id_tokens.uid", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("driver_id", String(36), ForeignKey("drivers.id", ondelete="CASCADE"), nullable=False),
    _utc("linked_at", nullable=False),
    Index("ix_driver_tokens_driver", "driver_id"),
)


# --- roaming (issue 6) ---

# OCPI platforms we roam with; our tokens only as SHA-256 digests, theirs kept to call them.
roaming_partners = Table(
    "roaming_partners",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("our_token_digest", String(64), unique=True),  # NULL once unregistered
    Column("their_token", String(255)),
    Column("versions_url", String(255)),
    Column("version", String(8)),
    Column("country_code", String(2)),  # of the first role, for listing
    Column("party_id", String(3)),
    Column("role", String(8)),
    Column("roles", JSON, nullable=False),
    Column("endpoints", JSON, nullable=False),
    _utc("created_at", nullable=False),
    _utc("updated_at", nullable=False),
)

# The OCPI push outbox: one row per call to a partner's Receiver, sent in seq order per object.
ocpi_pushes = Table(
    "ocpi_pushes",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("partner_id", String(36), nullable=False),
    Column("object_key", String(120), nullable=False),
    Column("method", String(8), nullable=False),
    Column("url", String(512), nullable=False),
    Column("body", Text, nullable=False),
    _utc("created_at", nullable=False),
    Column("attempts", Integer, nullable=False),
    _utc("next_attempt_at"),  # NULL: delivered or given up
    _utc("delivered_at"),
    Column("last_error", String(255)),
    Column("to_country_code", String(2)),  # the partner's party it is for (routing headers)
    Column("to_party_id", String(3)),
    Index("ix_ocpi_pushes_next_attempt_at", "next_attempt_at"),
    Index("ix_ocpi_pushes_object", "partner_id", "object_key", "seq"),
)


# Reservations an eMSP made with RESERVE_NOW: its reservation id (per partner) → ours, so it
# can replace or cancel only its own (OCPI: never sent to the station as it is).
ocpi_reservations = Table(
    "ocpi_reservations",
    metadata,
    Column("partner_id", String(36), primary_key=True),
    Column("reservation_id", String(36), primary_key=True),
    Column("our_reservation_id", Integer, nullable=False),
    _utc("created_at", nullable=False),
)


# --- roaming, eMSP role (issue 6) ---
# Partner CPOs' objects as sent (their OCPI JSON in ``body``), keyed as in OCPI URLs by
# (country_code, party_id, id), with the columns that lists and lookups need.


def _received(name: str, *columns: Column[Any] | Index) -> Table:
    return Table(
        name,
        metadata,
        Column("country_code", String(2), primary_key=True),
        Column("party_id", String(3), primary_key=True),
        Column("id", String(36), primary_key=True),
        Column("partner_id", String(36), nullable=False),
        Column("body", JSON, nullable=False),
        _utc("last_updated", nullable=False),
        Index(f"ix_{name}_partner", "partner_id", "country_code", "party_id", "id"),
        *columns,
    )


emsp_locations = _received(
    "emsp_locations",
    Column("latitude", Float, nullable=False),
    Column("longitude", Float, nullable=False),
    Column("publish", Boolean, nullable=False),
)
emsp_sessions = _received(
    "emsp_sessions",
    Column("status", String(16), nullable=False),
    Column("token_uid", String(36), nullable=False),
    Column("location_id", String(36), nullable=False),
    Index("ix_emsp_sessions_token_uid", "token_uid"),
)
emsp_cdrs = _received(
    "emsp_cdrs",
    Column("session_id", String(36)),
    Column("token_uid", String(36), nullable=False),
    Index("ix_emsp_cdrs_token_uid", "token_uid"),
    Index("ix_emsp_cdrs_session_id", "session_id"),
)
emsp_tariffs = _received("emsp_tariffs", Column("currency", String(3), nullable=False))

# Commands we sent to partner CPOs and the answers they gave (response at once, result later).
emsp_commands = Table(
    "emsp_commands",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("partner_id", String(36), nullable=False),
    Column("command", String(24), nullable=False),
    Column("request", JSON, nullable=False),
    Column("response", String(24)),
    Column("result", String(24)),
    Column("message", String(255)),
    _utc("created_at", nullable=False),
    _utc("updated_at", nullable=False),
    _utc("result_due_at"),
)


# --- payments (issue 7) ---
__all__ += ["payment_customers", "payment_events", "payment_refunds", "payments"]

# One row per hold (a Stripe PaymentIntent); a session may have several (top-ups).
payments = Table(
    "payments",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("driver_id", String(36), nullable=False),
    Column("reference", String(255), nullable=False, unique=True),
    Column("idempotency_key", String(120), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("authorized_minor", BigInteger, nullable=False),
    Column("captured_minor", BigInteger, nullable=False),
    Column("refunded_minor", BigInteger, nullable=False),
    Column("station_id", String(48)),
    Column("evse_id", Integer),
    Column("remote_start_id", BigInteger),
    Column("transaction_pk", String(36)),
    Column("cdr_id", String(48)),  # ours, or a partner's as {country}:{party}:{id}
    _utc("created_at", nullable=False),
    _utc("updated_at", nullable=False),
    Column("roaming_partner", String(36)),
    Column("roaming_location", String(36)),
    Column("roaming_reference", String(36)),
    Column("roaming_session", String(48)),  # {country}:{party}:{session id}
    Column("stop_reason", String(255)),  # a refused top-up stopped the session: why
    Index("ix_payments_driver", "driver_id", "created_at"),
    Index("ix_payments_transaction", "transaction_pk"),
    Index("ix_payments_state", "state"),
    Index("ix_payments_roaming_reference", "roaming_reference"),
    Index("ix_payments_roaming_session", "roaming_session"),
)

payment_refunds = Table(
    "payment_refunds",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("payment_id", String(36), ForeignKey("payments.id"), nullable=False),
    Column("cdr_id", String(48)),
    Column("amount_minor", BigInteger, nullable=False),
    Column("reference", String(255), nullable=False),
    Column("idempotency_key", String(120), nullable=False),  # the operator's request
    Column("requested_by", String(120), nullable=False),
    Column("reason", String(255)),
    _utc("created_at", nullable=False),
    UniqueConstraint("idempotency_key", "payment_id"),
)

# The driver's customer at the payment provider, made on first need.
payment_customers = Table(
    "payment_customers",
    metadata,
    Column("driver_id", String(36), ForeignKey("drivers.id", ondelete="CASCADE"), primary_key=True),
    Column("customer", String(255), nullable=False),
    _utc("created_at", nullable=False),
)

# Provider webhook events already handled (a replay is answered and ignored).
payment_events = Table(
    "payment_events",
    metadata,
    Column("id", String(255), primary_key=True),
    _utc("received_at", nullable=False),
)

# Subscription plans (a Stripe Plan each) and the drivers subscribed to them.
__all__ += ["plans", "subscriptions"]

plans = Table(
    "plans",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("interval", String(8), nullable=False),
    Column("driver_group", String(36), nullable=False),
    Column("reference", String(255), nullable=False, unique=True),
    _utc("created_at", nullable=False),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("driver_id", String(36), ForeignKey("drivers.id", ondelete="CASCADE"), nullable=False),
    Column("plan_id", String(36), ForeignKey("plans.id"), nullable=False),
    Column("reference", String(255), nullable=False, unique=True),
    Column("status", String(16), nullable=False),
    _utc("created_at", nullable=False),
    _utc("updated_at", nullable=False),
    Index("ix_subscriptions_driver", "driver_id", "status"),
)


# --- driver app (issue 7) ---

# The locations a driver starred in the app; gone with the driver.
driver_favourites = Table(
    "driver_favourites",
    metadata,
    Column("driver_id", String(36), ForeignKey("drivers.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "location_id",
        String(36),
        ForeignKey("locations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    _utc("created_at", nullable=False),
)


# --- postpaid invoices (issue 7) ---
# Drivers an operator made postpaid (their sessions start without a hold), their monthly
# invoices (numbers gapless per year: the unique (year, sequence)), and the invoices' lines:
# the CDR is the key, so a CDR is on one invoice at most.
__all__ += [
    "invoice_lines",
    "invoice_partner_lines",
    "invoice_refunds",
    "invoices",
    "postpaid_drivers",
]

postpaid_drivers = Table(
    "postpaid_drivers",
    metadata,
    Column("driver_id", String(36), ForeignKey("drivers.id", ondelete="CASCADE"), primary_key=True),
    _utc("since", nullable=False),
    Column("set_by", String(100), nullable=False),
)

invoices = Table(
    "invoices",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("number", String(32), nullable=False, unique=True),
    Column("year", Integer, nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("driver_id", String(36), ForeignKey("drivers.id"), nullable=False),
    Column("period", String(7), nullable=False),
    Column("currency", String(3), nullable=False),
    _utc("issued_at", nullable=False),
    Column("seller", JSON, nullable=False),
    Column("buyer", JSON, nullable=False),
    Column("subtotal_minor", BigInteger, nullable=False),
    Column("vat_minor", BigInteger, nullable=False),
    Column("total_minor", BigInteger, nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("payment_reference", String(255)),
    Column("failure_reason", String(500)),
    _utc("paid_at"),
    _utc("updated_at", nullable=False),
    Column("refunded_minor", BigInteger, nullable=False),
    UniqueConstraint("year", "sequence", name="uq_invoices_year_sequence"),
    UniqueConstraint("driver_id", "period", name="uq_invoices_driver_period"),
)


def _invoice_line_columns() -> list[Column[Any]]:
    """What a line says, the same for our CDRs and partners'."""
    return [
        Column(
            "invoice_id", String(36), ForeignKey("invoices.id", ondelete="CASCADE"), nullable=False
        ),
        Column("position", Integer, nullable=False),
        Column("description", String(500), nullable=False),
        _utc("started_at", nullable=False),
        _utc("ended_at", nullable=False),
        Column("energy_kwh", DecimalText(), nullable=False),
        Column("vat_rate", DecimalText(), nullable=False),
        Column("excl_vat_minor", BigInteger, nullable=False),
        Column("vat_minor", BigInteger, nullable=False),
        Column("credit", Boolean, nullable=False),
    ]


invoice_lines = Table(
    "invoice_lines",
    metadata,
    Column("cdr_id", String(39), ForeignKey("cdrs.id"), primary_key=True),
    *_invoice_line_columns(),
    Index("ix_invoice_lines_invoice", "invoice_id", "position"),
)

# A CDR a partner CPO sent for a postpaid driver's session on its network; the key keeps it
# on one invoice at most ({country}:{party}:{id}, as on the driver's receipt).
invoice_partner_lines = Table(
    "invoice_partner_lines",
    metadata,
    Column("cdr_id", String(48), primary_key=True),
    *_invoice_line_columns(),
    Index("ix_invoice_partner_lines_invoice", "invoice_id", "position"),
)

invoice_refunds = Table(
    "invoice_refunds",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("invoice_id", String(36), ForeignKey("invoices.id"), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("reference", String(255), nullable=False),
    Column("idempotency_key", String(64), nullable=False, unique=True),
    Column("requested_by", String(100), nullable=False),
    Column("reason", String(255)),
    _utc("created_at", nullable=False),
)


# --- ad hoc charging (issue 7) ---
__all__ += ["guests"]

# A guest who pays one session by card without an account; its id is its payments' driver_id.
guests = Table(
    "guests",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("secret_digest", String(64), nullable=False, unique=True),
    Column("station_id", String(48), nullable=False),
    Column("evse_id", Integer, nullable=False),
    Column("customer", String(255), nullable=False),
    Column("setup_intent", String(255), nullable=False),
    Column("token_uid", String(36), unique=True),
    Column("email", String(254)),
    _utc("created_at", nullable=False),
)


# --- partner CPOs' locations among the driver app's favourites (issue 7) ---
__all__ += ["driver_partner_favourites"]

# A received (emsp_locations) location a driver starred: its app id is CC:PTY:id.
driver_partner_favourites = Table(
    "driver_partner_favourites",
    metadata,
    Column("driver_id", String(36), ForeignKey("drivers.id", ondelete="CASCADE"), primary_key=True),
    Column("country_code", String(2), primary_key=True),
    Column("party_id", String(3), primary_key=True),
    Column("location_id", String(36), primary_key=True),
    _utc("created_at", nullable=False),
    ForeignKeyConstraint(
        ["country_code", "party_id", "location_id"],
        ["emsp_locations.country_code", "emsp_locations.party_id", "emsp_locations.id"],
        ondelete="CASCADE",
    ),
)


# --- driver vehicles (issue 7: driver accounts, "vehicles (optional)") ---
__all__ += ["vehicles"]

# A driver's cars: powers in W, the usable battery in Wh, the OCPI connector types as a JSON
# list. At most one row per driver has is_default set (the partial unique index keeps two
# racing requests from both winning). Gone with the driver.
vehicles = Table(
    "vehicles",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("driver_id", String(36), ForeignKey("drivers.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("make", String(100), nullable=False),
    Column("model", String(100), nullable=False),
    Column("licence_plate", String(20)),
    Column("battery_wh", Integer, nullable=False),
    Column("max_ac_power_w", Integer, nullable=False),
    Column("max_dc_power_w", Integer),
    Column("connector_standards", JSON, nullable=False),
    Column("is_default", Boolean, nullable=False),
    _utc("created_at", nullable=False),
    _utc("updated_at", nullable=False),
    Index("ix_vehicles_driver", "driver_id", "created_at"),
    Index(
        "uq_vehicles_default",
        "driver_id",
        unique=True,
        sqlite_where=text("is_default"),
        postgresql_where=text("is_default"),
    ),
)
