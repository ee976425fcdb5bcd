"""Strongroom's cryptography: Meeco's wire formats (cryppo strings, signatures, SRP-6a, secret keys).

Pure functions with no I/O and no module state; importing this package has no side effects and
imports nothing from other ``strongroom`` packages. See ``shared/spec/crypto.md`` for the formats.
"""

from strongroom.crypto.aes import aes_gcm_decrypt, aes_gcm_encrypt
from strongroom.crypto.artefacts import DerivationArtefacts
from strongroom.crypto.bson import decode_document, encode_document
from strongroom.crypto.cryppo import (
    PASSPHRASE_ITERATIONS,
    PASSPHRASE_SALT_LENGTH,
    decrypt_text,
    decrypt_with_key,
    decrypt_with_passphrase,
    decrypt_with_private_key,
    encrypt_text,
    encrypt_with_key,
    encrypt_with_passphrase,
    encrypt_with_public_key,
    unwrap_key,
    unwrap_private_key,
    wrap_key,
    wrap_private_key,
)
from strongroom.crypto.encoding import b64decode, b64encode, from_hex, to_hex
from strongroom.crypto.errors import (
    CryptoError,
    DecryptionError,
    KeyFormatError,
    SerializationError,
    SignatureError,
)
from strongroom.crypto.files import (
    BLOCK_SIZE,
    FILE_STRATEGY,
    FileArtefacts,
    FileOpener,
    FileSealer,
    generate_file_key,
)
from strongroom.crypto.fingerprint import fingerprint
from strongroom.crypto.format import EncryptedString, is_encrypted, parse_encrypted, serialize_encrypted
from strongroom.crypto.kdf import PDK_ITERATIONS, derive_pdk, derive_srp_password, pbkdf2_sha256
from strongroom.crypto.keys import (
    KEY_LENGTH,
    KeyPair,
    generate_key,
    generate_keypair,
    load_private_key,
    load_public_key,
    public_key_strategy,
)
from strongroom.crypto.secret_key import (
    SecretKey,
    base58_decode,
    base58_encode,
    generate_secret_key,
    parse_secret_key,
)
from strongroom.crypto.sign import Signature, parse_signature, sign, verify
from strongroom.crypto.srp import (
    G,
    N,
    SrpClient,
    SrpError,
    check_verifier,
    create_verifier,
    fake_salt,
    fake_verifier,
    server_challenge,
    server_verify,
)

__all__ = [
    "BLOCK_SIZE",
    "FILE_STRATEGY",
    "KEY_LENGTH",
    "PASSPHRASE_ITERATIONS",
    "PASSPHRASE_SALT_LENGTH",
    "PDK_ITERATIONS",
    "CryptoError",
    "DecryptionError",
    "DerivationArtefacts",
    "EncryptedString",
    "FileArtefacts",
    "FileOpener",
    "FileSealer",
    "G",
    "KeyFormatError",
    "KeyPair",
    "N",
    "SecretKey",
    "SerializationError",
    "Signature",
    "SignatureError",
    "SrpClient",
    "SrpError",
    "aes_gcm_decrypt",
    "aes_gcm_encrypt",
    "b64decode",
    "b64encode",
    "base58_decode",
    "base58_encode",
    "check_verifier",
    "create_verifier",
    "decode_document",
    "decrypt_text",
    "decrypt_with_key",
    "decrypt_with_passphrase",
    "decrypt_with_private_key",
    "derive_pdk",
    "derive_srp_password",
    "encode_document",
    "encrypt_text",
    "encrypt_with_key",
    "encrypt_with_passphrase",
    "encrypt_with_public_key",
    "fake_salt",
    "fake_verifier",
    "fingerprint",
    "from_hex",
    "generate_file_key",
    "generate_key",
    "generate_keypair",
    "generate_secret_key",
    "is_encrypted",
    "load_private_key",
    "load_public_key",
    "parse_encrypted",
    "parse_secret_key",
    "parse_signature",
    "pbkdf2_sha256",
    "public_key_strategy",
    "serialize_encrypted",
    "server_challenge",
    "server_verify",
    "sign",
    "to_hex",
    "unwrap_key",
    "unwrap_private_key",
    "verify",
    "wrap_key",
    "wrap_private_key",
]
