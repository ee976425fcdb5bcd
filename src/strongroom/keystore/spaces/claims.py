"""The proof of possession behind a shared-key claim: a fresh signature over the claim URL and a time.

The signed text is ``<keystore base URL>/shared_keys/<external_id>/claim_key--request-timestamp=<ISO time>``
(what Meeco's client signs). Only the path's tail is checked, not the host or base path: behind proxies the
signer's base URL may differ from what this process sees.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from strongroom.kit.errors import AppError
from strongroom.kit.signatures import CheckedSignature, check_request_signature


def claim_refused(message: str) -> AppError:
    return AppError(403, "claim_refused", message)


def check_claim_signature(
    request_signature: str, public_key: RSAPublicKey, space_id: uuid.UUID, *, now: datetime, max_skew: int
) -> CheckedSignature:
    """Verify ``request_signature`` under ``public_key`` and check what it signs.

    403 ``claim_refused`` if it does not verify or signs another path; 403 ``stale_signature`` if its
    timestamp is more than ``max_skew`` seconds from ``now``.
    """
    return check_request_signature(
        request_signature,
        public_key,
        names=lambda url: _names_claim(url, space_id),
        refused=claim_refused,
        purpose="claiming this shared key",
        now=now,
        max_skew=max_skew,
    )


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
