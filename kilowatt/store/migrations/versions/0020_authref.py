"""the eMSP's OCPI authorization_reference on transactions, remote starts, reservations

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-24 22:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("transactions") as batch:
        batch.add_column(sa.Column("authorization_reference", sa.String(36), nullable=True))
        batch.add_column(
            sa.Column("authorization_reference_at", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("remote_starts") as batch:
        batch.add_column(sa.Column("authorization_reference", sa.String(36), nullable=True))
    with op.batch_alter_table("reservations") as batch:
        batch.add_column(sa.Column("authorization_reference", sa.String(36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reservations") as batch:
        batch.drop_column("authorization_reference")
    with op.batch_alter_table("remote_starts") as batch:
        batch.drop_column("authorization_reference")
    with op.batch_alter_table("transactions") as batch:
        batch.drop_column("authorization_reference_at")
        batch.drop_column("authorization_reference")
