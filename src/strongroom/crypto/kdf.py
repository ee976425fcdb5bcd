"""Passphrase-based key derivation: PBKDF2-HMAC-SHA256, the PDK and the SRP password."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from strongroom.crypto.secret_key import parse_secret_key

__all__ = ["PDK_ITERATIONS", "derive_pdk", "derive_srp_password", "pbkdf2_sha256"]

PDK_ITERATIONS = 100_000
"""Iterations of the PDK and SRP password derivations (fixed by the wire format)."""


def pbkdf2_sha256(password: bytes, salt: bytes, iterations: int = PDK_ITERATIONS, length: int = 32) -> bytes:
    """PBKDF2-HMAC-SHA256 of ``password`` and ``salt``; returns ``length`` bytes."""
    return PBKDF2HMAC(algorithm=hashes.SHA256(), length=length, salt=salt, iterations=iterations).derive(
        password
    )


def derive_pdk(passphrase: str, secret_key: str) -> bytes:
    """The passphrase-derived key (PDK), 32 bytes.

    PBKDF2-HMAC-SHA256(passphrase as UTF-8, salt = the secret of ``secret_key`` — its third part
    without dashes — as ASCII, 100,000 iterations). ``secret_key`` is the whole
    ``1.<username>.<readable>`` string; raises :class:`SerializationError` if it is malformed.
    """
    secret = parse_secret_key(secret_key).secret
    return pbkdf2_sha256(passphrase.encode("utf-8"), secret.encode("ascii"))


def derive_srp_password(passphrase: str, secret_key: str) -> bytes:
    """The SRP password bytes exactly as jsrp sees them.

    PBKDF2-HMAC-SHA256(passphrase as UTF-8, salt = the secret reversed, 100,000 iterations) gives 32
    bytes; Meeco's client hands them to jsrp as a JavaScript binary string, which jsrp re-encodes as
    UTF-8, so every byte >= 0x80 becomes two bytes. The result is 32 to 64 bytes long.
    """
    secret = parse_secret_key(secret_key).secret
    derived = pbkdf2_sha256(passphrase.encode("utf-8"), secret[::-1].encode("ascii"))
    return derived.decode("latin-1").encode("utf-8")
