"""partner CPOs' locations among the driver app's favourites

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-24 22:20:00.000000

Our own locations stay in driver_favourites (keyed by locations.id); a partner's location is
keyed like emsp_locations (country_code, party_id, id), so it gets a table of its own.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "driver_partner_favourites",
        sa.Column("driver_id", sa.String(length=36), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("party_id", sa.String(length=3), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_driver_partner_favourites_driver_id_drivers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["country_code", "party_id", "location_id"],
            ["emsp_locations.country_code", "emsp_locations.party_id", "emsp_locations.id"],
            name=op.f("fk_driver_partner_favourites_country_code_emsp_locations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "driver_id",
            "country_code",
            "party_id",
            "location_id",
            name=op.f("pk_driver_partner_favourites"),
        ),
    )


def downgrade() -> None:
    op.drop_table("driver_partner_favourites")
