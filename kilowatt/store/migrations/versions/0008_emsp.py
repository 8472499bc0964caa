"""roaming, eMSP role (partner CPOs' objects, commands we sent)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 19:40:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RECEIVED: dict[str, list[sa.Column[Any]]] = {
    "emsp_locations": [
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("publish", sa.Boolean(), nullable=False),
    ],
    "emsp_sessions": [
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("token_uid", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
    ],
    "emsp_cdrs": [
        sa.Column("session_id", sa.String(length=36), nullable=True),
        sa.Column("token_uid", sa.String(length=36), nullable=False),
    ],
    "emsp_tariffs": [sa.Column("currency", sa.String(length=3), nullable=False)],
}
_INDEXES: dict[str, list[tuple[str, list[str]]]] = {
    "emsp_sessions": [("ix_emsp_sessions_token_uid", ["token_uid"])],
    "emsp_cdrs": [
        ("ix_emsp_cdrs_token_uid", ["token_uid"]),
        ("ix_emsp_cdrs_session_id", ["session_id"]),
    ],
}


def upgrade() -> None:
    for name, columns in _RECEIVED.items():
        op.create_table(
            name,
            sa.Column("country_code", sa.String(length=2), nullable=False),
            sa.Column("party_id", sa.String(length=3), nullable=False),
            sa.Column("id", sa.String(length=36), nullable=False),
            sa.Column("partner_id", sa.String(length=36), nullable=False),
            sa.Column("body", sa.JSON(), nullable=False),
            sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
            *columns,
            sa.PrimaryKeyConstraint("country_code", "party_id", "id", name=op.f(f"pk_{name}")),
        )
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.create_index(
                f"ix_{name}_partner", ["partner_id", "country_code", "party_id", "id"]
            )
            for index, indexed in _INDEXES.get(name, []):
                batch_op.create_index(index, indexed)
    op.create_table(
        "emsp_commands",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("partner_id", sa.String(length=36), nullable=False),
        sa.Column("command", sa.String(length=24), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("response", sa.String(length=24), nullable=True),
        sa.Column("result", sa.String(length=24), nullable=True),
        sa.Column("message", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("result_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emsp_commands")),
    )


def downgrade() -> None:
    op.drop_table("emsp_commands")
    for name in reversed(_RECEIVED):
        op.drop_table(name)
