"""Two ``strongroom serve`` processes on one PostgreSQL database pair, and what the tests do with them.

Both processes share the service credential (as a production pool does) and, when Redis is there
(``STRONGROOM_TEST_REDIS_URL``), the rate-limit counters. Clients pick a process per request or per user,
as behind a load balancer.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from strongroom import crypto
from strongroom.client import Strongroom
from tests.faults.keypool import KeySupply
from tests.faults.process import ServiceProcess

__all__ = ["REDIS_ENV", "Pair", "connection_key", "open_kek", "share_dek", "signed_up"]

REDIS_ENV = "STRONGROOM_TEST_REDIS_URL"
CREDENTIAL = "two-process-service-credential"


@dataclass
class Pair:
    servers: tuple[ServiceProcess, ServiceProcess]
    keystore_url: str  # SQLAlchemy URLs of the shared databases
    vault_url: str
    redis: bool
    keys: KeySupply
    passphrases: dict[str, str] = field(default_factory=dict)

    @property
    def urls(self) -> tuple[str, str]:
        return self.servers[0].url, self.servers[1].url


def redis_url() -> str | None:
    return os.environ.get(REDIS_ENV) or None


async def signed_up(pair: Pair, process: int, name: str) -> Strongroom:
    """A new user signed up through process ``process`` (0 or 1); the caller closes the client."""
    client = Strongroom(pair.urls[process], timeout=60)
    passphrase = f"{name}'s two-process passphrase"
    try:
        creds = await client.sign_up(passphrase, full_name=name)
    except BaseException:
        await client.aclose()
        raise
    pair.passphrases[creds.username] = passphrase
    return client


async def open_kek(pair: Pair, client: Strongroom) -> bytes:
    """The user's KEK, opened the way any client opens it: PDK from passphrase and secret key."""
    creds = client.credentials
    pdk = crypto.derive_pdk(pair.passphrases[creds.username], creds.secret_key)
    record = await client.keystore.key_encryption_key()
    return crypto.unwrap_key(pdk, record.serialized_key_encryption_key)


async def share_dek(pair: Pair, client: Strongroom, encryption_space_id: str) -> bytes:
    """The DEK of an encryption space the user is a member of, from the user's own Keystore copy."""
    kek = await open_kek(pair, client)
    record = await client.keystore.encryption_space(encryption_space_id)
    return crypto.unwrap_key(kek, record.serialized_data_encryption_key)


async def connection_key(pair: Pair, client: Strongroom) -> str:
    """A new connection key pair of the user (private half wrapped in the Keystore, public half in the
    Vault), as steps 10–14 make it; returns the Vault public key id."""
    kek = await open_kek(pair, client)
    keypair = pair.keys.take()
    record = await client.keystore.create_keypair(
        keypair.public_pem, crypto.wrap_private_key(kek, keypair.private_pem)
    )
    public = await client.vault.create_public_key(record.id, keypair.public_pem)
    return public.id
