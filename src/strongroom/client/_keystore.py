"""Typed client for the Keystore API (shared/spec/keystore-api.md): one method per endpoint.

Every method sends exactly the fields the reference client ``@meeco/keystore-api-sdk`` 0.13 sends and
returns the parsed record. It moves only wrapped keys: nothing here encrypts or decrypts.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from strongroom.client._errors import ProtocolError
from strongroom.client._http import ServiceApi
from strongroom.client._models import (
    DataEncryptionKeyRecord,
    EncryptionSpaceKeyRecord,
    KeyEncryptionKeyRecord,
    KeypairRecord,
    KeystoreSession,
    KeystoreUser,
    R,
    SessionRecord,
    SharedKeyClaimed,
    SharedKeyRecord,
    SrpChallenge,
    UsernameReservation,
    ended_count,
    parse,
    parse_list,
)

MAX_PER_PAGE = 200

__all__ = ["KeystoreClient"]


def _seg(value: str) -> str:
    return quote(value, safe="")


class KeystoreClient:
    """The Keystore at ``api.base_url``; ``api.token`` (set by :meth:`use_token`) authenticates."""

    def __init__(self, api: ServiceApi) -> None:
        self.api = api

    @property
    def base_url(self) -> str:
        return self.api.base_url

    def use_token(self, token: str | None) -> None:
        """Authenticate later calls with ``token`` (a Keystore session token), or none."""
        self.api.token = token

    # SRP accounts and sessions ---------------------------------------------------------------------

    async def reserve_username(self) -> UsernameReservation:
        """``POST /srp/username``: a fresh username reserved for a short time."""
        data = await self.api.call("POST", "/srp/username", body={}, auth=False)
        return parse(UsernameReservation, data, None, where="POST /srp/username")

    async def create_srp_user(self, username: str, srp_salt: str, srp_verifier: str) -> KeystoreUser:
        """``POST /srp/users``: register ``username`` with its SRP salt and verifier (hex)."""
        body = {"username": username, "srp_salt": srp_salt, "srp_verifier": srp_verifier}
        data = await self.api.call("POST", "/srp/users", body=body, auth=False)
        return parse(KeystoreUser, data, "user", where="POST /srp/users")

    async def srp_challenge(self, username: str, srp_a: str) -> SrpChallenge:
        """``POST /srp/challenges``: the server's salt and ``B`` for the client's ``A``."""
        data = await self.api.call(
            "POST", "/srp/challenges", body={"username": username, "srp_a": srp_a}, auth=False
        )
        return parse(SrpChallenge, data, "challenge", where="POST /srp/challenges")

    async def srp_session(self, username: str, srp_a: str, srp_m: str) -> KeystoreSession:
        """``POST /srp/session``: trade the proof ``M1`` for a session (401 if it is wrong)."""
        body = {"username": username, "srp_a": srp_a, "srp_m": srp_m}
        if self.api.client_name is not None:
            body["client_name"] = self.api.client_name
        data = await self.api.call("POST", "/srp/session", body=body, auth=False)
        return parse(KeystoreSession, data, "session", where="POST /srp/session")

    async def delete_session(self) -> None:
        """``DELETE /session``: the current token stops working."""
        await self.api.call("DELETE", "/session", expect_body=False)

    async def delete_all_sessions(self) -> None:
        """``DELETE /session/all``: every token of the user stops working."""
        await self.api.call("DELETE", "/session/all", expect_body=False)

    async def sessions(self) -> list[SessionRecord]:
        """``GET /sessions`` (extension, every page): the user's live sessions, ``current`` marked."""
        return await self._every_page("/sessions", "sessions", SessionRecord)

    async def end_session(self, session_id: str) -> None:
        """``DELETE /sessions/{id}`` (extension): end one of the user's sessions (404 if not theirs)."""
        await self.api.call("DELETE", f"/sessions/{_seg(session_id)}", expect_body=False)

    async def end_other_sessions(self) -> int:
        """``DELETE /sessions`` (extension): end every session but this one; how many ended."""
        return ended_count(await self.api.call("DELETE", "/sessions"), "DELETE /sessions")

    async def delete_user(self, srp_a: str, srp_m: str) -> None:
        """``DELETE /users/me`` (extension) with a fresh SRP proof: the account and every record of it."""
        await self.api.call("DELETE", "/users/me", body={"srp_a": srp_a, "srp_m": srp_m}, expect_body=False)

    async def change_credentials(
        self,
        *,
        srp_a: str,
        srp_m: str,
        srp_salt: str,
        srp_verifier: str,
        key_encryption_key_id: str,
        serialized_key_encryption_key: str,
        end_other_sessions: bool = False,
    ) -> None:
        """``PUT /users/me/credentials`` (extension): new salt, verifier and PDK-wrapped KEK at once, with a
        fresh SRP proof made with the old credentials."""
        body = {
            "srp_a": srp_a,
            "srp_m": srp_m,
            "srp_salt": srp_salt,
            "srp_verifier": srp_verifier,
            "key_encryption_key_id": key_encryption_key_id,
            "serialized_key_encryption_key": serialized_key_encryption_key,
            "end_other_sessions": end_other_sessions,
        }
        await self.api.call("PUT", "/users/me/credentials", body=body)

    async def rotate_key_encryption_key(self, body: dict[str, Any]) -> KeyEncryptionKeyRecord:
        """``PUT /key_encryption_key`` (extension): a new KEK and every key re-wrapped under it."""
        data = await self.api.call("PUT", "/key_encryption_key", body=body)
        return parse(KeyEncryptionKeyRecord, data, "key_encryption_key", where="PUT /key_encryption_key")

    async def data_encryption_keys(self) -> list[DataEncryptionKeyRecord]:
        """``GET /data_encryption_keys`` (extension), every page."""
        return await self._every_page(
            "/data_encryption_keys", "data_encryption_keys", DataEncryptionKeyRecord
        )

    async def keypairs(self) -> list[KeypairRecord]:
        """``GET /keypairs`` (extension), every page."""
        return await self._every_page("/keypairs", "keypairs", KeypairRecord)

    async def encryption_spaces(self) -> list[EncryptionSpaceKeyRecord]:
        """``GET /encryption_spaces`` (extension): the caller's own copies, every page."""
        return await self._every_page(
            "/encryption_spaces", "encryption_space_data_encryption_keys", EncryptionSpaceKeyRecord
        )

    async def _every_page(self, path: str, key: str, model: type[R]) -> list[R]:
        records: list[R] = []
        after: str | None = None
        while True:
            params: dict[str, str | int | bool] = {"per_page": MAX_PER_PAGE}
            if after is not None:
                params["next_page_after"] = after
            data = await self.api.call("GET", path, params=params)
            records.extend(parse_list(model, data, key, where=f"GET {path}"))
            following = data.get("next_page_after")
            if not isinstance(following, str) or not following:
                return records
            after = following

    # The user's keys --------------------------------------------------------------------------------

    async def create_key_encryption_key(self, serialized: str) -> KeyEncryptionKeyRecord:
        """``POST /key_encryption_key`` with the KEK wrapped under the PDK."""
        data = await self.api.call(
            "POST", "/key_encryption_key", body={"serialized_key_encryption_key": serialized}
        )
        return parse(KeyEncryptionKeyRecord, data, "key_encryption_key", where="POST /key_encryption_key")

    async def key_encryption_key(self) -> KeyEncryptionKeyRecord:
        """``GET /key_encryption_key``: the caller's wrapped KEK."""
        data = await self.api.call("GET", "/key_encryption_key")
        return parse(KeyEncryptionKeyRecord, data, "key_encryption_key", where="GET /key_encryption_key")

    async def create_data_encryption_key(self, serialized: str) -> DataEncryptionKeyRecord:
        """``POST /data_encryption_keys`` with a DEK wrapped under the KEK."""
        data = await self.api.call(
            "POST", "/data_encryption_keys", body={"serialized_data_encryption_key": serialized}
        )
        return parse(DataEncryptionKeyRecord, data, "data_encryption_key", where="POST /data_encryption_keys")

    async def data_encryption_key(self, key_id: str) -> DataEncryptionKeyRecord:
        """``GET /data_encryption_keys/{id}``."""
        data = await self.api.call("GET", f"/data_encryption_keys/{_seg(key_id)}")
        return parse(DataEncryptionKeyRecord, data, "data_encryption_key", where="GET /data_encryption_keys")

    async def create_keypair(
        self,
        public_key: str,
        encrypted_serialized_key: str,
        *,
        external_identifiers: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> KeypairRecord:
        """``POST /keypairs``: a public key and its private key wrapped under the KEK."""
        body = {
            "public_key": public_key,
            "encrypted_serialized_key": encrypted_serialized_key,
            "metadata": metadata or {},
            "external_identifiers": external_identifiers or [],
        }
        data = await self.api.call("POST", "/keypairs", body=body)
        return parse(KeypairRecord, data, "keypair", where="POST /keypairs")

    async def keypair(self, keypair_id: str) -> KeypairRecord:
        """``GET /keypairs/{id}``."""
        data = await self.api.call("GET", f"/keypairs/{_seg(keypair_id)}")
        return parse(KeypairRecord, data, "keypair", where="GET /keypairs/{id}")

    async def keypair_by_external_id(self, external_id: str) -> KeypairRecord:
        """``GET /keypairs/external_id/{external_id}`` (``auth`` names the login keypair)."""
        data = await self.api.call("GET", f"/keypairs/external_id/{_seg(external_id)}")
        return parse(KeypairRecord, data, "keypair", where="GET /keypairs/external_id")

    async def delete_keypair(self, keypair_id: str) -> None:
        """``DELETE /keypairs/{id}``."""
        await self.api.call("DELETE", f"/keypairs/{_seg(keypair_id)}", expect_body=False)

    # Admission to the Vault ------------------------------------------------------------------------

    async def vault_admission_token(self) -> str:
        """``GET /external_admission_tokens``: a single-use token for ``POST V /me``."""
        data = await self.api.call("GET", "/external_admission_tokens")
        inner = data.get("external_admission_token")
        token = inner.get("vault_api_admission_token") if isinstance(inner, dict) else None
        if not isinstance(token, str) or not token:
            raise ProtocolError("GET /external_admission_tokens: no vault_api_admission_token")
        return token

    # Encryption spaces and shared keys -------------------------------------------------------------

    async def create_encryption_space(
        self, encrypted_serialized_key: str, *, encryption_space_id: str | None = None
    ) -> EncryptionSpaceKeyRecord:
        """``POST /encryption_spaces``: a new space, or join ``encryption_space_id`` after claiming it."""
        body: dict[str, Any] = {"encrypted_serialized_key": encrypted_serialized_key}
        if encryption_space_id is not None:
            body["encryption_space_id"] = encryption_space_id
        data = await self.api.call("POST", "/encryption_spaces", body=body)
        return parse(
            EncryptionSpaceKeyRecord,
            data,
            "encryption_space_data_encryption_key",
            where="POST /encryption_spaces",
        )

    async def encryption_space(self, encryption_space_id: str) -> EncryptionSpaceKeyRecord:
        """``GET /encryption_spaces/{id}``: the caller's own KEK-wrapped copy of the space's DEK."""
        data = await self.api.call("GET", f"/encryption_spaces/{_seg(encryption_space_id)}")
        return parse(
            EncryptionSpaceKeyRecord,
            data,
            "encryption_space_data_encryption_key",
            where="GET /encryption_spaces/{id}",
        )

    async def delete_encryption_space(self, encryption_space_id: str) -> None:
        """``DELETE /encryption_spaces/{id}``: the whole space (creator) or the caller's own copy."""
        await self.api.call("DELETE", f"/encryption_spaces/{_seg(encryption_space_id)}", expect_body=False)

    async def create_shared_key(
        self, encrypted_key: str, external_id: str, public_key: str, *, key_type: str = "Aes256Gcm"
    ) -> SharedKeyRecord:
        """``POST /shared_keys``: the space's DEK wrapped to a recipient's connection public key."""
        body = {
            "encrypted_key": encrypted_key,
            "external_id": external_id,
            "public_key": public_key,
            "key_metadata": {"key_type": key_type},
        }
        data = await self.api.call("POST", "/shared_keys", body=body)
        return parse(SharedKeyRecord, data, "shared_key", where="POST /shared_keys")

    async def claim_shared_key(
        self, external_id: str, public_key: str, request_signature: str
    ) -> SharedKeyClaimed:
        """``POST /shared_keys/{external_id}/claim_key`` with a fresh signature by the recipient's key."""
        body = {"public_key": public_key, "request_signature": request_signature}
        data = await self.api.call("POST", f"/shared_keys/{_seg(external_id)}/claim_key", body=body)
        return parse(SharedKeyClaimed, data, "shared_key_claimed", where="POST /shared_keys/{id}/claim_key")

    async def version(self) -> dict[str, Any]:
        """``GET /version``."""
        return await self.api.call("GET", "/version", auth=False)
