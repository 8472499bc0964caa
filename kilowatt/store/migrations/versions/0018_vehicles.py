"""driver vehicles (issue 7)

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-24 22:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "vehicles",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("driver_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("make", sa.String(length=100), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("licence_plate", sa.String(length=20), nullable=True),
        sa.Column("battery_wh", sa.Integer(), nullable=False),
        sa.Column("max_ac_power_w", sa.Integer(), nullable=False),
        sa.Column("max_dc_power_w", sa.Integer(), nullable=True),
        sa.Column("connector_standards", sa.JSON(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_vehicles_driver_id_drivers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicles")),
    )
    op.create_index("ix_vehicles_driver", "vehicles", ["driver_id", "created_at"], unique=False)
    op.create_index(
        "uq_vehicles_default",
        "vehicles",
        ["driver_id"],
        unique=True,
        sqlite_where=sa.text("is_default"),
        postgresql_where=sa.text("is_default"),
    )


def downgrade() -> None:
    op.drop_index("uq_vehicles_default", table_name="vehicles")
    op.drop_index("ix_vehicles_driver", table_name="vehicles")
    op.drop_table("vehicles")
