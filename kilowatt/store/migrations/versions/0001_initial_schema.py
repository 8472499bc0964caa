"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24 14:02:44.964722
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "api_keys",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_api_keys")),
    )
    op.create_table(
        "connector_statuses",
        sa.Column("station_id", sa.String(length=48), nullable=False),
        sa.Column("evse_id", sa.Integer(), nullable=False),
        sa.Column("connector_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error_code", sa.String(length=50), nullable=True),
        sa.Column("info", sa.String(length=50), nullable=True),
        sa.Column("vendor_error_code", sa.String(length=50), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "station_id", "evse_id", "connector_id", name=op.f("pk_connector_statuses")
        ),
    )
    op.create_table(
        "id_allocations",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("next_value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_id_allocations")),
    )
    op.bulk_insert(
        sa.table("id_allocations", sa.column("name"), sa.column("next_value")),
        [{"name": "legacy_transaction_id", "next_value": 1}],
    )
    op.create_table(
        "id_tokens",
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("contract_id", sa.String(length=36), nullable=True),
        sa.Column("visual_number", sa.String(length=64), nullable=True),
        sa.Column("issuer", sa.String(length=64), nullable=True),
        sa.Column("group_id", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("whitelist", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=True),
        sa.Column("country_code", sa.String(length=2), nullable=True),
        sa.Column("party_id", sa.String(length=3), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("uid", name=op.f("pk_id_tokens")),
    )
    op.create_table(
        "locations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("address", sa.String(length=45), nullable=False),
        sa.Column("city", sa.String(length=45), nullable=False),
        sa.Column("postal_code", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=True),
        sa.Column("country", sa.String(length=3), nullable=False),
        sa.Column("latitude", sa.String(length=40), nullable=False),
        sa.Column("longitude", sa.String(length=40), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("opening_hours", sa.JSON(), nullable=False),
        sa.Column("parking_type", sa.String(length=32), nullable=True),
        sa.Column("publish", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_locations")),
    )
    op.create_table(
        "meter_samples",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("station_id", sa.String(length=48), nullable=False),
        sa.Column("evse_id", sa.Integer(), nullable=False),
        sa.Column("transaction_pk", sa.String(length=36), nullable=False),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("measurand", sa.String(length=64), nullable=False),
        sa.Column("phase", sa.String(length=8), nullable=False),
        sa.Column("location", sa.String(length=8), nullable=False),
        sa.Column("context", sa.String(length=32), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=40), nullable=False),
        sa.Column("signed_data", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meter_samples")),
        sa.UniqueConstraint(
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
    )
    with op.batch_alter_table("meter_samples", schema=None) as batch_op:
        batch_op.create_index(
            "ix_meter_samples_transaction", ["transaction_pk", "measured_at"], unique=False
        )

    op.create_table(
        "ocpp_messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("station_id", sa.String(length=48), nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("request", sa.JSON(), nullable=True),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.Column("error_code", sa.String(length=40), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_us", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ocpp_messages")),
    )
    with op.batch_alter_table("ocpp_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ocpp_messages_station_time", ["station_id", "received_at"], unique=False
        )

    op.create_table(
        "station_reports",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("station_id", sa.String(length=48), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_station_reports")),
    )
    with op.batch_alter_table("station_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_station_reports_station_id"), ["station_id"], unique=False
        )

    op.create_table(
        "status_history",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("station_id", sa.String(length=48), nullable=False),
        sa.Column("evse_id", sa.Integer(), nullable=False),
        sa.Column("connector_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error_code", sa.String(length=50), nullable=True),
        sa.Column("info", sa.String(length=50), nullable=True),
        sa.Column("vendor_error_code", sa.String(length=50), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_history")),
        sa.UniqueConstraint(
            "station_id",
            "evse_id",
            "connector_id",
            "reported_at",
            "status",
            name="uq_status_history_key",
        ),
    )
    op.create_table(
        "transactions",
        sa.Column("pk", sa.String(length=36), nullable=False),
        sa.Column("station_id", sa.String(length=48), nullable=False),
        sa.Column("transaction_id", sa.String(length=36), nullable=False),
        sa.Column("evse_id", sa.Integer(), nullable=True),
        sa.Column("connector_id", sa.Integer(), nullable=True),
        sa.Column("id_token", sa.String(length=36), nullable=True),
        sa.Column("id_token_type", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stop_reason", sa.String(length=32), nullable=True),
        sa.Column("meter_start_wh", sa.BigInteger(), nullable=True),
        sa.Column("meter_start_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_meter_wh", sa.BigInteger(), nullable=True),
        sa.Column("last_meter_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("charging_state", sa.String(length=16), nullable=True),
        sa.Column("remote_start_id", sa.Integer(), nullable=True),
        sa.Column("start_key", sa.String(length=200), nullable=True),
        sa.Column("offline_events", sa.Integer(), nullable=False),
        sa.Column("latest_event_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("latest_event_seq", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_transactions")),
        sa.UniqueConstraint(
            "station_id", "start_key", name=op.f("uq_transactions_station_id_start_key")
        ),
        sa.UniqueConstraint(
            "station_id", "transaction_id", name=op.f("uq_transactions_station_id_transaction_id")
        ),
    )
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_transactions_id_token_status", ["id_token", "status"], unique=False
        )
        batch_op.create_index("ix_transactions_started_at", ["started_at"], unique=False)

    op.create_table(
        "charging_stations",
        sa.Column("id", sa.String(length=48), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("registration_status", sa.String(length=16), nullable=False),
        sa.Column("vendor", sa.String(length=50), nullable=True),
        sa.Column("model", sa.String(length=50), nullable=True),
        sa.Column("serial_number", sa.String(length=50), nullable=True),
        sa.Column("firmware_version", sa.String(length=50), nullable=True),
        sa.Column("iccid", sa.String(length=20), nullable=True),
        sa.Column("imsi", sa.String(length=20), nullable=True),
        sa.Column("meter_type", sa.String(length=50), nullable=True),
        sa.Column("meter_serial_number", sa.String(length=50), nullable=True),
        sa.Column("ocpp_version", sa.String(length=8), nullable=True),
        sa.Column("security_profile", sa.Integer(), nullable=False),
        sa.Column("heartbeat_interval_s", sa.Integer(), nullable=False),
        sa.Column("last_boot_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_boot_reason", sa.String(length=32), nullable=True),
        sa.Column("last_heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("firmware_status", sa.String(length=32), nullable=True),
        sa.Column("diagnostics_status", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_charging_stations_location_id_locations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charging_stations")),
    )
    op.create_table(
        "transaction_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("transaction_pk", sa.String(length=36), nullable=True),
        sa.Column("station_id", sa.String(length=48), nullable=False),
        sa.Column("event_key", sa.String(length=80), nullable=False),
        sa.Column("event_type", sa.String(length=16), nullable=False),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trigger_reason", sa.String(length=32), nullable=False),
        sa.Column("seq_no", sa.Integer(), nullable=True),
        sa.Column("offline", sa.Boolean(), nullable=False),
        sa.Column("id_token", sa.String(length=36), nullable=True),
        sa.Column("charging_state", sa.String(length=16), nullable=True),
        sa.Column("stopped_reason", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["transaction_pk"],
            ["transactions.pk"],
            name=op.f("fk_transaction_events_transaction_pk_transactions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transaction_events")),
        sa.UniqueConstraint(
            "transaction_pk",
            "event_key",
            name=op.f("uq_transaction_events_transaction_pk_event_key"),
        ),
    )
    op.create_table(
        "evses",
        sa.Column("station_id", sa.String(length=48), nullable=False),
        sa.Column("evse_id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("evse_code", sa.String(length=48), nullable=True),
        sa.Column("physical_reference", sa.String(length=16), nullable=True),
        sa.Column("floor_level", sa.String(length=4), nullable=True),
        sa.Column("capabilities", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["charging_stations.id"],
            name=op.f("fk_evses_station_id_charging_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("station_id", "evse_id", name=op.f("pk_evses")),
        sa.UniqueConstraint("uid", name=op.f("uq_evses_uid")),
    )
    op.create_table(
        "connectors",
        sa.Column("station_id", sa.String(length=48), nullable=False),
        sa.Column("evse_id", sa.Integer(), nullable=False),
        sa.Column("connector_id", sa.Integer(), nullable=False),
        sa.Column("standard", sa.String(length=32), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("power_type", sa.String(length=16), nullable=False),
        sa.Column("max_voltage_v", sa.Integer(), nullable=False),
        sa.Column("max_amperage_a", sa.Integer(), nullable=False),
        sa.Column("max_electric_power_w", sa.Integer(), nullable=True),
        sa.Column("tariff_ids", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id", "evse_id"],
            ["evses.station_id", "evses.evse_id"],
            name=op.f("fk_connectors_station_id_evses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "station_id", "evse_id", "connector_id", name=op.f("pk_connectors")
        ),
    )


def downgrade() -> None:

    op.drop_table("connectors")
    op.drop_table("evses")
    op.drop_table("transaction_events")
    op.drop_table("charging_stations")
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.drop_index("ix_transactions_started_at")
        batch_op.drop_index("ix_transactions_id_token_status")

    op.drop_table("transactions")
    op.drop_table("status_history")
    with op.batch_alter_table("station_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_station_reports_station_id"))

    op.drop_table("station_reports")
    with op.batch_alter_table("ocpp_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_ocpp_messages_station_time")

    op.drop_table("ocpp_messages")
    with op.batch_alter_table("meter_samples", schema=None) as batch_op:
        batch_op.drop_index("ix_meter_samples_transaction")

    op.drop_table("meter_samples")
    op.drop_table("locations")
    op.drop_table("id_tokens")
    op.drop_table("id_allocations")
    op.drop_table("connector_statuses")
    op.drop_table("api_keys")
