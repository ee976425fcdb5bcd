"""What each service's database may hold, column by column, and why the server may see it.

Reviewed against security.md ("What each party can learn"). A column that is not listed here fails the
plaintext audit: adding one is a deliberate decision, made by adding a line with its reason. Columns that
hold client ciphertext are also listed in ``CIPHERTEXT`` with the cryppo strategy every value must have, so
that a plaintext value is caught even when it is not one of the test's canaries.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["ALLOWED", "CIPHERTEXT", "JSON_CIPHERTEXT"]

_ID = "a random record id"
_CREATED = "when the record was made"
_UPDATED = "when the record last changed"
_USER = "which account owns the record (ids only)"
# Shown back to the account's owner in the session list; the client chose it (or it is the User-Agent).
_CLIENT_NAME = "what the client called itself at login, e.g. strongroom-cli/<version> (not a secret)"
_LAST_USED = "when the session last made a request (to within session_touch_interval)"
_MIGRATIONS = {"version_num": "the schema revision (Alembic)"}

KEYSTORE: Mapping[str, Mapping[str, str]] = {
    "alembic_version": _MIGRATIONS,
    "users": {
        "id": _ID,
        "username": "usernames are visible to the Keystore (security.md)",
        "srp_salt": "SRP salt: visible to the Keystore (security.md)",
        "srp_verifier": "SRP verifier: visible to the Keystore; not the password (security.md)",
        "created_at": _CREATED,
    },
    "username_reservations": {
        "username": "a reserved username (visible)",
        "expires_at": "when the reservation lapses",
    },
    "srp_challenges": {
        "id": _ID,
        "username": "the username logging in (visible)",
        "a_hash": "SHA-256 of the client's public SRP value A (public anyway)",
        "user_id": _USER,
        "b_secret": "the server's own SRP ephemeral secret b (the server's, not the user's)",
        "expires_at": "when the challenge lapses",
    },
    "sessions": {
        "id": _ID,
        "user_id": _USER,
        "token_hash": "SHA-256 of the session token (the token itself is never stored)",
        "created_at": _CREATED,
        "expires_at": "when the session ends",
        "client_name": _CLIENT_NAME,
        "last_used_at": _LAST_USED,
    },
    "server_secrets": {
        "name": "which server secret",
        "value": "a key of the server's own (decoy SRP salts), never a user's",
    },
    "admission_tokens": {
        "user_id": _USER,
        "token_value": "the single-use Vault admission token, repeated to its owner until used (model docs)",
        "vault_token_id": "the Vault's id of that token",
        "created_at": _CREATED,
    },
    "key_encryption_keys": {
        "id": _ID,
        "user_id": _USER,
        "serialized_key": "the KEK wrapped with the PDK (ciphertext)",
        "created_at": _CREATED,
    },
    "data_encryption_keys": {
        "id": _ID,
        "user_id": _USER,
        "serialized_key": "a DEK wrapped with the KEK (ciphertext)",
        "created_at": _CREATED,
    },
    "keypairs": {
        "id": _ID,
        "user_id": _USER,
        "public_key": "public keys are visible (security.md)",
        "encrypted_serialized_key": "the private key wrapped with the KEK (ciphertext)",
        "metadata": "client-chosen key metadata (the SDK sends {})",
        "created_at": _CREATED,
        "updated_at": _UPDATED,
    },
    "keypair_external_ids": {
        "id": _ID,
        "keypair_id": "which keypair",
        "user_id": _USER,
        "external_id": "a client label of the keypair (e.g. 'auth')",
        "position": "order of the labels",
    },
    "encryption_spaces": {"id": _ID, "creator_id": _USER, "created_at": _CREATED},
    "encryption_space_keys": {
        "id": _ID,
        "encryption_space_id": "which space",
        "user_id": _USER,
        "serialized_key": "a member's copy of the share DEK, wrapped with that member's KEK (ciphertext)",
        "created_at": _CREATED,
    },
    "shared_keys": {
        "id": _ID,
        "encryption_space_id": "which space",
        "public_key": "the recipient's connection public key (public)",
        "public_key_sha256": "digest of that public key",
        "encrypted_key": "the share DEK wrapped to the recipient's public key (ciphertext)",
        "key_type": "the client's label of the wrapped key's kind",
        "created_at": _CREATED,
    },
    "shared_key_claims": {
        "id": _ID,
        "shared_key_id": "which shared key",
        "encryption_space_id": "which space",
        "user_id": _USER,
        "claimed_at": "when it was claimed",
    },
    "used_claim_signatures": {
        "signature_sha256": "digest of an accepted claim signature (replay protection)",
        "expires_at": "when it would be stale anyway",
    },
}

VAULT: Mapping[str, Mapping[str, str]] = {
    "alembic_version": _MIGRATIONS,
    "used_request_signatures": {
        "signature_sha256": "digest of an accepted DELETE /me signature (replay protection; no user id)",
        "expires_at": "when it would be stale anyway",
    },
    "share_read_events": {
        "id": _ID,
        "share_id": "which share was read: shown to its owner and sender (shares are visible, security.md)",
        "reader_id": "who read it (the share's recipient, already visible on the share)",
        "read_at": "when it was read",
    },
    "admission_tokens": {
        "id": _ID,
        "token_hash": "SHA-256 of the admission token",
        "used": "whether it was used",
        "used_at": "when",
        "created_at": _CREATED,
    },
    "users": {
        "id": _ID,
        "full_name": "profile data the user chose to reveal to connections (vault-api.md)",
        "email": "the address invitations are matched to (vault-api.md)",
        "private_encryption_space_id": "the Keystore id of the private DEK (an id, not the key)",
        "login_public_key": "public keys are visible (security.md)",
        "login_key_hash": "digest of the login public key",
        "admission_token_id": "which admission token created the account",
        "email_verified_at": "when the account's email address was proven (a mailed code)",
        "joined_at": _CREATED,
        "updated_at": _UPDATED,
        "session_epoch": "a counter bumped by logging out everywhere",
    },
    "email_verifications": {
        "id": _ID,
        "user_id": _USER,
        "email": "the address being verified (visible, like the account's email)",
        "code_hash": "SHA-256 of the mailed code (the code itself is never stored)",
        "expires_at": "when the code lapses",
        "created_at": _CREATED,
    },
    "sessions": {
        "id": _ID,
        "user_id": _USER,
        "token_hash": "SHA-256 of the session token",
        "created_at": _CREATED,
        "expires_at": "when the session ends",
        "revoked_at": "when the session was logged out",
        "client_name": _CLIENT_NAME,
        "last_used_at": _LAST_USED,
    },
    "server_secrets": {
        "name": "which server secret",
        "value": "a key of the server's own (signs session tokens), never a user's",
    },
    "item_templates": {
        "id": _ID,
        "user_id": _USER,
        "name": "template names are visible (security.md)",
        "label": "template names are visible (security.md)",
        "description": "template description (visible, like its name)",
        "ordinal": "display order",
        "created_at": _CREATED,
        "updated_at": _UPDATED,
    },
    "template_slots": {
        "id": _ID,
        "item_template_id": "which template",
        "name": "slot labels are visible (security.md)",
        "label": "slot labels are visible (security.md)",
        "slot_type_name": "the kind of slot",
        "description": "slot description (visible, like its label)",
        "required": "whether the slot must be filled",
        "ordinal": "display order",
        "created_at": _CREATED,
        "updated_at": _UPDATED,
    },
    "items": {
        "id": _ID,
        "user_id": _USER,
        "item_template_id": "which template",
        "item_template_label": "template names are visible (security.md)",
        "name": "card labels are visible (security.md): the machine form of the label",
        "label": "card labels are visible (security.md)",
        "created_at": _CREATED,
        "updated_at": _UPDATED,
    },
    "slots": {
        "id": _ID,
        "item_id": "which card",
        "user_id": _USER,
        "name": "slot labels are visible (security.md)",
        "label": "slot labels are visible (security.md)",
        "slot_type_name": "the kind of slot",
        "description": "slot description (visible, like its label)",
        "encrypted_value": "the value under the owner's private DEK (ciphertext)",
        "ordinal": "display order",
        "attachment_id": "which attachment the slot's value is the file key of (an id)",
        "created_at": _CREATED,
        "updated_at": _UPDATED,
    },
    "blobs": {
        "id": _ID,
        "user_id": _USER,
        "byte_size": "length of an encrypted upload (the file's size is visible, security.md)",
        "state": "whether every byte of the upload arrived",
        "created_at": _CREATED,
        "stored_at": "when the upload finished",
    },
    "attachments": {
        "id": _ID,
        "user_id": _USER,
        "binary_blob_id": "which blob holds the block ciphertexts (an id)",
        "artefacts_blob_id": "which blob holds the artefact record (an id)",
        "created_at": _CREATED,
        "linked_at": "when a slot first pointed at the attachment",
    },
    "public_keys": {
        "id": _ID,
        "user_id": _USER,
        "key_store_id": "the Keystore id of the keypair (an id)",
        "encryption_strategy": "the key's kind (Rsa4096)",
        "public_key": "public keys are visible (security.md)",
        "fingerprint": "digest of the public key",
        "created_at": _CREATED,
        "updated_at": _UPDATED,
    },
    "invitations": {
        "id": _ID,
        "user_id": _USER,
        "public_key_id": "the inviter's connection key",
        "token_hash": "SHA-256 of the invitation token",
        "email": "invitation emails are visible (security.md)",
        "message": "the inviter's note to the invitee, sent by mail in clear (visible by design)",
        "encrypted_recipient_name": "the inviter's nickname for the invitee (ciphertext, inviter's DEK)",
        "state": "new / accepted / deleted",
        "expires_at": "when the invitation lapses",
        "sent_at": "when it was made",
        "accepted_at": "when it was accepted",
        "accepted_by_user_id": "who is connected to whom is visible (security.md)",
        "created_at": _CREATED,
        "updated_at": _UPDATED,
    },
    "connections": {
        "id": _ID,
        "pair_id": "links the two records of one connection",
        "user_id": "who is connected to whom is visible (security.md)",
        "other_user_id": "who is connected to whom is visible (security.md)",
        "public_key_id": "the owner's connection key",
        "encrypted_recipient_name": "the owner's nickname for the other user (ciphertext, owner's DEK)",
        "encryption_space_id": "the latest encryption space the owner linked (an id)",
        "invitation_id": "which invitation made the connection",
        "created_at": _CREATED,
        "updated_at": _UPDATED,
    },
    "encryption_spaces": {
        "id": "the Keystore encryption space id (an id, not the key)",
        "user_id": _USER,
        "connection_id": "which connection record it is linked to",
        "created_at": _CREATED,
    },
    "shares": {
        "id": _ID,
        "owner_id": "which card is shared with whom is visible (security.md)",
        "sender_id": "which card is shared with whom is visible (security.md)",
        "recipient_id": "which card is shared with whom is visible (security.md)",
        "shareable_type": "always Item",
        "item_id": "which card is shared with whom is visible (security.md)",
        "slot_id": "which slot, for a single-slot share",
        "sender_connection_id": "over which connection",
        "recipient_connection_id": "over which connection",
        "encryption_space_id": "the encryption space of the share DEK (an id)",
        "encrypted_values": "slot id → value under the share DEK (ciphertext)",
        "terms": "share terms are visible (security.md)",
        "distributable": "whether the recipient may share it on",
        "acceptance_required": "acceptance state",
        "expires_at": "share expiry is visible (security.md)",
        "parent_share_id": "the share an on-share came from",
        "version": "update counter",
        "created_at": _CREATED,
        "updated_at": _UPDATED,
        "space_from_connection": "whether the space came from the connection (0.9 client)",
    },
    "client_tasks": {
        "id": _ID,
        "user_id": _USER,
        "work_type": "what the client must do (update_shares, delete_encryption_space, delete_keypair)",
        "target_id": "which card, encryption space or keypair (ids only)",
        "state": "todo / in_progress / done / failed",
        "report": "the client's report (counts and error codes)",
        "created_at": _CREATED,
        "updated_at": _UPDATED,
        "state_changed_at": "when the state last changed",
    },
    "outbox_mails": {
        "id": _ID,
        "invitation_id": "which invitation the mail tells about",
        "recipient": "invitation emails are visible (security.md)",
        "subject": "the mail's subject",
        "body": "the invitation mail (with its token) until sent, then blanked (model docs)",
        "message_id": "the mail's Message-ID",
        "state": "pending / sent / failed / cancelled",
        "attempts": "delivery attempts",
        "next_attempt_at": "when to try again",
        "locked_by": "which worker holds the lease",
        "locked_until": "when the lease ends",
        "sent_at": "when it was sent",
        "last_error": "an error code, never content (model docs)",
        "created_at": _CREATED,
        "updated_at": _UPDATED,
    },
}

ALLOWED: Mapping[str, Mapping[str, Mapping[str, str]]] = {"keystore": KEYSTORE, "vault": VAULT}

# (table, column) → the cryppo strategy prefix every non-null value must carry.
CIPHERTEXT: Mapping[str, Mapping[tuple[str, str], str]] = {
    "keystore": {
        ("key_encryption_keys", "serialized_key"): "Aes256Gcm",
        ("data_encryption_keys", "serialized_key"): "Aes256Gcm",
        ("keypairs", "encrypted_serialized_key"): "Aes256Gcm",
        ("encryption_space_keys", "serialized_key"): "Aes256Gcm",
        ("shared_keys", "encrypted_key"): "Rsa",
    },
    "vault": {
        ("slots", "encrypted_value"): "Aes256Gcm",
        ("invitations", "encrypted_recipient_name"): "Aes256Gcm",
        ("connections", "encrypted_recipient_name"): "Aes256Gcm",
    },
}

# (table, column) holding a JSON object whose every value is a cryppo string of the strategy.
JSON_CIPHERTEXT: Mapping[str, Mapping[tuple[str, str], str]] = {
    "keystore": {},
    "vault": {("shares", "encrypted_values"): "Aes256Gcm"},
}
