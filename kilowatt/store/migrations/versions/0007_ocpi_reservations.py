"""OCPI reservations: an eMSP's reservation ids mapped to ours

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 20:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ocpi_reservations",
        sa.Column("partner_id", sa.String(length=36), nullable=False),
        sa.Column("reservation_id", sa.String(length=36), nullable=False),
        sa.Column("our_reservation_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("partner_id", "reservation_id", name=op.f("pk_ocpi_reservations")),
    )


def downgrade() -> None:
    op.drop_table("ocpi_reservations")
