"""The AES-256-GCM layer under ``Aes256Gcm`` cryppo strings (12-byte IV, 16-byte tag).

These functions take the IV and associated data explicitly, which the standard test vectors need;
everything else should use :func:`strongroom.crypto.encrypt_with_key` and friends.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from strongroom.crypto.artefacts import IV_LENGTH, TAG_LENGTH
from strongroom.crypto.errors import DecryptionError, KeyFormatError
from strongroom.crypto.keys import KEY_LENGTH

__all__ = ["aes_gcm", "aes_gcm_decrypt", "aes_gcm_encrypt"]


def aes_gcm(key: bytes) -> AESGCM:
    """An AES-256-GCM cipher for ``key``; raises :class:`KeyFormatError` unless it is 32 bytes."""
    if not isinstance(key, bytes) or len(key) != KEY_LENGTH:
        raise KeyFormatError(f"a symmetric key must be {KEY_LENGTH} bytes")
    return AESGCM(key)


def aes_gcm_encrypt(key: bytes, plaintext: bytes, *, iv: bytes, aad: bytes) -> tuple[bytes, bytes]:
    """AES-256-GCM encrypt; returns ``(ciphertext, tag)`` with a 16-byte tag.

    ``key`` must be 32 bytes (else :class:`KeyFormatError`) and ``iv`` 12 bytes (else ``ValueError``).
    The caller is responsible for never reusing an IV under one key.
    """
    if len(iv) != IV_LENGTH:
        raise ValueError(f"the IV must be {IV_LENGTH} bytes")
    sealed = aes_gcm(key).encrypt(iv, plaintext, aad)
    return sealed[:-TAG_LENGTH], sealed[-TAG_LENGTH:]


def aes_gcm_decrypt(key: bytes, ciphertext: bytes | bytearray, *, iv: bytes, tag: bytes, aad: bytes) -> bytes:
    """AES-256-GCM decrypt and authenticate ``ciphertext`` (without tag), ``tag``, ``iv`` and ``aad``.

    Returns the plaintext only if the tag verifies; raises :class:`DecryptionError` otherwise (also for
    an IV or tag of the wrong length) and :class:`KeyFormatError` for a key that is not 32 bytes.
    """
    cipher = aes_gcm(key)
    if len(iv) != IV_LENGTH or len(tag) != TAG_LENGTH:
        raise DecryptionError()
    try:
        return cipher.decrypt(iv, ciphertext + tag, aad)
    except InvalidTag:
        raise DecryptionError() from None
