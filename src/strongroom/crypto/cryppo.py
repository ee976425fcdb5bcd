"""Encrypt and decrypt cryppo strings: AES-256-GCM under a key or passphrase, RSA-OAEP under a key pair.

Byte-compatible with ``@meeco/cryppo@2.0.2``: what this module writes, cryppo reads, and the reverse
(including legacy YAML artefacts, read only).
"""

from __future__ import annotations

import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from strongroom.crypto.aes import aes_gcm, aes_gcm_decrypt
from strongroom.crypto.artefacts import (
    AD_NONE,
    DERIVATION_HASH,
    DERIVATION_STRATEGY,
    IV_LENGTH,
    RSA_ARTEFACTS,
    TAG_LENGTH,
    DerivationArtefacts,
    aes_artefacts_from_bytes,
    encode_aes_artefacts,
    encode_derivation_artefacts,
    validate_aes_artefacts,
)
from strongroom.crypto.encoding import b64encode, decode_standard, to_standard_alphabet
from strongroom.crypto.errors import DecryptionError, KeyFormatError, SerializationError
from strongroom.crypto.format import (
    AES_STRATEGY,
    EncryptedString,
    is_encrypted,
    parse_encrypted,
    rsa_bits,
    serialize_encrypted,
)
from strongroom.crypto.kdf import pbkdf2_sha256
from strongroom.crypto.keys import (
    KEY_LENGTH,
    PrivateKeyLike,
    PublicKeyLike,
    as_private_key,
    as_public_key,
    check_symmetric_key,
    load_private_key,
    rsa_strategy,
)

__all__ = [
    "PASSPHRASE_ITERATIONS",
    "PASSPHRASE_SALT_LENGTH",
    "DerivationArtefacts",
    "EncryptedString",
    "decrypt_text",
    "decrypt_with_key",
    "decrypt_with_passphrase",
    "decrypt_with_private_key",
    "encrypt_text",
    "encrypt_with_key",
    "encrypt_with_passphrase",
    "encrypt_with_public_key",
    "is_encrypted",
    "parse_encrypted",
    "serialize_encrypted",
    "unwrap_key",
    "unwrap_private_key",
    "wrap_key",
    "wrap_private_key",
]

PASSPHRASE_ITERATIONS = 20_000
"""cryppo's minimum PBKDF2 iteration count for passphrase-derived keys (it adds 0-10 % at random)."""
PASSPHRASE_SALT_LENGTH = 20
"""cryppo's salt length for passphrase-derived keys."""

_AD = b"none"
_AES_PREFIX = AES_STRATEGY.encode("ascii") + b"."
_AES_PREFIX_LENGTH = len(AES_STRATEGY)
_OAEP = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA1()), algorithm=hashes.SHA1(), label=None)  # noqa: S303 -- the wire format fixes OAEP-SHA1


def _seal(key: bytes, plaintext: bytes) -> str:
    iv = os.urandom(IV_LENGTH)
    sealed = aes_gcm(key).encrypt(iv, plaintext, _AD)
    # A view, not a slice: the ciphertext is only read once, by the base64 encoder.
    ciphertext = memoryview(sealed)[:-TAG_LENGTH]
    return f"{AES_STRATEGY}.{b64encode(ciphertext)}.{encode_aes_artefacts(iv, sealed[-TAG_LENGTH:])}"


def encrypt_with_key(key: bytes, plaintext: bytes) -> str:
    """Encrypt ``plaintext`` under the 32-byte ``key`` as ``Aes256Gcm`` (random 12-byte IV, ad ``none``).

    Raises :class:`KeyFormatError` if ``key`` is not 32 bytes.
    """
    return _seal(key, plaintext)


