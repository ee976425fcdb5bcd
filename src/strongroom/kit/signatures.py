"""Signed requests: a fresh signature over ``<request URL>--request-timestamp=<ISO 8601 time>``.

Meeco's clients sign a shared-key claim this way, and the Vault's account deletion signs the same shape with
the method in front. Each caller decides which URLs its signature may name; the parsing, the verification,
the time check and the digest used against replays are the same for all, and live here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from strongroom.crypto import KeyFormatError, SerializationError, SignatureError, parse_signature, verify
from strongroom.kit.errors import AppError, invalid

TIMESTAMP_MARKER = "--request-timestamp="
MAX_SIGNED_TEXT = 2048


@dataclass(frozen=True)
class CheckedSignature:
    """A signature that verified, names what its caller expects and is fresh: ``digest`` identifies it for
    replay detection, ``fresh_until`` is when it would turn stale anyway."""

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


def check_request_signature(
    request_signature: str,
    public_key: RSAPublicKey,
    *,
    names: Callable[[str], bool],
    refused: Callable[[str], AppError],
    purpose: str,
    now: datetime,
    max_skew: int,
) -> CheckedSignature:
    """Verify ``request_signature`` under ``public_key`` and check what it signs.

    ``names(url)`` says whether the signed URL is one this request may sign. 422 ``invalid_request_signature``
    if the signature does not parse; ``refused(message)`` (the caller's 403) if it does not verify, or signs
    another text (``purpose`` completes "the signature is not for …"); 403 ``stale_signature`` if its
    timestamp is more than ``max_skew`` seconds from ``now``.
    """
    digest = signature_digest(request_signature)
    try:
        signed = verify(public_key, request_signature)
    except (SignatureError, SerializationError, KeyFormatError):
        raise refused("the request signature does not verify under the public key") from None
    try:
        text = signed.decode("utf-8") if len(signed) <= MAX_SIGNED_TEXT else ""
    except UnicodeDecodeError:
        text = ""
    url, marker, stamp = text.rpartition(TIMESTAMP_MARKER)
    if not marker or not names(url):
        raise refused(f"the signature is not for {purpose}")
    try:
        timestamp = datetime.fromisoformat(stamp)
    except ValueError:
        raise refused("the signed timestamp is not an ISO 8601 time") from None
    if timestamp.tzinfo is None:
        raise refused("the signed timestamp has no time zone")
    skew = timedelta(seconds=max_skew)
    if abs(now - timestamp) > skew:
        raise AppError(403, "stale_signature", "the request signature is too old (or too far in the future)")
    return CheckedSignature(digest=digest, fresh_until=timestamp + skew)


def replayed() -> AppError:
    """403 ``signature_replayed``: each signed request is accepted once."""
    return AppError(403, "signature_replayed", "this request signature was used before; sign a new request")
