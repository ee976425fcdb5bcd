"""Public key rules: a key is a valid RSA public key (≥ 2048 bits) of the size its strategy names."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.crypto import KeyFormatError, fingerprint, load_public_key, public_key_strategy
from strongroom.kit.errors import invalid, not_found
from strongroom.kit.pagination import ListParams, cut, meta
from strongroom.vault.auth import Principal
from strongroom.vault.keys import repository as repo
from strongroom.vault.keys.schemas import PublicKeyIn, PublicKeyOut, PublicKeysOut
from strongroom.vault.models import PublicKey

MIN_KEY_BITS = 2048


def key_out(key: PublicKey) -> PublicKeyOut:
    return PublicKeyOut(
        id=key.id,
        user_id=key.user_id,
        key_store_id=key.key_store_id,
        encryption_strategy=key.encryption_strategy,
        public_key=key.public_key,
        fingerprint=key.fingerprint,
        created_at=key.created_at,
        updated_at=key.updated_at,
    )


async def register_key(
    session: AsyncSession, principal: Principal, body: PublicKeyIn, now: datetime
) -> PublicKeyOut:
    """Store the caller's public key with its fingerprint. 422 ``invalid_public_key`` (not an RSA public
    key, or under 2048 bits) or ``key_strategy_mismatch`` (``encryption_strategy`` names another size)."""
    try:
        loaded = load_public_key(body.public_key)
    except KeyFormatError:
        raise invalid("invalid_public_key", "public_key is not a PEM RSA public key") from None
    if loaded.key_size < MIN_KEY_BITS:
        raise invalid("invalid_public_key", f"public_key must have at least {MIN_KEY_BITS} bits")
    strategy = public_key_strategy(loaded)
    if body.encryption_strategy is not None and body.encryption_strategy != strategy:
        raise invalid(
            "key_strategy_mismatch",
            f"encryption_strategy does not match the key (a {loaded.key_size}-bit key)",
        )
    key = PublicKey(
        user_id=principal.user_id,
        key_store_id=body.key_store_id,
        encryption_strategy=strategy,
        public_key=body.public_key,
        fingerprint=fingerprint(loaded),
        created_at=now,
        updated_at=now,
    )
    await repo.add(session, key)
    return key_out(key)


async def get_key(session: AsyncSession, principal: Principal, key_id: uuid.UUID) -> PublicKeyOut:
    key = await repo.own_key(session, principal.user_id, key_id)
    if key is None:
        raise not_found("public key")
    return key_out(key)


async def list_keys(session: AsyncSession, principal: Principal, params: ListParams) -> PublicKeysOut:
    keys, next_after = cut(await repo.list_keys(session, principal.user_id, params), params, lambda k: k.id)
    return PublicKeysOut(
        public_keys=[key_out(k) for k in keys], meta=meta(next_after, params), next_page_after=next_after
    )
