"""Known-answer vectors made by @meeco/cryppo 2.0.2 (tests/fixtures/interop/cryppo-vectors.json).

Always run (no Node needed): Python must read everything cryppo wrote, and write byte-identical
artefacts and signatures where the format is deterministic.
"""

from __future__ import annotations

from typing import Any

import pytest

from strongroom.crypto.cryppo import (
    decrypt_text,
    decrypt_with_key,
    decrypt_with_passphrase,
    decrypt_with_private_key,
    encrypt_text,
)
from strongroom.crypto.errors import DecryptionError
from strongroom.crypto.format import parse_encrypted, serialize_encrypted
from strongroom.crypto.kdf import pbkdf2_sha256
from strongroom.crypto.keys import public_key_strategy
from strongroom.crypto.sign import parse_signature, sign, verify
from tests.interop.peer import load_vectors, unb64

VECTORS = load_vectors("cryppo-vectors.json")
KEYS: dict[str, dict[str, Any]] = VECTORS["rsa_keys"]


def cases(section: str) -> list[Any]:
    return [pytest.param(v, id=v["name"]) for v in VECTORS[section]]


def test_vectors_come_from_the_pinned_reference_versions() -> None:
    assert VECTORS["generator"]["@meeco/cryppo"] == "2.0.2"


@pytest.mark.parametrize("vector", cases("aes"))
def test_python_decrypts_cryppo_aes(vector: dict[str, Any]) -> None:
    key, plaintext = unb64(vector["key_b64"]), unb64(vector["plaintext_b64"])
    if vector["serialized"] is None:
        # cryppo encrypts empty data to no value at all; so do we.
        assert plaintext == b""
        assert encrypt_text(key, "") is None
        assert decrypt_text(key, None) is None
        return
    assert decrypt_with_key(key, vector["serialized"]) == plaintext


@pytest.mark.parametrize("vector", [c for c in cases("aes") if c.values[0]["serialized"] is not None])
def test_aes_artefacts_reserialize_byte_identical(vector: dict[str, Any]) -> None:
    parsed = parse_encrypted(vector["serialized"])
    assert parsed.strategy == "Aes256Gcm"
    assert len(parsed.artefacts["iv"]) == 12  # type: ignore[arg-type]
    assert len(parsed.artefacts["at"]) == 16  # type: ignore[arg-type]
    assert parsed.artefacts["ad"] == "none"
    assert serialize_encrypted(parsed) == vector["serialized"]


@pytest.mark.parametrize("vector", [c for c in cases("aes") if c.values[0]["serialized"] is not None])
def test_cryppo_aes_with_another_key_fails(vector: dict[str, Any]) -> None:
    wrong = bytes(b ^ 0x01 for b in unb64(vector["key_b64"]))
    with pytest.raises(DecryptionError):
        decrypt_with_key(wrong, vector["serialized"])


@pytest.mark.parametrize("vector", cases("aes_legacy_yaml"))
def test_python_decrypts_cryppo_legacy_yaml_aes(vector: dict[str, Any]) -> None:
    key, plaintext = unb64(vector["key_b64"]), unb64(vector["plaintext_b64"])
    assert unb64(vector["serialized"].split(".")[2]).startswith(b"---")
    assert decrypt_with_key(key, vector["serialized"]) == plaintext
    # We read the legacy form but always write BSON; the rewritten string still decrypts.
    rewritten = serialize_encrypted(parse_encrypted(vector["serialized"]))
    assert rewritten.split(".")[2].startswith("QU")  # b64 of "A" + BSON
    assert decrypt_with_key(key, rewritten) == plaintext


@pytest.mark.parametrize("vector", cases("rsa"))
def test_python_decrypts_cryppo_rsa(vector: dict[str, Any]) -> None:
    key = KEYS[vector["key"]]
    strategy, _, artefacts = vector["serialized"].split(".")
    assert strategy == f"Rsa{key['bits']}" == public_key_strategy(key["public_pem"])
    assert artefacts == "QQUAAAAA"
    assert decrypt_with_private_key(key["private_pem"], vector["serialized"]) == unb64(
        vector["plaintext_b64"]
    )


@pytest.mark.parametrize("vector", cases("rsa"))
def test_cryppo_rsa_reserializes_byte_identical(vector: dict[str, Any]) -> None:
    assert serialize_encrypted(parse_encrypted(vector["serialized"])) == vector["serialized"]


