"""roaming (OCPI partners)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 17:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ocpi_pushes",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partner_id", sa.String(length=36), nullable=False),
        sa.Column("object_key", sa.String(length=120), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("url", sa.String(length=512), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_ocpi_pushes")),
    )
    with op.batch_alter_table("ocpi_pushes", schema=None) as batch_op:
        batch_op.create_index("ix_ocpi_pushes_next_attempt_at", ["next_attempt_at"], unique=False)
        batch_op.create_index(
            "ix_ocpi_pushes_object", ["partner_id", "object_key", "seq"], unique=False
        )
    op.create_table(
        "roaming_partners",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("our_token_digest", sa.String(length=64), nullable=True),
        sa.Column("their_token", sa.String(length=255), nullable=True),
        sa.Column("versions_url", sa.String(length=255), nullable=True),
        sa.Column("version", sa.String(length=8), nullable=True),
        sa.Column("country_code", sa.String(length=2), nullable=True),
        sa.Column("party_id", sa.String(length=3), nullable=True),
        sa.Column("role", sa.String(length=8), nullable=True),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("endpoints", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roaming_partners")),
        sa.UniqueConstraint("our_token_digest", name=op.f("uq_roaming_partners_our_token_digest")),
    )


def downgrade() -> None:
    op.drop_table("ocpi_pushes")
    op.drop_table("roaming_partners")
