"""Session tokens that store nothing until used: the signing key, revocation, the per-user epoch.

A ``POST /session`` answers a token that authenticates itself (signed with a key in ``server_secrets``);
only its first use, which proves possession of the login key, writes a ``sessions`` row. A logged-out row
stays, marked ``revoked_at``, until the token's own expiry; "log out everywhere" bumps
``users.session_epoch``, which every token carries.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 19:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "server_secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.LargeBinary(length=64), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_server_secrets")),
    )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_epoch")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_column("revoked_at")
    op.drop_table("server_secrets")
