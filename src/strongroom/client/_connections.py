"""Invitations and connections (README.md steps 1–9 and 10–16).

Each side of a connection has its own RSA-4096 keypair: the private key wrapped with the owner's KEK in
the Keystore, the public key published in the Vault. Nicknames (``encrypted_recipient_name``) are
encrypted with the private DEK. Fingerprints are computed here, so that two people can compare them out of
band without trusting the Vault: "mine" from the caller's own keypair (never from the Vault's copy of it,
which a key-swapping Vault would replace), "theirs" from the key the Vault serves; a Vault whose copy of
the caller's key differs from the keypair raises :class:`KeyMismatch`.
"""

from __future__ import annotations

from strongroom import crypto
from strongroom.client._core import Core, own_private_key
from strongroom.client._errors import InvalidArgument, KeyMismatch
from strongroom.client._models import ConnectionRecord, InvitationRecord, PublicKeyRecord
from strongroom.client._views import Connection, Invitation, InvitationPreview

__all__ = ["ConnectionFlows", "local_fingerprint"]


def local_fingerprint(public_pem: str | None) -> str | None:
    """The fingerprint of a PEM public key, or None when there is no (valid) key."""
    if not public_pem:
        return None
    try:
        return crypto.fingerprint(public_pem)
    except crypto.CryptoError:
        return None


