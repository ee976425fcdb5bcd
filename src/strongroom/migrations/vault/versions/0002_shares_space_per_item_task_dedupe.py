"""Shares: one per (encryption space, item), explicit spaces back one share; one waiting task per target.

The 0.9 reference client reuses its connection's encryption space for every card it shares over that
connection, so ``shares.encryption_space_id`` cannot be unique on its own. It becomes unique per item, and
unique outright only for spaces the client names explicitly (``space_from_connection`` false).

SQLite cannot drop a table constraint, so there the table is rebuilt. The rebuild does not use Alembic's
batch mode: that copies the rows into a temporary table whose self-reference (``parent_share_id``) still
names ``shares``, and dropping the old table with foreign keys on would cascade-delete the copied on-shares.
The new table references itself under its own name, and SQLite rewrites that reference on the rename.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 03:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SHARE_COLUMNS = (
    "id, owner_id, sender_id, recipient_id, shareable_type, item_id, slot_id, sender_connection_id, "
    "recipient_connection_id, encryption_space_id, encrypted_values, terms, distributable, "
    "acceptance_required, expires_at, parent_share_id, version, created_at, updated_at"
)

_SHARE_INDEXES: tuple[tuple[str, list[str]], ...] = (
    ("ix_shares_expires_at", ["expires_at"]),
    ("ix_shares_item_id", ["item_id"]),
    ("ix_shares_owner_id", ["owner_id"]),
    ("ix_shares_parent_share_id", ["parent_share_id"]),
    ("ix_shares_recipient_connection_id", ["recipient_connection_id"]),
    ("ix_shares_recipient_id_id", ["recipient_id", "id"]),
    ("ix_shares_sender_connection_id", ["sender_connection_id"]),
    ("ix_shares_sender_id_id", ["sender_id", "id"]),
    ("ix_shares_slot_id", ["slot_id"]),
)


def _shares_table(name: str, space_default: bool) -> None:
    """Create the shares table (as ``name``) in its new shape; its self-reference names ``name``."""
    op.create_table(
        name,
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("sender_id", sa.Uuid(), nullable=False),
        sa.Column("recipient_id", sa.Uuid(), nullable=False),
        sa.Column("shareable_type", sa.String(length=20), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("slot_id", sa.Uuid(), nullable=True),
        sa.Column("sender_connection_id", sa.Uuid(), nullable=False),
        sa.Column("recipient_connection_id", sa.Uuid(), nullable=False),
        sa.Column("encryption_space_id", sa.Uuid(), nullable=False),
        sa.Column("encrypted_values", sa.JSON(), nullable=True),
        sa.Column("terms", sa.Text(), nullable=True),
        sa.Column("distributable", sa.Boolean(), nullable=False),
        sa.Column("acceptance_required", sa.String(length=30), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("parent_share_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "space_from_connection",
            sa.Boolean(),
            nullable=False,
            server_default=sa.true() if space_default else sa.false(),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name="fk_shares_item_id_items", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name="fk_shares_owner_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["parent_share_id"], [f"{name}.id"], name="fk_shares_parent_share_id_shares", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recipient_connection_id"],
            ["connections.id"],
            name="fk_shares_recipient_connection_id_connections",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["users.id"], name="fk_shares_recipient_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["sender_connection_id"],
            ["connections.id"],
            name="fk_shares_sender_connection_id_connections",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"], ["users.id"], name="fk_shares_sender_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"], ["slots.id"], name="fk_shares_slot_id_slots", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_shares"),
        sa.UniqueConstraint("encryption_space_id", "item_id", name="uq_shares_encryption_space_id_item_id"),
    )


def _explicit_space_index() -> None:
    op.create_index(
        "uq_shares_explicit_encryption_space_id",
        "shares",
        ["encryption_space_id"],
        unique=True,
        sqlite_where=sa.text("NOT space_from_connection"),
        postgresql_where=sa.text("NOT space_from_connection"),
    )


def upgrade() -> None:
    """Upgrade schema."""
    if op.get_bind().dialect.name == "sqlite":
        _shares_table("shares_v2", space_default=False)
        # Constant column list, no input: not an injection vector.
        op.execute(f"INSERT INTO shares_v2 ({_SHARE_COLUMNS}) SELECT {_SHARE_COLUMNS} FROM shares")  # noqa: S608
        op.drop_table("shares")
        op.rename_table("shares_v2", "shares")
        for name, columns in _SHARE_INDEXES:
            op.create_index(name, "shares", columns, unique=False)
    else:
        op.add_column(
            "shares",
            sa.Column("space_from_connection", sa.Boolean(), nullable=False, server_default=sa.false()),
        )
        op.drop_constraint("uq_shares_encryption_space_id", "shares", type_="unique")
        op.create_unique_constraint(
            "uq_shares_encryption_space_id_item_id", "shares", ["encryption_space_id", "item_id"]
        )
    _explicit_space_index()

    op.create_index("ix_client_tasks_target_id", "client_tasks", ["target_id"], unique=False)
    op.create_index(
        "uq_client_tasks_todo",
        "client_tasks",
        ["user_id", "work_type", "target_id"],
        unique=True,
        sqlite_where=sa.text("state = 'todo'"),
        postgresql_where=sa.text("state = 'todo'"),
    )


def downgrade() -> None:
    """Downgrade schema (fails if a space backs several shares: that data has no place in 0001)."""
    op.drop_index("uq_client_tasks_todo", table_name="client_tasks")
    op.drop_index("ix_client_tasks_target_id", table_name="client_tasks")
    op.drop_index("uq_shares_explicit_encryption_space_id", table_name="shares")
    if op.get_bind().dialect.name == "sqlite":
        # Only the two constraints differ from 0001 in a way that matters; rebuild with 0001's unique key.
        op.execute("CREATE UNIQUE INDEX uq_shares_encryption_space_id ON shares (encryption_space_id)")
    else:
        op.drop_constraint("uq_shares_encryption_space_id_item_id", "shares", type_="unique")
        op.create_unique_constraint("uq_shares_encryption_space_id", "shares", ["encryption_space_id"])
        op.drop_column("shares", "space_from_connection")
