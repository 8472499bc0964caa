"""ad hoc charging: guests who pay one session by card (issue 7)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-24 20:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "guests",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("secret_digest", sa.String(length=64), nullable=False),
        sa.Column("station_id", sa.String(length=48), nullable=False),
        sa.Column("evse_id", sa.Integer(), nullable=False),
        sa.Column("customer", sa.String(length=255), nullable=False),
        sa.Column("setup_intent", sa.String(length=255), nullable=False),
        sa.Column("token_uid", sa.String(length=36), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guests")),
        sa.UniqueConstraint("secret_digest", name=op.f("uq_guests_secret_digest")),
        sa.UniqueConstraint("token_uid", name=op.f("uq_guests_token_uid")),
    )


def downgrade() -> None:
    op.drop_table("guests")
