"""issue 4, the remaining gaps: a sequence of OCPP request ids

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 19:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.bulk_insert(
        sa.table("id_allocations", sa.column("name"), sa.column("next_value")),
        [{"name": "request_id", "next_value": 1}],
    )


def downgrade() -> None:
    op.execute("DELETE FROM id_allocations WHERE name = 'request_id'")
