"""The shared core of :class:`strongroom.client.Strongroom`: connections to both services, the keys held
in memory, progress reporting, and the crypto helpers every flow uses.

Keys live only in this object's memory (:class:`KeyRing`); they are never written anywhere, logged, or
put in an exception message. CPU-heavy crypto (RSA-4096 generation, PBKDF2, SRP) runs in a worker thread
so that the event loop stays responsive.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import ParamSpec, Self, TypeVar

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from strongroom import __version__, crypto
from strongroom.client._errors import CryptoError, NotLoggedIn
from strongroom.client._http import ServiceApi, make_http_client
from strongroom.client._keystore import KeystoreClient
from strongroom.client._vault import VaultClient
from strongroom.client._views import Credentials, ProgressCallback, Step

__all__ = ["CLIENT_NAME", "DEFAULT_URL", "Core", "KeyRing", "iso", "opened", "own_private_key"]

DEFAULT_URL = "http://127.0.0.1:8000"
# What this SDK calls itself in the services' session lists (``Strongroom(client_name=...)`` to change).
CLIENT_NAME = f"strongroom-python/{__version__}"

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(repr=False)
class KeyRing:
    """The unwrapped keys of a logged-in user, in memory only."""

    kek: bytes
    private_dek: bytes
    private_dek_id: str
    # Connection keys (private key, public PEM) by Keystore keypair id; share DEKs by encryption space id.
    connection_keys: dict[str, tuple[RSAPrivateKey, str]] = field(default_factory=dict)
    space_keys: dict[str, bytes] = field(default_factory=dict)

    def __repr__(self) -> str:
        return "KeyRing(<redacted>)"


def opened(what: str, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a crypto function, turning :class:`strongroom.crypto.CryptoError` into the SDK's CryptoError."""
    try:
        return fn(*args, **kwargs)
    except crypto.CryptoError as exc:
        raise CryptoError(f"{what}: {type(exc).__name__}") from exc


def own_private_key(pem: str) -> RSAPrivateKey:
    """Load a private key this client generated or unwrapped from its own Keystore records.

    OpenSSL's RSA key validation (primality checks, ~0.5 s for RSA-4096) is skipped: the PEM either was
    made in this process or came out of AES-GCM under the user's KEK, which authenticates it, so it is
    exactly the key the user created. Keys from anyone else go through ``strongroom.crypto.load_private_key``.
    """
    try:
        key = serialization.load_pem_private_key(
            pem.encode("ascii"), password=None, unsafe_skip_rsa_key_validation=True
        )
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise CryptoError("cannot load a private key") from exc
    if not isinstance(key, RSAPrivateKey):
        raise CryptoError("the private key is not an RSA key")
    return key


def iso(value: datetime) -> str:
    """ISO 8601 UTC with milliseconds and ``Z`` (naive values are taken to be UTC)."""
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return aware.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Core:
    """Connections, keys and helpers; the flows are mixed in by :class:`Strongroom`.

    ``url`` is the server running both services (Keystore at ``<url>/keystore``, Vault at ``<url>/vault``);
    ``keystore_url`` / ``vault_url`` override either. ``transport`` is an httpx transport (e.g.
    ``httpx.ASGITransport`` for in-process tests); ``http`` an httpx client to use instead of a new one
    (it is then not closed by :meth:`aclose`). ``progress`` receives each :class:`Step`. ``clock`` gives
    the time written into claim signatures (default: the system clock). ``client_name`` is sent with
    every login so that :meth:`Strongroom.sessions` can tell this client's sessions apart (None: send
    none, and the services fall back to the User-Agent).
    """

    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        keystore_url: str | None = None,
        vault_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        http: httpx.AsyncClient | None = None,
        timeout: float = 30.0,
        progress: ProgressCallback | None = None,
        clock: Callable[[], datetime] | None = None,
        client_name: str | None = CLIENT_NAME,
    ) -> None:
        base = url.rstrip("/")
        self._http = http if http is not None else make_http_client(transport=transport, timeout=timeout)
        self._owns_http = http is None
        ks_url, v_url = keystore_url or f"{base}/keystore", vault_url or f"{base}/vault"
        self.keystore = KeystoreClient(ServiceApi(self._http, ks_url, "keystore", client_name=client_name))
        self.vault = VaultClient(ServiceApi(self._http, v_url, "vault", client_name=client_name))
        self.progress = progress
        self._clock = clock or (lambda: datetime.now(UTC))
        self._keys: KeyRing | None = None
        self._credentials: Credentials | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Forget the keys and close the HTTP client (if this object made it)."""
        self._keys = None
        if self._owns_http:
            await self._http.aclose()

    @property
    def credentials(self) -> Credentials:
        """The secret key and session tokens of the logged-in user (raises NotLoggedIn)."""
        if self._credentials is None:
            raise NotLoggedIn("not logged in: sign up, log in or resume first")
        return self._credentials

    @property
    def logged_in(self) -> bool:
        return self._keys is not None

    def _ring(self) -> KeyRing:
        if self._keys is None:
            raise NotLoggedIn("not logged in: sign up, log in or resume first")
        return self._keys

    def _step(self, flow: str, number: str | None, text: str, *, slow: bool = False) -> None:
        if self.progress is not None:
            self.progress(Step(flow, number, text, slow))

    @staticmethod
    async def _cpu(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run CPU-heavy crypto in a worker thread."""
        return await asyncio.to_thread(fn, *args, **kwargs)

    # Crypto helpers (errors wrapped) ---------------------------------------------------------------

    def _encrypt(self, key: bytes, text: str | None) -> str | None:
        return opened("encrypting a value", crypto.encrypt_text, key, text)

    def _decrypt(self, key: bytes, serialized: str | None, what: str) -> str | None:
        return opened(f"cannot decrypt {what}", crypto.decrypt_text, key, serialized)

    def _unwrap_key(self, kek: bytes, serialized: str, what: str) -> bytes:
        return opened(f"cannot open {what}", crypto.unwrap_key, kek, serialized)

    async def _connection_keypair(self, keypair_id: str) -> tuple[RSAPrivateKey, str]:
        """The caller's connection keypair (private key, public PEM): fetched and unwrapped once, cached."""
        ring = self._ring()
        pair = ring.connection_keys.get(keypair_id)
        if pair is None:
            record = await self.keystore.keypair(keypair_id)
            pem = opened(
                "cannot open a connection key",
                crypto.unwrap_private_key,
                ring.kek,
                record.encrypted_serialized_key,
            )
            pair = (own_private_key(pem), record.public_key)
            ring.connection_keys[keypair_id] = pair
        return pair
