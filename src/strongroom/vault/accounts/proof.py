"""The fresh proof of key possession behind ``DELETE /me``: a signature by the login private key.

The signed text is ``DELETE <vault base URL>/me--request-timestamp=<ISO 8601 time>``, the shape of the
Keystore's claim signatures with the method in front so that the text cannot be mistaken for another
request. Only the method and the path's last segment are checked, not the host or base path (proxies).
A session token alone never deletes an account: whoever holds a stolen token still lacks the key.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from strongroom.crypto import KeyFormatError, SerializationError, SignatureError, parse_signature, verify
from strongroom.kit.errors import AppError, invalid

TIMESTAMP_MARKER = "--request-timestamp="
DELETE_PREFIX = "DELETE "
MAX_SIGNED_TEXT = 2048


def _refused(message: str) -> AppError:
    return AppError(403, "proof_refused", message)


def deletion_text(vault_base_url: str, timestamp: str) -> str:
    """What a client signs to delete its account (the SDK uses this too)."""
    return f"{DELETE_PREFIX}{vault_base_url.rstrip('/')}/me{TIMESTAMP_MARKER}{timestamp}"


def check_deletion_signature(
    request_signature: str, public_key: RSAPublicKey, *, now: datetime, max_skew: int
) -> tuple[str, datetime]:
    """Verify the signature and what it signs; returns its digest and when it turns stale.

    422 ``invalid_request_signature`` if it does not parse; 403 ``proof_refused`` if it does not verify
    under the login key or signs another text; 403 ``stale_signature`` outside ``max_skew`` seconds.
    """
    try:
        digest = hashlib.sha256(parse_signature(request_signature).signature).hexdigest()
    except SerializationError:
        raise invalid(
            "invalid_request_signature", "request_signature is not a Sign.Rsa… signature string"
        ) from None
    try:
        signed = verify(public_key, request_signature)
    except (SignatureError, SerializationError, KeyFormatError):
        raise _refused("the request signature does not verify under the account's login key") from None
    try:
        text = signed.decode("utf-8") if len(signed) <= MAX_SIGNED_TEXT else ""
    except UnicodeDecodeError:
        text = ""
    url, marker, stamp = text.rpartition(TIMESTAMP_MARKER)
    if not marker or not url.startswith(DELETE_PREFIX) or not _names_me(url.removeprefix(DELETE_PREFIX)):
        raise _refused("the signature is not for deleting this account")
    try:
        timestamp = datetime.fromisoformat(stamp)
    except ValueError:
        raise _refused("the signed timestamp is not an ISO 8601 time") from None
    if timestamp.tzinfo is None:
        raise _refused("the signed timestamp has no time zone")
    skew = timedelta(seconds=max_skew)
    if abs(now - timestamp) > skew:
        raise AppError(403, "stale_signature", "the request signature is too old (or too far in the future)")
    return digest, timestamp + skew


def _names_me(url: str) -> bool:
    try:
        path = urlsplit(url).path
    except ValueError:
        return False
    return path.rstrip("/").split("/")[-1] == "me" and not url.endswith("/")


def replayed() -> AppError:
    return AppError(403, "signature_replayed", "this request signature was used before; sign a new request")
