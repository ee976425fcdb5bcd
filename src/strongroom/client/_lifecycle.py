"""An account's later life: a new passphrase or secret key, KEK rotation, deleting the account everywhere.

Each change the Keystore makes is one request and one transaction (README "Account lifecycle"): after a
crash either the old or the new credentials open the account, never neither. A new secret key must be
saved by the caller *before* :meth:`rotate_secret_key` sends it (the CLI writes it to the auth file first).
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Any

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from strongroom import crypto
from strongroom.client._account import LOGIN_KEYPAIR_ID, AccountFlows, _check_secret_key
from strongroom.client._core import iso, opened, own_private_key
from strongroom.client._errors import (
    Conflict,
    InvalidArgument,
    ProtocolError,
    Unauthorized,
    WrongPassphrase,
)
from strongroom.client._views import OnShare, ShareActivity, ShareEvent

__all__ = ["LifecycleFlows"]

ROTATION_ATTEMPTS = 3


class LifecycleFlows(AccountFlows):
    async def change_passphrase(self, old: str, new: str, *, end_other_sessions: bool = False) -> None:
        """Replace the passphrase: the KEK re-wrapped under the new PDK and the SRP verifier replaced, in
        one Keystore request authorized by a fresh proof with ``old``. ``end_other_sessions`` logs out
        every other session, the Keystore's in the same transaction, then the Vault's. Raises
        :class:`WrongPassphrase` for a wrong ``old``.
        """
        if not new:
            raise InvalidArgument("the new passphrase must not be empty")
        secret_key = self.credentials.secret_key
        await self._replace_credentials(old, secret_key, new, secret_key, end_other_sessions)

    def new_secret_key(self) -> str:
        """A fresh secret key for the logged-in user (same username).

        Save it somewhere that survives a crash, then pass it to :meth:`rotate_secret_key`."""
        return crypto.generate_secret_key(self.credentials.username)

    async def rotate_secret_key(
        self, passphrase: str, new_secret_key: str, *, end_other_sessions: bool = False
    ) -> None:
        """Replace the secret key by ``new_secret_key`` (from :meth:`new_secret_key`, saved by the caller
        first); the passphrase stays. Same single request as :meth:`change_passphrase`."""
        if _check_secret_key(new_secret_key) != self.credentials.username:
            raise InvalidArgument("the new secret key must name the same username")
        old = self.credentials.secret_key
        await self._replace_credentials(passphrase, old, passphrase, new_secret_key, end_other_sessions)
        self._credentials = dataclasses.replace(self.credentials, secret_key=new_secret_key)

    async def rotate_keys(self, passphrase: str) -> int:
        """Make a new KEK and re-wrap every DEK, keypair private key and space copy under it; the Keystore
        swaps them all at once and ends every other session (then the Vault ends its others too). A key
        added meanwhile makes the Keystore refuse (409) and the rotation starts again from fresh reads.
        Returns how many keys were re-wrapped.
        """
        ring = self._ring()
        srp_password = await self._srp_password(passphrase, self.credentials.secret_key)
        pdk = await self._cpu(crypto.derive_pdk, passphrase, self.credentials.secret_key)
        for attempt in range(1, ROTATION_ATTEMPTS + 1):
            self._step("rotate_keys", None, "reading every key wrapped under the KEK")
            record = await self.keystore.key_encryption_key()
            current = self._open_kek_with(pdk, record.serialized_key_encryption_key)
            deks = await self.keystore.data_encryption_keys()
            keypairs = await self.keystore.keypairs()
            copies = await self.keystore.encryption_spaces()
            new_kek = crypto.generate_key()
            self._step("rotate_keys", None, f"re-wrapping {len(deks) + len(keypairs) + len(copies)} keys")
            body: dict[str, Any] = {
                "key_encryption_key_id": record.id,
                "serialized_key_encryption_key": crypto.wrap_key(pdk, new_kek),
                "data_encryption_keys": [
                    {
                        "id": d.id,
                        "serialized_data_encryption_key": self._rewrap(
                            current, new_kek, d.serialized_data_encryption_key
                        ),
                    }
                    for d in deks
                ],
                "keypairs": [
                    {
                        "id": k.id,
                        "encrypted_serialized_key": crypto.wrap_private_key(
                            new_kek,
                            opened(
                                "cannot open a private key",
                                crypto.unwrap_private_key,
                                current,
                                k.encrypted_serialized_key,
                            ),
                        ),
                    }
                    for k in keypairs
                ],
                "encryption_spaces": [
                    {
                        "encryption_space_id": c.encryption_space_id,
                        "serialized_data_encryption_key": self._rewrap(
                            current, new_kek, c.serialized_data_encryption_key
                        ),
                    }
                    for c in copies
                ],
            }
            srp_a, srp_m = await self._fresh_proof(srp_password)
            body["srp_a"], body["srp_m"] = srp_a, srp_m
            try:
                await self.keystore.rotate_key_encryption_key(body)
            except Conflict as exc:
                if (
                    exc.code not in ("keys_changed", "key_encryption_key_changed")
                    or attempt == ROTATION_ATTEMPTS
                ):
                    raise
                continue
            except Unauthorized as exc:
                raise WrongPassphrase("wrong passphrase: the Keystore refused the proof") from exc
            ring.kek = new_kek
            await self.vault.end_other_sessions()  # the Keystore ended its own others in the swap
            return len(deks) + len(keypairs) + len(copies)
        raise ProtocolError("unreachable")  # pragma: no cover

    async def delete_account(self, passphrase: str) -> None:
        """Delete the account from both services: the Vault first (a fresh signature by the login key),
        then the Keystore (a fresh SRP proof). Nothing is deleted when ``passphrase`` is wrong. If the
        Keystore step fails, calling this again finishes it (the Vault's part is then already gone).
        """
        secret_key = self.credentials.secret_key
        pdk = await self._cpu(crypto.derive_pdk, passphrase, secret_key)
        record = await self.keystore.key_encryption_key()
        kek = self._open_kek_with(pdk, record.serialized_key_encryption_key)
        srp_password = await self._srp_password(passphrase, secret_key)
        login = await self.keystore.keypair_by_external_id(LOGIN_KEYPAIR_ID)
        login_pem = opened(
            "cannot open the login key", crypto.unwrap_private_key, kek, login.encrypted_serialized_key
        )
        private_key = own_private_key(login_pem)
        self._step("delete_account", None, "deleting the Vault account (signed by the login key)")
        try:
            await self.vault.delete_me(self._deletion_signature(private_key))
        except Unauthorized:
            # An expired session, or an account already gone: a new session tells which.
            encrypted = await self.vault.create_session(login.public_key)
            self.vault.use_token(self._open_vault_token(login_pem, encrypted))
            # Still refused: no Vault account opens with this key any more, only the Keystore part is left.
            with contextlib.suppress(Unauthorized):
                await self.vault.delete_me(self._deletion_signature(private_key))
        self._step("delete_account", None, "deleting the Keystore account (fresh SRP proof)")
        srp_a, srp_m = await self._fresh_proof(srp_password)
        try:
            await self.keystore.delete_user(srp_a, srp_m)
        except Unauthorized as exc:
            raise WrongPassphrase("the Keystore refused the proof") from exc
        self._keys = None
        self._credentials = None
        self.keystore.use_token(None)
        self.vault.use_token(None)

    async def share_events(self, share_id: str) -> ShareActivity:
        """Who read the share's values and when (for the card's owner and the share's sender); the owner
        also sees the on-shares made from it. NotFound for anyone else (the recipient included)."""
        events, on_shares = await self.vault.share_events(share_id)
        return ShareActivity(
            events=tuple(ShareEvent(e.id, e.share_id, e.reader_id, e.read_at) for e in events),
            on_shares=tuple(
                OnShare(o.id, o.parent_share_id, o.sender_id, o.recipient_id, o.created_at) for o in on_shares
            ),
        )

    # Helpers ---------------------------------------------------------------------------------------

    async def _replace_credentials(
        self, old_pass: str, old_key: str, new_pass: str, new_key: str, end_other_sessions: bool
    ) -> None:
        ring = self._ring()
        username = self.credentials.username
        old_srp = await self._srp_password(old_pass, old_key)
        self._step("change_credentials", None, "deriving the new keys", slow=True)
        new_pdk = await self._cpu(crypto.derive_pdk, new_pass, new_key)
        new_srp = await self._cpu(crypto.derive_srp_password, new_pass, new_key)
        salt, verifier = await self._cpu(crypto.create_verifier, username, new_srp)
        record = await self.keystore.key_encryption_key()
        srp_a, srp_m = await self._fresh_proof(old_srp)
        try:
            await self.keystore.change_credentials(
                srp_a=srp_a,
                srp_m=srp_m,
                srp_salt=salt,
                srp_verifier=verifier,
                key_encryption_key_id=record.id,
                serialized_key_encryption_key=crypto.wrap_key(new_pdk, ring.kek),
                end_other_sessions=end_other_sessions,
            )
        except Unauthorized as exc:
            raise WrongPassphrase("wrong passphrase: the Keystore refused the proof") from exc
        if end_other_sessions:  # the Keystore ended its own others in the same transaction
            await self.vault.end_other_sessions()

    async def _srp_password(self, passphrase: str, secret_key: str) -> bytes:
        self._step("fresh_proof", None, "deriving the SRP password", slow=True)
        return await self._cpu(crypto.derive_srp_password, passphrase, secret_key)

    async def _fresh_proof(self, srp_password: bytes) -> tuple[str, str]:
        """``(srp_a, srp_m)`` for a new challenge of one's own username: re-authentication."""
        username = self.credentials.username
        client = crypto.SrpClient(username, srp_password)
        srp_a = await self._cpu(client.public_a_hex)
        challenge = await self.keystore.srp_challenge(username, srp_a)
        try:
            srp_m = await self._cpu(client.process_challenge, challenge.challenge_salt, challenge.challenge_b)
        except crypto.CryptoError as exc:
            raise ProtocolError("the Keystore's SRP challenge is malformed") from exc
        return srp_a, srp_m

    def _deletion_signature(self, private_key: RSAPrivateKey) -> str:
        text = f"DELETE {self.vault.base_url.rstrip('/')}/me--request-timestamp={iso(self._clock())}"
        return opened("cannot sign the deletion", crypto.sign, private_key, text.encode("utf-8"))

    @staticmethod
    def _open_kek_with(pdk: bytes, serialized: str) -> bytes:
        try:
            return crypto.unwrap_key(pdk, serialized)
        except crypto.CryptoError as exc:
            raise WrongPassphrase("wrong passphrase: it does not open the key encryption key") from exc

    @staticmethod
    def _rewrap(old: bytes, new: bytes, serialized: str) -> str:
        return crypto.wrap_key(new, opened("cannot open a key", crypto.unwrap_key, old, serialized))
