"""drivers and payments (issue 7)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 17:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "drivers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("contract_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=True),
        sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drivers")),
        sa.UniqueConstraint("contract_id", name=op.f("uq_drivers_contract_id")),
        sa.UniqueConstraint("email", name=op.f("uq_drivers_email")),
    )
    op.create_table(
        "driver_secrets",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("driver_id", sa.String(length=36), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_driver_secrets_driver_id_drivers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_driver_secrets")),
    )
    with op.batch_alter_table("driver_secrets", schema=None) as batch_op:
        batch_op.create_index("ix_driver_secrets_driver", ["driver_id", "purpose"], unique=False)

    op.create_table(
        "driver_tokens",
        sa.Column("token_uid", sa.String(length=36), nullable=False),
        sa.Column("driver_id", sa.String(length=36), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_driver_tokens_driver_id_drivers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["token_uid"],
            ["id_tokens.uid"],
            name=op.f("fk_driver_tokens_token_uid_id_tokens"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_uid", name=op.f("pk_driver_tokens")),
    )
    with op.batch_alter_table("driver_tokens", schema=None) as batch_op:
        batch_op.create_index("ix_driver_tokens_driver", ["driver_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("driver_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_driver_tokens_driver")

    op.drop_table("driver_tokens")
    with op.batch_alter_table("driver_secrets", schema=None) as batch_op:
        batch_op.drop_index("ix_driver_secrets_driver")

    op.drop_table("driver_secrets")
    op.drop_table("drivers")
