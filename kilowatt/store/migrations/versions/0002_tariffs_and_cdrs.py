"""tariffs and CDRs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tariffs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("party_id", sa.String(length=3), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("type", sa.String(length=24), nullable=True),
        sa.Column("driver_group", sa.String(length=36), nullable=True),
        sa.Column("start_date_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_date_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tariffs")),
    )
    op.create_table(
        "cdrs",
        sa.Column("id", sa.String(length=39), nullable=False),
        sa.Column("transaction_pk", sa.String(length=36), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("credit", sa.Boolean(), nullable=False),
        sa.Column("station_id", sa.String(length=48), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=True),
        sa.Column("id_token", sa.String(length=36), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total_cost_excl_vat", sa.String(length=40), nullable=False),
        sa.Column("total_cost_incl_vat", sa.String(length=40), nullable=True),
        sa.Column("total_energy_kwh", sa.String(length=40), nullable=False),
        sa.Column("start_date_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_date_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cdrs")),
        sa.UniqueConstraint("transaction_pk", "revision", "credit", name="uq_cdrs_revision"),
    )
    with op.batch_alter_table("cdrs", schema=None) as batch_op:
        batch_op.create_index("ix_cdrs_station_end", ["station_id", "end_date_time"])
        batch_op.create_index("ix_cdrs_last_updated", ["last_updated"])


def downgrade() -> None:
    with op.batch_alter_table("cdrs", schema=None) as batch_op:
        batch_op.drop_index("ix_cdrs_last_updated")
        batch_op.drop_index("ix_cdrs_station_end")
    op.drop_table("cdrs")
    op.drop_table("tariffs")
