"""Exception types of :mod:`strongroom.crypto`.

Every error raised on purpose by this package derives from :class:`CryptoError`. Messages describe what
is wrong with the *shape* of an input; they never contain key material, plaintext or passphrases.
"""

from __future__ import annotations

__all__ = ["CryptoError", "DecryptionError", "KeyFormatError", "SerializationError", "SignatureError"]


class CryptoError(Exception):
    """Base class of every error raised by :mod:`strongroom.crypto`."""


class SerializationError(CryptoError, ValueError):
    """Malformed input: cryppo string, base64, BSON/YAML artefacts, signature string, secret key, hex."""


class DecryptionError(CryptoError):
    """Decryption failed: wrong key or tampered data. No partial plaintext is ever returned."""

    def __init__(self, message: str = "decryption failed") -> None:
        super().__init__(message)


class KeyFormatError(CryptoError, ValueError):
    """Bad key: unreadable PEM, not an RSA key, wrong size, or a raw key of the wrong length."""


class SignatureError(CryptoError):
    """A signature does not verify under the given public key."""

    def __init__(self, message: str = "signature does not verify") -> None:
        super().__init__(message)
