"""Opaque bearer tokens: random, shown once, stored only as a hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_BYTES = 32  # 256 bits of randomness


def new_token(prefix: str) -> str:
    """A fresh token ``<prefix>_<43 url-safe characters>`` carrying 256 random bits."""
    return f"{prefix}_{secrets.token_urlsafe(TOKEN_BYTES)}"


def hash_token(token: str) -> str:
    """The SHA-256 hex digest stored in place of a token (tokens are high-entropy, so no salt is needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same_secret(a: str, b: str) -> bool:
    """Constant-time comparison of two secrets."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
