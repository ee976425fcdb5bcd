"""Human-comparable fingerprints of RSA public keys."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes, serialization

from strongroom.crypto.keys import PublicKeyLike, as_public_key

__all__ = ["fingerprint"]

_GROUPS = 12
_CHUNK = 5


def fingerprint(public_pem: PublicKeyLike) -> str:
    """Fingerprint of a public key: 12 space-separated groups of 5 decimal digits (60 digits).

    Computed over the DER SubjectPublicKeyInfo, so PEM line ends and wrapping do not matter. Each group
    is a 5-byte chunk of the digest, as a big-endian integer mod 100000, zero-padded (as Signal safety
    numbers). Twelve 5-byte chunks need 60 bytes, more than SHA-256 gives, so the digest is SHA-512
    (its first 60 bytes): about 199 bits to compare. Raises :class:`KeyFormatError` for a bad key.
    """
    der = as_public_key(public_pem).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    hasher = hashes.Hash(hashes.SHA512())
    hasher.update(der)
    digest = hasher.finalize()
    return " ".join(
        f"{int.from_bytes(digest[i : i + _CHUNK], 'big') % 100_000:05d}"
        for i in range(0, _GROUPS * _CHUNK, _CHUNK)
    )