class ConnectionFlows(Core):
    async def invite(
        self,
        *,
        nickname: str | None = None,
        email: str | None = None,
        message: str | None = None,
        expires_in: int | None = None,
    ) -> Invitation:
        """Invite someone to connect (steps 1–9); with ``email`` the Vault mails them the id and token.

        ``nickname`` is the caller's private name for the invitee (encrypted). Without one, the
        connection shows the invitee's own profile name once they accept.
        The returned invitation carries the token: hand it over (or let the mail do it). Raises
        :class:`InvalidArgument` for one's own address (checked before any key is made).
        """
        flow = "invite"
        if email is not None:
            own = (await self.vault.me()).email
            if own and own.strip().casefold() == email.strip().casefold():
                raise InvalidArgument(f"{email} is your own address: invite someone else")
        public_key = await self._new_connection_keypair(flow, ("1", "2–4", "5–6"))
        self._step(flow, "7–9", "creating the invitation" + (" (the Vault mails it)" if email else ""))
        record = await self.vault.create_invitation(
            public_key.id,
            self._encrypted_name(nickname) if nickname else None,
            email=email,
            message=message,
            expires_in=expires_in,
        )
        return self._invitation(record)

    async def invitations(self) -> list[Invitation]:
        """The caller's outgoing invitations (tokens are not shown again)."""
        return [self._invitation(r) for r in await self.vault.invitations()]

    async def cancel_invitation(self, invitation_id: str) -> None:
        """Delete an invitation: its token stops working."""
        await self.vault.delete_invitation(invitation_id)

    async def accept_invitation(
        self, token: str, *, nickname: str | None = None, invitation_id: str | None = None
    ) -> Connection:
        """Accept an invitation (steps 10–16); returns the caller's new connection.

        ``nickname`` is the caller's private name for the inviter (default: the inviter's profile name).
        The invitation is checked first (:meth:`preview_invitation`), so a bad token fails before the
        RSA key pair is made. Raises NotFound for an unknown token, Gone for a used, expired or deleted
        invitation, Conflict when already connected, ValidationFailed for one's own invitation.
        """
        flow = "accept_invitation"
        self._step(flow, None, "checking the invitation")
        preview = await self.preview_invitation(token, invitation_id=invitation_id)
        public_key = await self._new_connection_keypair(flow, ("10", "11–13", "14"))
        self._step(flow, "15–16", "accepting the invitation")
        name = nickname or preview.user_name
        record = await self.vault.create_connection(
            public_key.id, self._encrypted_name(name) if name else None, token, invitation_id=invitation_id
        )
        return await self._connection(record)

    async def preview_invitation(self, token: str, *, invitation_id: str | None = None) -> InvitationPreview:
        """Who invites with ``token`` (their profile name, message, expiry), checked exactly as accepting
        would check it (same errors); changes nothing."""
        record = await self.vault.preview_invitation(token, invitation_id=invitation_id)
        return InvitationPreview(
            id=record.id,
            user_id=record.user_id,
            user_name=record.user_name,
            message=record.message,
            expires_at=record.expires_at,
        )

    async def rename_connection(self, connection_id: str, nickname: str) -> Connection:
        """Change the caller's private (encrypted) name for the other side of a connection."""
        if not nickname.strip():
            raise InvalidArgument("the nickname must not be empty")
        record = await self.vault.update_connection(connection_id, self._encrypted_name(nickname.strip()))
        return await self._connection(record)

    async def connections(self) -> list[Connection]:
        """Every connection of the caller, with nicknames decrypted and fingerprints computed.

        KeyMismatch when the Vault serves, on any of them, another key than the caller's own.
        """
        return [await self._connection(r) for r in await self.vault.connections()]

    async def connection(self, connection_id: str) -> Connection:
        """One connection of the caller (NotFound otherwise; KeyMismatch when the Vault's copy of the
        caller's key for it is not the caller's own)."""
        return await self._connection(await self.vault.connection(connection_id))

    async def delete_connection(self, connection_id: str) -> None:
        """Disconnect: both records go, and every share over the connection is revoked."""
        await self.vault.delete_connection(connection_id)

    # Helpers ---------------------------------------------------------------------------------------

    async def _new_connection_keypair(self, flow: str, numbers: tuple[str, str, str]) -> PublicKeyRecord:
        ring = self._ring()
        self._step(flow, numbers[0], "generating an RSA-4096 key pair for this connection", slow=True)
        keypair = await self._cpu(crypto.generate_keypair)
        self._step(flow, numbers[1], "storing the private key, wrapped with the KEK, in the Keystore")
        record = await self.keystore.create_keypair(
            keypair.public_pem, crypto.wrap_private_key(ring.kek, keypair.private_pem)
        )
        ring.connection_keys[record.id] = (own_private_key(keypair.private_pem), keypair.public_pem)
        self._step(flow, numbers[2], "publishing the public key in the Vault")
        return await self.vault.create_public_key(record.id, keypair.public_pem)

    def _encrypted_name(self, name: str) -> str:
        encrypted = self._encrypt(self._ring().private_dek, name)
        assert encrypted is not None  # a non-empty name always encrypts to a string
        return encrypted

    def _nickname(self, encrypted: str | None) -> str | None:
        if not encrypted:
            return None
        try:
            return crypto.decrypt_text(self._ring().private_dek, encrypted)
        except crypto.CryptoError:
            # Written by another client under another key: show no nickname rather than fail the list.
            return None

    def _invitation(self, record: InvitationRecord) -> Invitation:
        return Invitation(
            id=record.id,
            token=record.token,
            email=record.email,
            message=record.message,
            nickname=self._nickname(record.encrypted_recipient_name),
            keypair_id=record.key_store_keypair_id,
            public_key_id=record.public_key_id,
            sent_at=record.sent_at,
            expires_at=record.expires_at,
            state=record.state,
        )

    async def _own_fingerprint(self, record: ConnectionRecord) -> str | None:
        """The fingerprint of the caller's own key for ``record``, from the keypair itself (the private key
        opened from the caller's Keystore); KeyMismatch when the Vault's copy is another key."""
        if not record.key_store_keypair_id:
            return None
        private_key, _ = await self._connection_keypair(record.key_store_keypair_id)
        mine = crypto.fingerprint(private_key.public_key())
        if local_fingerprint(record.public_key) != mine:
            raise KeyMismatch(record.id)
        return mine

    async def _connection(self, record: ConnectionRecord) -> Connection:
        return Connection(
            id=record.id,
            user_id=record.user_id,
            nickname=self._nickname(record.encrypted_recipient_name),
            user_name=record.user_name,
            user_email=record.user_email,
            my_fingerprint=await self._own_fingerprint(record),
            their_fingerprint=local_fingerprint(record.other_user_connection_public_key),
            vault_my_fingerprint=record.public_key_fingerprint,
            vault_their_fingerprint=record.other_user_connection_public_key_fingerprint,
            keypair_id=record.key_store_keypair_id,
            encryption_space_id=record.encryption_space_id,
            other_encryption_space_id=record.other_user_connection_encryption_space_id,
            created_at=record.created_at,
            public_key=record.public_key,
            other_public_key=record.other_user_connection_public_key,
        )
