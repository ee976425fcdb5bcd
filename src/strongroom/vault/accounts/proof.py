"""The fresh proof of key possession behind ``DELETE /me``: a signature by the login private key.

The signed text is ``DELETE <vault base URL>/me--request-timestamp=<ISO 8601 time>``, the shape of the
Keystore's claim signatures with the method in front so that the text cannot be mistaken for another
request. Only the method and the path's last segment are checked, not the host or base path (proxies).
A session token alone never deletes an account: whoever holds a stolen token still lacks the key.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from strongroom.kit.errors import AppError
from strongroom.kit.signatures import TIMESTAMP_MARKER, check_request_signature

DELETE_PREFIX = "DELETE "


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
    checked = check_request_signature(
        request_signature,
        public_key,
        names=_names_me,
        refused=_refused,
        purpose="deleting this account",
        now=now,
        max_skew=max_skew,
    )
    return checked.digest, checked.fresh_until


def _names_me(text: str) -> bool:
    if not text.startswith(DELETE_PREFIX):
        return False
    url = text.removeprefix(DELETE_PREFIX)
    try:
        path = urlsplit(url).path
    except ValueError:
        return False
    return path.rstrip("/").split("/")[-1] == "me" and not url.endswith("/")
