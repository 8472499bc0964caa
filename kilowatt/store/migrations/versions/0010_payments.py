"""payments (holds, refunds, provider customers, handled webhook events)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 19:35:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payment_events",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_events")),
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("driver_id", sa.String(length=36), nullable=False),
        sa.Column("reference", sa.String(length=255), nullable=False),
        sa.Column("idempotency_key", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("authorized_minor", sa.BigInteger(), nullable=False),
        sa.Column("captured_minor", sa.BigInteger(), nullable=False),
        sa.Column("refunded_minor", sa.BigInteger(), nullable=False),
        sa.Column("station_id", sa.String(length=48), nullable=True),
        sa.Column("evse_id", sa.Integer(), nullable=True),
        sa.Column("remote_start_id", sa.BigInteger(), nullable=True),
        sa.Column("transaction_pk", sa.String(length=36), nullable=True),
        sa.Column("cdr_id", sa.String(length=39), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_payments_idempotency_key")),
        sa.UniqueConstraint("reference", name=op.f("uq_payments_reference")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index("ix_payments_driver", ["driver_id", "created_at"], unique=False)
        batch_op.create_index("ix_payments_state", ["state"], unique=False)
        batch_op.create_index("ix_payments_transaction", ["transaction_pk"], unique=False)

    op.create_table(
        "payment_customers",
        sa.Column("driver_id", sa.String(length=36), nullable=False),
        sa.Column("customer", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_payment_customers_driver_id_drivers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("driver_id", name=op.f("pk_payment_customers")),
    )
    op.create_table(
        "payment_refunds",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("payment_id", sa.String(length=36), nullable=False),
        sa.Column("cdr_id", sa.String(length=39), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=255), nullable=False),
        sa.Column("idempotency_key", sa.String(length=120), nullable=False),
        sa.Column("requested_by", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_payment_refunds_payment_id_payments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_refunds")),
        sa.UniqueConstraint(
            "idempotency_key",
            "payment_id",
            name=op.f("uq_payment_refunds_idempotency_key_payment_id"),
        ),
    )


def downgrade() -> None:
    op.drop_table("payment_refunds")
    op.drop_table("payment_customers")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index("ix_payments_transaction")
        batch_op.drop_index("ix_payments_state")
        batch_op.drop_index("ix_payments_driver")

    op.drop_table("payments")
    op.drop_table("payment_events")