@pytest.mark.parametrize("vector", cases("rsa"))
def test_cryppo_rsa_with_the_other_key_fails(vector: dict[str, Any]) -> None:
    other = KEYS["rsa2048" if vector["key"] == "rsa4096" else "rsa4096"]
    with pytest.raises(DecryptionError):
        decrypt_with_private_key(other["private_pem"], vector["serialized"])


@pytest.mark.parametrize("vector", cases("rsa_legacy_yaml"))
def test_python_decrypts_cryppo_legacy_yaml_rsa(vector: dict[str, Any]) -> None:
    key = KEYS[vector["key"]]
    assert unb64(vector["serialized"].split(".")[2]) == b"---\n{}\n"
    assert decrypt_with_private_key(key["private_pem"], vector["serialized"]) == unb64(
        vector["plaintext_b64"]
    )


@pytest.mark.parametrize("vector", cases("passphrase"))
def test_python_decrypts_cryppo_passphrase_strings(vector: dict[str, Any]) -> None:
    plaintext = unb64(vector["plaintext_b64"])
    assert decrypt_with_passphrase(vector["passphrase"], vector["serialized"]) == plaintext
    with pytest.raises(DecryptionError):
        decrypt_with_passphrase(vector["passphrase"] + "x", vector["serialized"])


@pytest.mark.parametrize("vector", cases("passphrase"))
def test_cryppo_derivation_artefacts_and_key(vector: dict[str, Any]) -> None:
    derivation = parse_encrypted(vector["serialized"]).derivation
    assert derivation is not None
    assert derivation.strategy == "Pbkdf2Hmac"
    assert derivation.salt == unb64(vector["salt_b64"])
    assert (derivation.iterations, derivation.length, derivation.hash) == (
        vector["iterations"],
        vector["length"],
        vector["hash"],
    )
    derived = pbkdf2_sha256(
        vector["passphrase"].encode("utf-8"), derivation.salt, derivation.iterations, derivation.length
    )
    assert derived == unb64(vector["derived_key_b64"])
    # The derived key decrypts the first three parts on its own, as cryppo's decryptWithKey does.
    three_parts = ".".join(vector["serialized"].split(".")[:3])
    assert decrypt_with_key(derived, three_parts) == unb64(vector["plaintext_b64"])


@pytest.mark.parametrize("vector", [c for c in cases("passphrase") if not c.values[0]["legacy_yaml"]])
def test_cryppo_passphrase_strings_reserialize_byte_identical(vector: dict[str, Any]) -> None:
    assert serialize_encrypted(parse_encrypted(vector["serialized"])) == vector["serialized"]


def test_python_decrypts_the_cryppo_readme_example() -> None:
    """cryppo's README example: legacy YAML whose derivation salt is a plain (non-!binary) YAML string."""
    vector = VECTORS["passphrase_readme_example"]
    assert decrypt_with_passphrase(vector["passphrase"], vector["serialized"]) == unb64(
        vector["plaintext_b64"]
    )


@pytest.mark.parametrize("vector", cases("signatures"))
def test_python_verifies_cryppo_signatures(vector: dict[str, Any]) -> None:
    key = KEYS[vector["key"]]
    data = unb64(vector["data_b64"])
    assert verify(key["public_pem"], vector["serialized"]) == data
    parsed = parse_signature(vector["serialized"])
    assert (parsed.strategy, parsed.data) == (f"Rsa{key['bits']}", data)


@pytest.mark.parametrize("vector", cases("signatures"))
def test_python_signatures_equal_cryppo_signatures(vector: dict[str, Any]) -> None:
    # RSASSA-PKCS1-v1_5 is deterministic: the same key and data must give the very same string.
    assert sign(KEYS[vector["key"]]["private_pem"], unb64(vector["data_b64"])) == vector["serialized"]


@pytest.mark.parametrize("vector", cases("pbkdf2"))
def test_pbkdf2_matches_cryppo_key_derivation(vector: dict[str, Any]) -> None:
    derived = pbkdf2_sha256(
        vector["passphrase"].encode("utf-8"),
        unb64(vector["salt_b64"]),
        vector["iterations"],
        vector["length"],
    )
    assert derived == unb64(vector["key_b64"])