def _aes_parts(serialized: str) -> tuple[bytes, bytes, bytes, bytes]:
    """(ciphertext, iv, tag, associated data) of an Aes256Gcm string; a derivation suffix is ignored.

    The common three-part form is decoded in one pass over a single standard-alphabet copy of the
    string (base64 dominates the cost of decrypting a value); every other form goes through
    :func:`parse_encrypted`.
    """
    std = to_standard_alphabet(serialized)
    first = std.find(b".")
    second = std.find(b".", first + 1)
    if (
        first == _AES_PREFIX_LENGTH
        and second > 0
        and std.find(b".", second + 1) < 0
        and std.startswith(_AES_PREFIX)
    ):
        view = memoryview(std)
        ciphertext = decode_standard(view[first + 1 : second])
        iv, tag, ad = aes_artefacts_from_bytes(decode_standard(view[second + 1 :]))
    else:
        value = parse_encrypted(serialized)
        if value.strategy != AES_STRATEGY:
            raise SerializationError("expected an Aes256Gcm encrypted string")
        ciphertext = value.ciphertext
        iv, tag, ad = validate_aes_artefacts(value.artefacts)
    return ciphertext, iv, tag, _AD if ad == AD_NONE else ad.encode("utf-8")


def decrypt_with_key(key: bytes, serialized: str) -> bytes:
    """Decrypt an ``Aes256Gcm`` string with the 32-byte ``key``; returns the authenticated plaintext.

    The artefacts' IV, tag and associated data are all authenticated. A five-part string is accepted
    too (its derivation part is then ignored: ``key`` is the derived key). Raises
    :class:`SerializationError` for a malformed or non-AES string, :class:`KeyFormatError` for a key
    that is not 32 bytes, :class:`DecryptionError` for a wrong key or tampered data.
    """
    ciphertext, iv, tag, aad = _aes_parts(serialized)
    return aes_gcm_decrypt(key, ciphertext, iv=iv, tag=tag, aad=aad)


def encrypt_text(key: bytes, text: str | None) -> str | None:
    """Encrypt the UTF-8 of ``text``; ``None`` or ``""`` give ``None`` (cryppo's empty value)."""
    if not text:
        return None
    return _seal(key, text.encode("utf-8"))


def decrypt_text(key: bytes, serialized: str | None) -> str | None:
    """Inverse of :func:`encrypt_text`: ``None`` gives ``None``, as does an empty plaintext.

    Raises like :func:`decrypt_with_key`, and :class:`SerializationError` if the authenticated
    plaintext is not UTF-8.
    """
    if serialized is None:
        return None
    plaintext = decrypt_with_key(key, serialized)
    if not plaintext:
        return None
    try:
        return plaintext.decode("utf-8")
    except UnicodeDecodeError:
        raise SerializationError("decrypted value is not UTF-8 text") from None


def wrap_key(kek: bytes, key: bytes) -> str:
    """Encrypt the raw 32 bytes of ``key`` (a DEK or KEK) under ``kek`` as ``Aes256Gcm``.

    Raises :class:`KeyFormatError` if either is not 32 bytes.
    """
    check_symmetric_key(key)
    return _seal(kek, key)


def unwrap_key(kek: bytes, serialized: str) -> bytes:
    """Inverse of :func:`wrap_key`; raises :class:`KeyFormatError` if the plaintext is not 32 bytes."""
    key = decrypt_with_key(kek, serialized)
    check_symmetric_key(key)
    return key


def wrap_private_key(kek: bytes, private_pem: str) -> str:
    """Encrypt the UTF-8 of a private key PEM under ``kek``; the PEM is checked to parse first.

    Raises :class:`KeyFormatError` for a PEM that is not an RSA private key. (The costly consistency
    check of the key is skipped: the point is only never to wrap something that is not a key.)
    """
    load_private_key(private_pem, trusted=True)
    return _seal(kek, private_pem.encode("utf-8"))


def unwrap_private_key(kek: bytes, serialized: str) -> str:
    """Inverse of :func:`wrap_private_key`: returns the PEM text (not re-validated: loading is costly).

    Raises :class:`KeyFormatError` if the plaintext is not a PEM private key text.
    """
    plaintext = decrypt_with_key(kek, serialized)
    try:
        pem = plaintext.decode("utf-8")
    except UnicodeDecodeError:
        raise KeyFormatError("unwrapped value is not a PEM private key") from None
    if "PRIVATE KEY-----" not in pem:
        raise KeyFormatError("unwrapped value is not a PEM private key")
    return pem


