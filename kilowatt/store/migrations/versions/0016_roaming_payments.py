"""issue 7: our drivers pay for sessions at partner CPOs (holds linked to OCPI sessions,
partner CDRs captured or put on postpaid invoices)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-24 22:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payments") as batch:
        batch.alter_column("cdr_id", type_=sa.String(48), existing_type=sa.String(39))
        batch.add_column(sa.Column("roaming_partner", sa.String(36), nullable=True))
        batch.add_column(sa.Column("roaming_location", sa.String(36), nullable=True))
        batch.add_column(sa.Column("roaming_reference", sa.String(36), nullable=True))
        batch.add_column(sa.Column("roaming_session", sa.String(48), nullable=True))
        batch.create_index("ix_payments_roaming_reference", ["roaming_reference"], unique=False)
        batch.create_index("ix_payments_roaming_session", ["roaming_session"], unique=False)
    with op.batch_alter_table("payment_refunds") as batch:
        batch.alter_column("cdr_id", type_=sa.String(48), existing_type=sa.String(39))
    op.create_table(
        "invoice_partner_lines",
        sa.Column("cdr_id", sa.String(48), nullable=False),
        sa.Column("invoice_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("energy_kwh", sa.String(length=40), nullable=False),
        sa.Column("vat_rate", sa.String(length=40), nullable=False),
        sa.Column("excl_vat_minor", sa.BigInteger(), nullable=False),
        sa.Column("vat_minor", sa.BigInteger(), nullable=False),
        sa.Column("credit", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_partner_lines_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("cdr_id", name=op.f("pk_invoice_partner_lines")),
    )
    op.create_index(
        "ix_invoice_partner_lines_invoice",
        "invoice_partner_lines",
        ["invoice_id", "position"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_invoice_partner_lines_invoice", table_name="invoice_partner_lines")
    op.drop_table("invoice_partner_lines")
    with op.batch_alter_table("payment_refunds") as batch:
        batch.alter_column("cdr_id", type_=sa.String(39), existing_type=sa.String(48))
    with op.batch_alter_table("payments") as batch:
        batch.drop_index("ix_payments_roaming_session")
        batch.drop_index("ix_payments_roaming_reference")
        batch.drop_column("roaming_session")
        batch.drop_column("roaming_reference")
        batch.drop_column("roaming_location")
        batch.drop_column("roaming_partner")
        batch.alter_column("cdr_id", type_=sa.String(39), existing_type=sa.String(48))
