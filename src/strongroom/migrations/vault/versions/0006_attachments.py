"""Attachments: blobs (uploaded byte streams), attachments (a ciphertext blob and its artefact record), and
the attachment a slot's value is the file key of.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 19:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "blobs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("byte_size", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_blobs_user_id_id", "blobs", ["user_id", "id"])
    op.create_index("ix_blobs_state_created_at", "blobs", ["state", "created_at"])
    op.create_table(
        "attachments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("binary_blob_id", sa.Uuid(), nullable=False),
        sa.Column("artefacts_blob_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["binary_blob_id"], ["blobs.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["artefacts_blob_id"], ["blobs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("binary_blob_id"),
        sa.UniqueConstraint("artefacts_blob_id"),
    )
    op.create_index("ix_attachments_user_id_id", "attachments", ["user_id", "id"])
    op.create_index("ix_attachments_created_at", "attachments", ["created_at"])
    op.add_column("slots", sa.Column("attachment_id", sa.Uuid(), nullable=True))
    op.create_index("ix_slots_attachment_id", "slots", ["attachment_id"])


def downgrade() -> None:
    op.drop_index("ix_slots_attachment_id", table_name="slots")
    # A plain DROP COLUMN (SQLite 3.35+): a batch rebuild of slots would cascade-delete their shares.
    op.drop_column("slots", "attachment_id")
    op.drop_table("attachments")
    op.drop_table("blobs")
