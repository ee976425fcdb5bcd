"""The proof of possession behind a shared-key claim: a fresh signature over the claim URL and a time.

The signed text is ``<keystore base URL>/shared_keys/<external_id>/claim_key--request-timestamp=<ISO time>``
(what Meeco's client signs). Only the path's tail is checked, not the host or base path: behind proxies the
signer's base URL may differ from what this process sees.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from strongroom.crypto import KeyFormatError, SerializationError, SignatureError, parse_signature, verify
from strongroom.kit.errors import AppError, invalid

TIMESTAMP_MARKER = "--request-timestamp="
MAX_SIGNED_TEXT = 2048


def claim_refused(message: str) -> AppError:
    return AppError(403, "claim_refused", message)


@dataclass(frozen=True)
class CheckedClaim:
    """A signature that verified, names this shared key and is fresh: ``digest`` identifies it for replay
    detection, ``fresh_until`` is when it would turn stale anyway."""

    digest: str
    fresh_until: datetime


def signature_digest(request_signature: str) -> str:
    """SHA-256 (hex) of the raw signature bytes; 422 ``invalid_request_signature`` if it does not parse."""
    try:
        parsed = parse_signature(request_signature)
    except SerializationError:
        raise invalid(
            "invalid_request_signature", "request_signature is not a Sign.Rsa… signature string"
        ) from None
    return hashlib.sha256(parsed.signature).hexdigest()


def check_claim_signature(
    request_signature: str, public_key: RSAPublicKey, space_id: uuid.UUID, *, now: datetime, max_skew: int
) -> CheckedClaim:
    """Verify ``request_signature`` under ``public_key`` and check what it signs.

    403 ``claim_refused`` if it does not verify or signs another path; 403 ``stale_signature`` if its
    timestamp is more than ``max_skew`` seconds from ``now``.
    """
    digest = signature_digest(request_signature)
    try:
        signed = verify(public_key, request_signature)
    except (SignatureError, SerializationError, KeyFormatError):
        raise claim_refused("the request signature does not verify under the public key") from None
    if len(signed) > MAX_SIGNED_TEXT:
        raise claim_refused("the signed text is not a claim request")
    try:
        text = signed.decode("utf-8")
    except UnicodeDecodeError:
        raise claim_refused("the signed text is not a claim request") from None
    url, marker, stamp = text.rpartition(TIMESTAMP_MARKER)
    if not marker or not _names_claim(url, space_id):
        raise claim_refused("the signature is not for claiming this shared key")
    timestamp = _timestamp(stamp)
    skew = timedelta(seconds=max_skew)
    if abs(now - timestamp) > skew:
        raise AppError(403, "stale_signature", "the request signature is too old (or too far in the future)")
    return CheckedClaim(digest=digest, fresh_until=timestamp + skew)


def _names_claim(url: str, space_id: uuid.UUID) -> bool:
    try:
        path = urlsplit(url).path
    except ValueError:
        return False
    segments = path.rstrip("/").split("/")
    if len(segments) < 3 or segments[-3] != "shared_keys" or segments[-1] != "claim_key":
        return False
    try:
        return uuid.UUID(segments[-2]) == space_id
    except ValueError:
        return False


def _timestamp(stamp: str) -> datetime:
    try:
        value = datetime.fromisoformat(stamp)
    except ValueError:
        raise claim_refused("the signed timestamp is not an ISO 8601 time") from None
    if value.tzinfo is None:
        raise claim_refused("the signed timestamp has no time zone")
    return value
