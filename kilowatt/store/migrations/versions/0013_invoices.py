"""postpaid invoices (postpaid drivers, monthly invoices, their lines and refunds)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-24 20:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "postpaid_drivers",
        sa.Column("driver_id", sa.String(length=36), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("set_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_postpaid_drivers_driver_id_drivers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("driver_id", name=op.f("pk_postpaid_drivers")),
    )
    op.create_table(
        "invoices",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("driver_id", sa.String(length=36), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seller", sa.JSON(), nullable=False),
        sa.Column("buyer", sa.JSON(), nullable=False),
        sa.Column("subtotal_minor", sa.BigInteger(), nullable=False),
        sa.Column("vat_minor", sa.BigInteger(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("payment_reference", sa.String(length=255), nullable=True),
        sa.Column("failure_reason", sa.String(length=500), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refunded_minor", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["driver_id"], ["drivers.id"], name=op.f("fk_invoices_driver_id_drivers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("number", name=op.f("uq_invoices_number")),
        sa.UniqueConstraint("year", "sequence", name="uq_invoices_year_sequence"),
        sa.UniqueConstraint("driver_id", "period", name="uq_invoices_driver_period"),
    )
    op.create_table(
        "invoice_lines",
        sa.Column("cdr_id", sa.String(length=39), nullable=False),
        sa.Column("invoice_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("energy_kwh", sa.String(length=40), nullable=False),
        sa.Column("vat_rate", sa.String(length=40), nullable=False),
        sa.Column("excl_vat_minor", sa.BigInteger(), nullable=False),
        sa.Column("vat_minor", sa.BigInteger(), nullable=False),
        sa.Column("credit", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["cdr_id"], ["cdrs.id"], name=op.f("fk_invoice_lines_cdr_id_cdrs")),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_lines_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("cdr_id", name=op.f("pk_invoice_lines")),
    )
    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.create_index("ix_invoice_lines_invoice", ["invoice_id", "position"], unique=False)

    op.create_table(
        "invoice_refunds",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("invoice_id", sa.String(length=36), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=255), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_invoice_refunds_invoice_id_invoices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_refunds")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_invoice_refunds_idempotency_key")),
    )


def downgrade() -> None:
    op.drop_table("invoice_refunds")
    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_invoice_lines_invoice")

    op.drop_table("invoice_lines")
    op.drop_table("invoices")
    op.drop_table("postpaid_drivers")
