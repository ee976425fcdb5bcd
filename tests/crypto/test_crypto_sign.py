"""Signatures ``Sign.Rsa<bits>.<b64 sig>.<b64 data>`` (RSASSA-PKCS1-v1_5, SHA-256)."""

from __future__ import annotations

import dataclasses

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strongroom.crypto import (
    KeyFormatError,
    KeyPair,
    SerializationError,
    Signature,
    SignatureError,
    b64encode,
    load_private_key,
    load_public_key,
    parse_signature,
    sign,
    verify,
)

DATA = b"http://127.0.0.1:8000/keystore/shared_keys/es1/claim_key--request-timestamp=2026-11-28T01:02:03.456Z"


def _serialize(signature: Signature) -> str:
    return f"Sign.{signature.strategy}.{b64encode(signature.signature)}.{b64encode(signature.data)}"


def test_sign_and_verify(rsa_pair: KeyPair) -> None:
    serialized = sign(rsa_pair.private_pem, DATA)
    parts = serialized.split(".")
    assert (len(parts), parts[0], parts[1], parts[3]) == (4, "Sign", "Rsa2048", b64encode(DATA))
    assert verify(rsa_pair.public_pem, serialized) == DATA
    parsed = parse_signature(serialized)
    assert (parsed.strategy, parsed.data, len(parsed.signature)) == ("Rsa2048", DATA, 256)


def test_signature_is_pkcs1v15_sha256(rsa_pair: KeyPair) -> None:
    parsed = parse_signature(sign(rsa_pair.private_pem, DATA))
    # Verified directly with the primitive: raises if the scheme or hash differ.
    load_public_key(rsa_pair.public_pem).verify(parsed.signature, DATA, padding.PKCS1v15(), hashes.SHA256())


def test_sign_with_rsa4096_and_loaded_keys(rsa4096_pair: KeyPair) -> None:
    serialized = sign(load_private_key(rsa4096_pair.private_pem), b"data")
    assert serialized.startswith("Sign.Rsa4096.")
    assert verify(load_public_key(rsa4096_pair.public_pem), serialized) == b"data"


def test_signatures_are_deterministic(rsa_pair: KeyPair) -> None:
    assert sign(rsa_pair.private_pem, DATA) == sign(rsa_pair.private_pem, DATA)


def test_empty_data_can_be_signed(rsa_pair: KeyPair) -> None:
    assert verify(rsa_pair.public_pem, sign(rsa_pair.private_pem, b"")) == b""


def test_tampered_data_raises_signature_error(rsa_pair: KeyPair) -> None:
    parsed = parse_signature(sign(rsa_pair.private_pem, DATA))
    for data in (DATA + b"x", DATA[:-1], b"X" + DATA[1:], b""):
        with pytest.raises(SignatureError):
            verify(rsa_pair.public_pem, _serialize(dataclasses.replace(parsed, data=data)))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(index=st.integers(min_value=0, max_value=255), mask=st.integers(min_value=1, max_value=255))
def test_tampered_signature_raises_signature_error(
    rsa_pair: KeyPair, rsa_private: rsa.RSAPrivateKey, index: int, mask: int
) -> None:
    signed = parse_signature(sign(rsa_private, DATA))
    tampered = bytearray(signed.signature)
    tampered[index] ^= mask
    with pytest.raises(SignatureError):
        verify(rsa_pair.public_pem, _serialize(dataclasses.replace(signed, signature=bytes(tampered))))


def test_signature_under_another_key_raises_signature_error(
    rsa_pair: KeyPair, other_rsa_pair: KeyPair
) -> None:
    with pytest.raises(SignatureError):
        verify(other_rsa_pair.public_pem, sign(rsa_pair.private_pem, DATA))


def test_key_of_another_size_raises_signature_error(rsa_pair: KeyPair, rsa4096_pair: KeyPair) -> None:
    with pytest.raises(SignatureError):
        verify(rsa4096_pair.public_pem, sign(rsa_pair.private_pem, DATA))


def test_strategy_claiming_another_size_is_malformed(rsa_pair: KeyPair) -> None:
    with pytest.raises(SerializationError):
        verify(rsa_pair.public_pem, sign(rsa_pair.private_pem, DATA).replace("Rsa2048", "Rsa4096"))


def test_bad_keys_raise_key_format_error(rsa_pair: KeyPair) -> None:
    with pytest.raises(KeyFormatError):
        verify("not a key", sign(rsa_pair.private_pem, DATA))
    with pytest.raises(KeyFormatError):
        sign("not a key", DATA)


SIG = b64encode(bytes(256))
MALFORMED = {
    "empty": "",
    "three parts": f"Sign.Rsa2048.{SIG}",
    "five parts": f"Sign.Rsa2048.{SIG}.{b64encode(DATA)}.x",
    "wrong prefix": f"Signed.Rsa2048.{SIG}.{b64encode(DATA)}",
    "lowercase prefix": f"sign.Rsa2048.{SIG}.{b64encode(DATA)}",
    "unknown strategy": f"Sign.Ecdsa256.{SIG}.{b64encode(DATA)}",
    "strategy without size": f"Sign.Rsa.{SIG}.{b64encode(DATA)}",
    "bad signature base64": f"Sign.Rsa2048.{SIG[:-1]}.{b64encode(DATA)}",
    "bad data base64": f"Sign.Rsa2048.{SIG}.{b64encode(DATA)}!",
    "short signature": f"Sign.Rsa2048.{b64encode(bytes(255))}.{b64encode(DATA)}",
    "long signature": f"Sign.Rsa2048.{b64encode(bytes(257))}.{b64encode(DATA)}",
    "an encrypted string": f"Rsa2048.{SIG}.QQUAAAAA",
}


@pytest.mark.parametrize("serialized", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_signatures_raise_serialization_error(rsa_pair: KeyPair, serialized: str) -> None:
    with pytest.raises(SerializationError):
        parse_signature(serialized)
    with pytest.raises(SerializationError):
        verify(rsa_pair.public_pem, serialized)


def test_non_strings_raise_serialization_error() -> None:
    with pytest.raises(SerializationError):
        parse_signature(None)  # type: ignore[arg-type]


@given(st.text(max_size=120) | st.lists(st.text("Sign.Rsa2048AQ-_=", max_size=40), max_size=5).map(".".join))
def test_any_text_parses_or_raises_serialization_error(text: str) -> None:
    try:
        parsed = parse_signature(text)
    except SerializationError:
        return
    assert _serialize(parsed) == text
