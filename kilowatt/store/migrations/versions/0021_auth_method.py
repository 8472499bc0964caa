"""how a transaction was let start (OCPI auth_method), kept with it

Transactions already linked to a remote start were started by a command: they become
COMMAND. Whether an older one was authorized in real time was never kept: it stays NULL
(WHITELIST), as its Sessions and CDRs said before.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-24 23:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("transactions") as batch:
        batch.add_column(sa.Column("auth_method", sa.String(16), nullable=True))
    op.execute(
        "UPDATE transactions SET auth_method = 'COMMAND' WHERE remote_start_id IS NOT NULL"
        " OR EXISTS (SELECT 1 FROM remote_starts r WHERE r.station_id = transactions.station_id"
        " AND r.transaction_id = transactions.transaction_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("transactions") as batch:
        batch.drop_column("auth_method")
