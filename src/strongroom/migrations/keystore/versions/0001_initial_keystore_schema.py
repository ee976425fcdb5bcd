"""Initial Keystore schema: accounts, SRP challenges, sessions, keys, admission tokens, encryption spaces.

Revision ID: 0001
Revises:
Create Date: 2026-11-28

Works on SQLite (batch mode for indexes) and PostgreSQL; every lookup path has an index (see the models).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "server_secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.LargeBinary(length=64), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_server_secrets")),
    )
    op.create_table(
        "used_claim_signatures",
        sa.Column("signature_sha256", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("signature_sha256", name=op.f("pk_used_claim_signatures")),
    )
    with op.batch_alter_table("used_claim_signatures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_used_claim_signatures_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "username_reservations",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_username_reservations")),
    )
    with op.batch_alter_table("username_reservations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_username_reservations_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("srp_salt", sa.String(length=128), nullable=False),
        sa.Column("srp_verifier", sa.String(length=512), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "admission_tokens",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_value", sa.String(length=512), nullable=False),
        sa.Column("vault_token_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_admission_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_admission_tokens")),
    )
    op.create_table(
        "data_encryption_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("serialized_key", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_data_encryption_keys_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_encryption_keys")),
    )
    with op.batch_alter_table("data_encryption_keys", schema=None) as batch_op:
        batch_op.create_index("ix_data_encryption_keys_user_id_id", ["user_id", "id"], unique=False)

    op.create_table(
        "encryption_spaces",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("creator_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["creator_id"],
            ["users.id"],
            name=op.f("fk_encryption_spaces_creator_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_encryption_spaces")),
    )
    with op.batch_alter_table("encryption_spaces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_encryption_spaces_creator_id"), ["creator_id"], unique=False)

    op.create_table(
        "key_encryption_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("serialized_key", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_key_encryption_keys_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_encryption_keys")),
        sa.UniqueConstraint("user_id", name=op.f("uq_key_encryption_keys_user_id")),
    )
    op.create_table(
        "keypairs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("encrypted_serialized_key", sa.Text(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_keypairs_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_keypairs")),
    )
    with op.batch_alter_table("keypairs", schema=None) as batch_op:
        batch_op.create_index("ix_keypairs_user_id_id", ["user_id", "id"], unique=False)

    op.create_table(
        "sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sessions_token_hash")),
    )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "srp_challenges",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("a_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("b_secret", sa.String(length=128), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_srp_challenges_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_srp_challenges")),
    )
    with op.batch_alter_table("srp_challenges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_srp_challenges_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_srp_challenges_user_id"), ["user_id"], unique=False)
        batch_op.create_index("ix_srp_challenges_username_a_hash", ["username", "a_hash"], unique=False)

    op.create_table(
        "encryption_space_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("encryption_space_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("serialized_key", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["encryption_space_id"],
            ["encryption_spaces.id"],
            name=op.f("fk_encryption_space_keys_encryption_space_id_encryption_spaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_encryption_space_keys_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_encryption_space_keys")),
        sa.UniqueConstraint(
            "encryption_space_id",
            "user_id",
            name=op.f("uq_encryption_space_keys_encryption_space_id_user_id"),
        ),
    )
    with op.batch_alter_table("encryption_space_keys", schema=None) as batch_op:
        batch_op.create_index("ix_encryption_space_keys_user_id_id", ["user_id", "id"], unique=False)

    op.create_table(
        "keypair_external_ids",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("keypair_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["keypair_id"],
            ["keypairs.id"],
            name=op.f("fk_keypair_external_ids_keypair_id_keypairs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_keypair_external_ids_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_keypair_external_ids")),
        sa.UniqueConstraint(
            "user_id", "external_id", name=op.f("uq_keypair_external_ids_user_id_external_id")
        ),
    )
    with op.batch_alter_table("keypair_external_ids", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_keypair_external_ids_keypair_id"), ["keypair_id"], unique=False)

    op.create_table(
        "shared_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("encryption_space_id", sa.Uuid(), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("public_key_sha256", sa.String(length=64), nullable=False),
        sa.Column("encrypted_key", sa.Text(), nullable=False),
        sa.Column("key_type", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["encryption_space_id"],
            ["encryption_spaces.id"],
            name=op.f("fk_shared_keys_encryption_space_id_encryption_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shared_keys")),
        sa.UniqueConstraint(
            "encryption_space_id",
            "public_key_sha256",
            name=op.f("uq_shared_keys_encryption_space_id_public_key_sha256"),
        ),
    )
    op.create_table(
        "shared_key_claims",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("shared_key_id", sa.Uuid(), nullable=False),
        sa.Column("encryption_space_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["encryption_space_id"],
            ["encryption_spaces.id"],
            name=op.f("fk_shared_key_claims_encryption_space_id_encryption_spaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shared_key_id"],
            ["shared_keys.id"],
            name=op.f("fk_shared_key_claims_shared_key_id_shared_keys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_shared_key_claims_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shared_key_claims")),
        sa.UniqueConstraint(
            "shared_key_id", "user_id", name=op.f("uq_shared_key_claims_shared_key_id_user_id")
        ),
    )
    with op.batch_alter_table("shared_key_claims", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shared_key_claims_encryption_space_id"), ["encryption_space_id"], unique=False
        )
        batch_op.create_index(
            "ix_shared_key_claims_user_id_encryption_space_id",
            ["user_id", "encryption_space_id"],
            unique=False,
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("shared_key_claims", schema=None) as batch_op:
        batch_op.drop_index("ix_shared_key_claims_user_id_encryption_space_id")
        batch_op.drop_index(batch_op.f("ix_shared_key_claims_encryption_space_id"))

    op.drop_table("shared_key_claims")
    op.drop_table("shared_keys")
    with op.batch_alter_table("keypair_external_ids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_keypair_external_ids_keypair_id"))

    op.drop_table("keypair_external_ids")
    with op.batch_alter_table("encryption_space_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_encryption_space_keys_user_id_id")

    op.drop_table("encryption_space_keys")
    with op.batch_alter_table("srp_challenges", schema=None) as batch_op:
        batch_op.drop_index("ix_srp_challenges_username_a_hash")
        batch_op.drop_index(batch_op.f("ix_srp_challenges_user_id"))
        batch_op.drop_index(batch_op.f("ix_srp_challenges_expires_at"))

    op.drop_table("srp_challenges")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sessions_user_id"))

    op.drop_table("sessions")
    with op.batch_alter_table("keypairs", schema=None) as batch_op:
        batch_op.drop_index("ix_keypairs_user_id_id")

    op.drop_table("keypairs")
    op.drop_table("key_encryption_keys")
    with op.batch_alter_table("encryption_spaces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_encryption_spaces_creator_id"))

    op.drop_table("encryption_spaces")
    with op.batch_alter_table("data_encryption_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_data_encryption_keys_user_id_id")

    op.drop_table("data_encryption_keys")
    op.drop_table("admission_tokens")
    op.drop_table("users")
    with op.batch_alter_table("username_reservations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_username_reservations_expires_at"))

    op.drop_table("username_reservations")
    with op.batch_alter_table("used_claim_signatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_used_claim_signatures_expires_at"))

    op.drop_table("used_claim_signatures")
    op.drop_table("server_secrets")
