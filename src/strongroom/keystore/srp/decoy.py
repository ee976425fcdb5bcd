"""Decoy SRP values for usernames without an account.

An unknown username must get a challenge that looks like a real one and costs the same to make. The salt
is ``strongroom.crypto.fake_salt`` (HMAC of the username under the server secret). The verifier is also
derived by HMAC, but *not* as ``g^x mod N``: nobody ever sees a verifier, only ``B = k·v + g^b mod N``,
which the random ``g^b`` masks whatever ``v`` is, and no password will ever match a decoy. A number below
``N`` expanded from the HMAC is therefore as good a decoy as ``crypto.fake_verifier``, without its modular
exponentiation: a real account and a missing one then cost exactly the same arithmetic (one
``server_challenge``, one ``server_verify``), with no extra work on either path.
"""

from __future__ import annotations

import hashlib
import hmac

from strongroom.crypto import N, fake_salt

__all__ = ["decoy_salt", "decoy_verifier"]

_N_BYTES = 256
_LABEL = b"strongroom-keystore-srp-decoy-verifier"


def decoy_salt(username: str, server_secret: bytes) -> str:
    """The stable decoy salt of ``username`` (hex, 32 bytes)."""
    return fake_salt(username, server_secret)


def decoy_verifier(username: str, server_secret: bytes) -> str:
    """A stable verifier-shaped value for ``username``: ``0 < v < N``, 256 bytes of lowercase hex."""
    stream = b"".join(
        hmac.new(server_secret, _LABEL + bytes([block]) + username.encode("utf-8"), hashlib.sha256).digest()
        for block in range(_N_BYTES // 32 + 1)
    )
    value = int.from_bytes(stream, "big") % N or 1
    return value.to_bytes(_N_BYTES, "big").hex()