def encrypt_with_public_key(public_key: PublicKeyLike, plaintext: bytes) -> str:
    """RSA-OAEP (SHA-1, MGF1-SHA-1, empty label) of ``plaintext`` as ``Rsa<bits>.<b64>.QQUAAAAA``.

    ``public_key`` is SPKI PEM text or an already loaded key (loading PEM costs a little each call).
    Raises :class:`KeyFormatError` for a bad key and ``ValueError`` if ``plaintext`` is too long for
    the key (more than key bytes - 42).
    """
    key = as_public_key(public_key)
    ciphertext = key.encrypt(plaintext, _OAEP)
    return f"{rsa_strategy(key.key_size)}.{b64encode(ciphertext)}.{RSA_ARTEFACTS}"


def decrypt_with_private_key(private_key: PrivateKeyLike, serialized: str) -> bytes:
    """Decrypt an ``RsaNNNN`` string with ``private_key`` (PEM text or a loaded key object).

    Loading a PEM private key costs about 0.5 s for RSA-4096 (its consistency check, see
    :func:`.keys.load_private_key`); pass a loaded key when decrypting more than once. Raises
    :class:`SerializationError` for a malformed or non-RSA string, :class:`KeyFormatError` for a bad
    key, :class:`DecryptionError` for a wrong key (including one whose size differs from the
    strategy's) or tampered ciphertext.
    """
    value = parse_encrypted(serialized)
    bits = rsa_bits(value.strategy)
    if bits is None:
        raise SerializationError("expected an RSA encrypted string")
    key = as_private_key(private_key)
    if key.key_size != bits:
        raise DecryptionError()
    try:
        return key.decrypt(value.ciphertext, _OAEP)
    except ValueError:
        raise DecryptionError() from None


def encrypt_with_passphrase(
    passphrase: str, plaintext: bytes, *, iterations: int = PASSPHRASE_ITERATIONS
) -> str:
    """Encrypt under a key derived from ``passphrase`` (PBKDF2-HMAC-SHA256, random 20-byte salt).

    Returns the five-part form ``Aes256Gcm.<ct>.<artefacts>.Pbkdf2Hmac.<b64("K" + BSON {iv, i, l,
    hash})>`` that ``decryptWithKeyDerivedFromString`` of cryppo reads. The passphrase is UTF-8 encoded.
    """
    derivation = DerivationArtefacts(
        strategy=DERIVATION_STRATEGY,
        salt=os.urandom(PASSPHRASE_SALT_LENGTH),
        iterations=iterations,
        length=KEY_LENGTH,
        hash=DERIVATION_HASH,
    )
    suffix = encode_derivation_artefacts(derivation)  # validates before the costly derivation
    key = pbkdf2_sha256(passphrase.encode("utf-8"), derivation.salt, derivation.iterations, KEY_LENGTH)
    return f"{_seal(key, plaintext)}.{DERIVATION_STRATEGY}.{suffix}"


def decrypt_with_passphrase(passphrase: str, serialized: str) -> bytes:
    """Decrypt a five-part passphrase-derived ``Aes256Gcm`` string.

    Raises :class:`SerializationError` if ``serialized`` is malformed or has no derivation part,
    :class:`DecryptionError` for a wrong passphrase or tampered data.
    """
    value = parse_encrypted(serialized)
    derivation = value.derivation
    if derivation is None or value.strategy != AES_STRATEGY:
        raise SerializationError("expected an Aes256Gcm string with passphrase derivation artefacts")
    key = pbkdf2_sha256(passphrase.encode("utf-8"), derivation.salt, derivation.iterations, derivation.length)
    iv, tag, ad = validate_aes_artefacts(value.artefacts)
    return aes_gcm_decrypt(key, value.ciphertext, iv=iv, tag=tag, aad=ad.encode("utf-8"))
