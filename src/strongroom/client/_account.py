"""Sign up, log in, resume and log out (README.md "Sign up" steps 1–8 and "Log in")."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime

from strongroom import crypto
from strongroom.client._core import Core, KeyRing, opened, own_private_key
from strongroom.client._errors import (
    CryptoError,
    InvalidSecretKey,
    ProtocolError,
    Unauthorized,
    WrongPassphrase,
)
from strongroom.client._models import KeystoreSession
from strongroom.client._views import Credentials, User

__all__ = ["AccountFlows"]

LOGIN_KEYPAIR_ID = "auth"


def _check_secret_key(secret_key: str) -> str:
    try:
        return crypto.parse_secret_key(secret_key).username
    except crypto.CryptoError as exc:
        raise InvalidSecretKey("the secret key is malformed (expected 1.<username>.<secret>)") from exc


class AccountFlows(Core):
    async def sign_up(
        self,
        passphrase: str,
        *,
        full_name: str | None = None,
        email: str | None = None,
        invitation_token: str | None = None,
    ) -> Credentials:
        """Create an account (steps 1–8) and stay logged in; returns the credentials.

        The returned ``secret_key`` is shown this once: the services never see it, and without it and
        the passphrase the account cannot be opened. ``email`` lets the Vault tell the user about
        invitations sent to that address; ``full_name`` and ``email`` are shown to connections.
        ``invitation_token`` (from an invitation mail) admits the sign-up on an invite-only server and
        makes the invitation's address the account's, already verified. Forbidden when the server's
        sign-up policy refuses the account.
        """
        flow = "sign_up"
        self._step(flow, "1", "reserving a username and making the secret key")
        reservation = await self.keystore.reserve_username()
        username = reservation.username
        secret_key = crypto.generate_secret_key(username)
        # Step 6's RSA-4096 generation is the slowest part: start it now, beside the network steps.
        self._step(flow, "6", "generating the RSA-4096 login key pair", slow=True)
        keypair_job = asyncio.ensure_future(self._cpu(crypto.generate_keypair))
        try:
            self._step(flow, "2", "deriving the SRP password and registering the verifier", slow=True)
            srp_password = await self._cpu(crypto.derive_srp_password, passphrase, secret_key)
            salt_hex, verifier_hex = await self._cpu(crypto.create_verifier, username, srp_password)
            await self.keystore.create_srp_user(username, salt_hex, verifier_hex)

            self._step(flow, "3", "logging in to the Keystore (SRP)")
            session = await self._srp_login(username, srp_password)
            self.keystore.use_token(session.session_authentication_string)

            self._step(flow, "4", "obtaining a Vault admission token")
            admission = await self.keystore.vault_admission_token()

            self._step(flow, "5", "deriving the PDK and storing the wrapped KEK", slow=True)
            pdk = await self._cpu(crypto.derive_pdk, passphrase, secret_key)
            kek = crypto.generate_key()
            await self.keystore.create_key_encryption_key(crypto.wrap_key(pdk, kek))

            self._step(flow, "6", "storing the wrapped login key pair", slow=True)
            keypair = await keypair_job
            await self.keystore.create_keypair(
                keypair.public_pem,
                crypto.wrap_private_key(kek, keypair.private_pem),
                external_identifiers=[LOGIN_KEYPAIR_ID],
            )

            self._step(flow, "7", "creating the Vault account")
            encrypted_token, vault_user = await self.vault.create_me(
                keypair.public_pem, admission, invitation_token=invitation_token
            )
            vault_token = self._open_vault_token(keypair.private_pem, encrypted_token)
            self.vault.use_token(vault_token)

            self._step(flow, "8", "making the private DEK and recording it in the Vault")
            dek = crypto.generate_key()
            dek_record = await self.keystore.create_data_encryption_key(crypto.wrap_key(kek, dek))
            profile = {"private_encryption_space_id": dek_record.id}
            if full_name is not None:
                profile["full_name"] = full_name
            if email is not None:
                profile["email"] = email
            await self.vault.update_me(**profile)
        finally:
            if not keypair_job.done():
                keypair_job.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await keypair_job

        self._keys = KeyRing(kek=kek, private_dek=dek, private_dek_id=dek_record.id)
        self._credentials = Credentials(
            username=username,
            secret_key=secret_key,
            keystore_token=session.session_authentication_string,
            vault_token=vault_token,
            vault_user_id=vault_user.id,
        )
        return self._credentials

    async def log_in(self, secret_key: str, passphrase: str) -> Credentials:
        """Log in to both services with the secret key and passphrase; keys are then held in memory.

        Raises :class:`WrongPassphrase` when the Keystore refuses the proof or the KEK does not open,
        :class:`InvalidSecretKey` for a malformed secret key.
        """
        flow = "log_in"
        username = _check_secret_key(secret_key)
        self._step(flow, None, "deriving keys from the passphrase", slow=True)
        pdk_job = asyncio.ensure_future(self._cpu(crypto.derive_pdk, passphrase, secret_key))
        try:
            srp_password = await self._cpu(crypto.derive_srp_password, passphrase, secret_key)
            self._step(flow, None, "logging in to the Keystore (SRP)")
            session = await self._srp_login(username, srp_password)
            pdk = await pdk_job
        finally:
            if not pdk_job.done():
                pdk_job.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await pdk_job
        self.keystore.use_token(session.session_authentication_string)
        kek = await self._open_kek(pdk)

        self._step(flow, None, "opening a Vault session with the login key")
        login = await self.keystore.keypair_by_external_id(LOGIN_KEYPAIR_ID)
        private_pem = opened(
            "cannot open the login key", crypto.unwrap_private_key, kek, login.encrypted_serialized_key
        )
        encrypted_token = await self.vault.create_session(login.public_key)
        vault_token = self._open_vault_token(private_pem, encrypted_token)
        self.vault.use_token(vault_token)
        user = await self._load_private_dek(kek)
        self._credentials = Credentials(
            username=username,
            secret_key=secret_key,
            keystore_token=session.session_authentication_string,
            vault_token=vault_token,
            vault_user_id=user,
        )
        return self._credentials

    async def resume(self, credentials: Credentials, passphrase: str) -> None:
        """Continue a session with stored tokens: only the passphrase is asked again (keys are never stored).

        Raises :class:`Unauthorized` when a token has expired or was revoked (log in again),
        :class:`WrongPassphrase` when the passphrase does not open the KEK.
        """
        _check_secret_key(credentials.secret_key)
        self._step("resume", None, "deriving the key from the passphrase", slow=True)
        pdk = await self._cpu(crypto.derive_pdk, passphrase, credentials.secret_key)
        self.keystore.use_token(credentials.keystore_token)
        self.vault.use_token(credentials.vault_token)
        kek = await self._open_kek(pdk)
        await self._load_private_dek(kek)
        self._credentials = credentials

    async def resume_unlocked(self, credentials: Credentials, unlock_key: bytes) -> None:
        """Continue a session with stored tokens and a key from :attr:`unlock_key` (no passphrase).

        For a client that keeps an unlocked session (the CLI's ``strongroom unlock``). Raises
        :class:`Unauthorized` when a token has expired or was revoked, :class:`CryptoError` when the key
        does not open the account's data key.
        """
        _check_secret_key(credentials.secret_key)
        self.keystore.use_token(credentials.keystore_token)
        self.vault.use_token(credentials.vault_token)
        await self._load_private_dek(unlock_key)
        self._credentials = credentials

    @property
    def unlock_key(self) -> bytes:
        """The key that opens this account without the passphrase (the KEK); keep it only encrypted.

        Raises :class:`NotLoggedIn` before :meth:`log_in`, :meth:`sign_up` or :meth:`resume`.
        """
        return self._ring().kek

    async def log_out(self, *, everywhere: bool = False) -> None:
        """End the sessions (this one, or every one of the user with ``everywhere``) and forget the keys.

        A token that already stopped working is not an error.
        """
        try:
            for call in (
                self.keystore.delete_all_sessions if everywhere else self.keystore.delete_session,
                self.vault.delete_session,
            ):
                with contextlib.suppress(Unauthorized):
                    await call()
        finally:
            self._keys = None
            self._credentials = None
            self.keystore.use_token(None)
            self.vault.use_token(None)

    async def me(self) -> User:
        """The Vault account and its profile."""
        user = await self.vault.me()
        return User(
            id=user.id,
            username=self.credentials.username,
            full_name=user.full_name,
            email=user.email,
            joined_at=user.joined_at,
            email_verified_at=user.verified_at,
        )

    async def update_profile(self, *, full_name: str | None = None, email: str | None = None) -> User:
        """Change what connections see (``full_name``) and the address invitations are matched to."""
        fields = {k: v for k, v in (("full_name", full_name), ("email", email)) if v is not None}
        await self.vault.update_me(**fields)
        return await self.me()

    async def request_email_verification(self, email: str | None = None) -> datetime:
        """Have the Vault mail a verification code to ``email`` (which becomes the account's address) or
        to the current address; returns when the code expires. Confirm it with :meth:`confirm_email`.

        Servers that require it let only verified accounts send invitations. Conflict when the address
        is already verified; Forbidden for a domain the server does not accept; RateLimited.
        """
        return await self.vault.request_email_verification(email)

    async def confirm_email(self, code: str) -> User:
        """Prove the address with the code from the mail. ValidationFailed for a wrong code, Gone for an
        expired one, NotFound when no code is pending (or too many wrong codes were tried)."""
        await self.vault.confirm_email_verification(code)
        return await self.me()

    # Helpers ---------------------------------------------------------------------------------------

    async def _srp_login(self, username: str, srp_password: bytes) -> KeystoreSession:
        client = crypto.SrpClient(username, srp_password)
        srp_a = await self._cpu(client.public_a_hex)
        challenge = await self.keystore.srp_challenge(username, srp_a)
        try:
            srp_m = await self._cpu(client.process_challenge, challenge.challenge_salt, challenge.challenge_b)
        except crypto.CryptoError as exc:
            raise ProtocolError("the Keystore's SRP challenge is malformed") from exc
        try:
            return await self.keystore.srp_session(username, srp_a, srp_m)
        except Unauthorized as exc:
            raise WrongPassphrase("wrong passphrase or secret key: the Keystore refused the login") from exc

    async def _open_kek(self, pdk: bytes) -> bytes:
        record = await self.keystore.key_encryption_key()
        try:
            return crypto.unwrap_key(pdk, record.serialized_key_encryption_key)
        except crypto.CryptoError as exc:
            raise WrongPassphrase("wrong passphrase: it does not open the key encryption key") from exc

    async def _load_private_dek(self, kek: bytes) -> str:
        """Fetch and open the private DEK; sets the key ring; returns the Vault user id."""
        user = await self.vault.me()
        if not user.private_encryption_space_id:
            raise ProtocolError("the Vault account has no private encryption space (sign-up did not finish)")
        record = await self.keystore.data_encryption_key(user.private_encryption_space_id)
        dek = self._unwrap_key(kek, record.serialized_data_encryption_key, "the private data key")
        self._keys = KeyRing(kek=kek, private_dek=dek, private_dek_id=record.id)
        return user.id

    @staticmethod
    def _open_vault_token(private_pem: str, encrypted: str) -> str:
        try:
            return crypto.decrypt_with_private_key(own_private_key(private_pem), encrypted).decode("utf-8")
        except (crypto.CryptoError, UnicodeDecodeError) as exc:
            raise CryptoError("cannot open the Vault session token with the login key") from exc
