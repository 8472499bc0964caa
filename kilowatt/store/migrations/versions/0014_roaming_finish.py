"""issue 6, the remaining gaps: the partner's party each OCPI push is for (routing headers)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24 20:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ocpi_pushes") as batch:
        batch.add_column(sa.Column("to_country_code", sa.String(2), nullable=True))
        batch.add_column(sa.Column("to_party_id", sa.String(3), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ocpi_pushes") as batch:
        batch.drop_column("to_party_id")
        batch.drop_column("to_country_code")
