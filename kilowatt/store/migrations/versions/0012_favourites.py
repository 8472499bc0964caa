"""driver app favourites (issue 7)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 19:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "driver_favourites",
        sa.Column("driver_id", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_driver_favourites_driver_id_drivers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_driver_favourites_location_id_locations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("driver_id", "location_id", name=op.f("pk_driver_favourites")),
    )


def downgrade() -> None:
    op.drop_table("driver_favourites")
