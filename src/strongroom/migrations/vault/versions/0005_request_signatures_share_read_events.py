"""Used request signatures (the proof behind ``DELETE /me``) and share read events.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 19:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "used_request_signatures",
        sa.Column("signature_sha256", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("signature_sha256", name=op.f("pk_used_request_signatures")),
    )
    op.create_index(
        op.f("ix_used_request_signatures_expires_at"), "used_request_signatures", ["expires_at"], unique=False
    )
    op.create_table(
        "share_read_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("share_id", sa.Uuid(), nullable=False),
        sa.Column("reader_id", sa.Uuid(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["share_id"], ["shares.id"], name=op.f("fk_share_read_events_share_id_shares"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["reader_id"], ["users.id"], name=op.f("fk_share_read_events_reader_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_read_events")),
    )
    op.create_index(
        "ix_share_read_events_share_id_read_at", "share_read_events", ["share_id", "read_at"], unique=False
    )
    op.create_index(op.f("ix_share_read_events_reader_id"), "share_read_events", ["reader_id"], unique=False)


def downgrade() -> None:
    op.drop_table("share_read_events")
    op.drop_table("used_request_signatures")
