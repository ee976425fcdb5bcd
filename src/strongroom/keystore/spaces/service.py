"""Business rules of encryption spaces and shared keys (states and transitions: README.md here).

Functions take the request's session, the principal and the input; they flush, never commit.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from strongroom.keystore.housekeeping import Housekeeping
from strongroom.keystore.lifecycle.service import hold_keys
from strongroom.keystore.models import EncryptionSpace, EncryptionSpaceKey, SharedKey
from strongroom.keystore.principal import Principal
from strongroom.keystore.spaces import repository
from strongroom.keystore.spaces.claims import check_claim_signature, claim_refused
from strongroom.keystore.spaces.schemas import (
    EncryptionSpaceCreate,
    EncryptionSpaceKeyPage,
    EncryptionSpaceKeyRead,
    SharedKeyClaimCreate,
    SharedKeyClaimedRead,
    SharedKeyCreate,
    SharedKeyRead,
)
from strongroom.keystore.validation import (
    INVALID_ENCRYPTED_KEY,
    public_key_digest,
    require_aes_wrapped,
    require_public_key,
    require_rsa_wrapped,
)
from strongroom.kit.errors import AppError, conflict, invalid, not_found
from strongroom.kit.pagination import PageParams, cut
from strongroom.kit.ratelimit import RateLimiter, enforce
from strongroom.kit.settings import Settings
from strongroom.kit.signatures import replayed, signature_digest

log = logging.getLogger("strongroom.keystore.spaces")


def _space_not_found() -> AppError:
    return not_found("encryption space")


def _already_member() -> AppError:
    return conflict("already_member", "the caller already holds a copy of this encryption space's key")


async def create_or_join(
    session: AsyncSession, principal: Principal, data: EncryptionSpaceCreate, *, now: datetime
) -> EncryptionSpaceKeyRead:
    """Without ``encryption_space_id``: create a space with the caller as creator and first member.
    With it: add the caller's copy to that space, allowed only after the caller claimed one of its shared
    keys (404 otherwise, as for a missing space); 409 ``already_member`` if the caller holds a copy."""
    require_aes_wrapped("encrypted_serialized_key", data.encrypted_serialized_key)
    await hold_keys(session, principal)
    space_id = data.encryption_space_id
    creator = space_id is None
    if space_id is None:
        space = EncryptionSpace(creator_id=principal.user_id, created_at=now)
        await repository.add(session, space)
        space_id = space.id
    else:
        if await repository.membership(session, principal.user_id, space_id) is not None:
            raise _already_member()
        if not await repository.has_claimed(session, principal.user_id, space_id):
            raise _space_not_found()
    copy = EncryptionSpaceKey(
        encryption_space_id=space_id,
        user_id=principal.user_id,
        serialized_key=data.encrypted_serialized_key,
        created_at=now,
    )
    try:
        await repository.add(session, copy)
    except IntegrityError:
        raise _already_member() from None
    log.info(
        "encryption space created" if creator else "encryption space joined",
        extra={"user_id": str(principal.user_id), "encryption_space_id": str(space_id)},
    )
    return _copy_read(copy, creator=creator)


async def get_own_copy(
    session: AsyncSession, principal: Principal, space_id: uuid.UUID
) -> EncryptionSpaceKeyRead:
    """The caller's copy of the space's DEK; 404 for non-members."""
    found = await repository.membership_with_creator(session, principal.user_id, space_id)
    if found is None:
        raise _space_not_found()
    copy, creator_id = found
    return _copy_read(copy, creator=creator_id == principal.user_id)


async def list_own_copies(
    session: AsyncSession, principal: Principal, page: PageParams
) -> EncryptionSpaceKeyPage:
    found = await repository.memberships_page(
        session, principal.user_id, after=page.after, limit=page.per_page + 1
    )
    rows, after = cut(found, page, lambda row: row[0].id)
    return EncryptionSpaceKeyPage(
        encryption_space_data_encryption_keys=[
            _copy_read(copy, creator=creator_id == principal.user_id) for copy, creator_id in rows
        ],
        next_page_after=after,
    )


async def delete(session: AsyncSession, principal: Principal, space_id: uuid.UUID) -> None:
    """The creator deletes the whole space (every copy, pending shared keys, claims); another member
    removes only their own copy; anyone else gets 404."""
    if await repository.created_space(session, principal.user_id, space_id) is not None:
        await repository.delete_space(session, principal.user_id, space_id)
        log.info("encryption space deleted", extra={"encryption_space_id": str(space_id)})
        return
    if await repository.membership(session, principal.user_id, space_id) is None:
        raise _space_not_found()
    await repository.delete_membership(session, principal.user_id, space_id)


def _copy_read(copy: EncryptionSpaceKey, *, creator: bool) -> EncryptionSpaceKeyRead:
    return EncryptionSpaceKeyRead(
        id=copy.id,
        encryption_space_id=copy.encryption_space_id,
        serialized_data_encryption_key=copy.serialized_key,
        creator=creator,
    )


async def add_shared_key(
    session: AsyncSession, principal: Principal, data: SharedKeyCreate, *, now: datetime
) -> SharedKeyRead:
    """The space's DEK wrapped to a recipient's public key, for them to claim. Only the space's creator
    may add one (404 otherwise); 409 ``shared_key_exists`` if the space has one for that key already."""
    public_key = require_public_key("public_key", data.public_key)
    wrapped = require_rsa_wrapped("encrypted_key", data.encrypted_key)
    if wrapped.strategy != f"Rsa{public_key.key_size}":
        raise invalid(INVALID_ENCRYPTED_KEY, "encrypted_key's strategy does not match the public key's size")
    if await repository.created_space(session, principal.user_id, data.external_id) is None:
        raise _space_not_found()
    digest = public_key_digest(public_key)
    exists = conflict(
        "shared_key_exists", "the encryption space has a shared key for that public key already"
    )
    if await repository.shared_key_exists(session, data.external_id, digest):
        raise exists
    row = SharedKey(
        encryption_space_id=data.external_id,
        public_key=data.public_key,
        public_key_sha256=digest,
        encrypted_key=data.encrypted_key,
        key_type=data.key_metadata.key_type,
        created_at=now,
    )
    try:
        await repository.add(session, row)
    except IntegrityError:
        raise exists from None
    return SharedKeyRead(id=row.id, serialized_shared_key=row.encrypted_key)


@dataclass(frozen=True)
class ClaimContext:
    now: datetime
    settings: Settings
    limiter: RateLimiter
    housekeeping: Housekeeping


async def claim(
    session: AsyncSession,
    principal: Principal,
    space_id: uuid.UUID,
    data: SharedKeyClaimCreate,
    *,
    ctx: ClaimContext,
) -> SharedKeyClaimedRead:
    """Hand the shared key of ``space_id`` to whoever proves possession of the private key it was made for.

    404 if the space has no shared key; 403 ``claim_refused`` for another public key, a signature that does
    not verify or signs another path; 403 ``stale_signature`` outside ``claim_signature_max_skew``;
    403 ``signature_replayed`` for a signature accepted before (a new signature by the same key is fine);
    422 for a malformed key or signature; 429 past ``claims_per_user`` per window.
    """
    settings = ctx.settings
    await enforce(
        ctx.limiter, f"ks:claim:user:{principal.user_id}", settings.claims_per_user, settings.claims_window
    )
    public_key = require_public_key("public_key", data.public_key)
    signature_digest(data.request_signature)  # 422 for a malformed signature, before any lookup
    if not await repository.space_has_shared_keys(session, space_id):
        raise not_found("shared key")
    shared = await repository.shared_key_for(session, space_id, public_key_digest(public_key))
    if shared is None:
        raise claim_refused("the shared key was not made for this public key")
    checked = check_claim_signature(
        data.request_signature, public_key, space_id, now=ctx.now, max_skew=settings.claim_signature_max_skew
    )
    if ctx.housekeeping.due("used_claim_signatures", ctx.now):
        await repository.purge_used_signatures(session, ctx.now)
    if not await repository.use_signature(session, checked.digest, checked.fresh_until):
        raise replayed()
    await repository.record_claim(session, shared, principal.user_id, ctx.now)
    log.info(
        "shared key claimed", extra={"user_id": str(principal.user_id), "encryption_space_id": str(space_id)}
    )
    return SharedKeyClaimedRead(external_id=space_id, serialized_shared_key=shared.encrypted_key)
