"""device management (issue 4): device model variables, local authorization lists,
reservations, remote starts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 16:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "device_variables",
        sa.Column("station_id", sa.String(length=48), nullable=False),
        sa.Column("variable_key", sa.String(length=255), nullable=False),
        sa.Column("component", sa.String(length=50), nullable=False),
        sa.Column("component_instance", sa.String(length=50), nullable=True),
        sa.Column("evse_id", sa.Integer(), nullable=True),
        sa.Column("connector_id", sa.Integer(), nullable=True),
        sa.Column("variable", sa.String(length=50), nullable=False),
        sa.Column("variable_instance", sa.String(length=50), nullable=True),
        sa.Column("attribute_type", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("mutability", sa.String(length=16), nullable=True),
        sa.Column("characteristics", sa.JSON(), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["charging_stations.id"],
            name=op.f("fk_device_variables_station_id_charging_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("station_id", "variable_key", name=op.f("pk_device_variables")),
    )
    with op.batch_alter_table("device_variables", schema=None) as batch_op:
        batch_op.create_index(
            "ix_device_variables_lookup", ["station_id", "component", "variable"], unique=False
        )

    op.create_table(
        "local_lists",
        sa.Column("station_id", sa.String(length=48), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("last_status", sa.String(length=20), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["charging_stations.id"],
            name=op.f("fk_local_lists_station_id_charging_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("station_id", name=op.f("pk_local_lists")),
    )
    op.create_table(
        "local_list_entries",
        sa.Column("station_id", sa.String(length=48), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("token_type", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["local_lists.station_id"],
            name=op.f("fk_local_list_entries_station_id_local_lists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("station_id", "uid", name=op.f("pk_local_list_entries")),
    )

    op.create_table(
        "reservations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.String(length=48), nullable=False),
        sa.Column("evse_id", sa.Integer(), nullable=True),
        sa.Column("id_token", sa.String(length=36), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("station_status", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations")),
    )
    with op.batch_alter_table("reservations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reservations_station_status", ["station_id", "status"], unique=False
        )
    op.bulk_insert(
        sa.table("id_allocations", sa.column("name"), sa.column("next_value")),
        [{"name": "reservation_id", "next_value": 1}, {"name": "remote_start_id", "next_value": 1}],
    )
    op.create_table(
        "remote_starts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.String(length=48), nullable=False),
        sa.Column("evse_id", sa.Integer(), nullable=True),
        sa.Column("id_token", sa.String(length=36), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("station_status", sa.String(length=20), nullable=False),
        sa.Column("transaction_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remote_starts")),
    )
    with op.batch_alter_table("remote_starts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_remote_starts_station_transaction", ["station_id", "transaction_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("remote_starts", schema=None) as batch_op:
        batch_op.drop_index("ix_remote_starts_station_transaction")
    op.drop_table("remote_starts")
    op.execute("DELETE FROM id_allocations WHERE name IN ('reservation_id', 'remote_start_id')")
    with op.batch_alter_table("reservations", schema=None) as batch_op:
        batch_op.drop_index("ix_reservations_station_status")
    op.drop_table("reservations")
    op.drop_table("local_list_entries")
    op.drop_table("local_lists")
    with op.batch_alter_table("device_variables", schema=None) as batch_op:
        batch_op.drop_index("ix_device_variables_lookup")
    op.drop_table("device_variables")
