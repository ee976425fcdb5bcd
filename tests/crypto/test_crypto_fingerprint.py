"""Public key fingerprints."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from strongroom.crypto import KeyFormatError, KeyPair, fingerprint, load_public_key


def test_format_is_twelve_groups_of_five_digits(rsa_pair: KeyPair) -> None:
    assert re.fullmatch(r"\d{5}( \d{5}){11}", fingerprint(rsa_pair.public_pem))


def test_stable_across_line_ends_and_key_objects(rsa_pair: KeyPair) -> None:
    expected = fingerprint(rsa_pair.public_pem)
    assert fingerprint(rsa_pair.public_pem.replace("\n", "\r\n")) == expected
    assert fingerprint(rsa_pair.public_pem.strip()) == expected
    assert fingerprint(load_public_key(rsa_pair.public_pem)) == expected


def test_differs_across_keys(rsa_pair: KeyPair, other_rsa_pair: KeyPair, rsa4096_pair: KeyPair) -> None:
    prints = {fingerprint(pair.public_pem) for pair in (rsa_pair, other_rsa_pair, rsa4096_pair)}
    assert len(prints) == 3


def test_digest_is_over_the_der_subject_public_key_info(rsa_pair: KeyPair) -> None:
    # The DER is the base64 body of the SPKI PEM; the groups are 5-byte chunks of its SHA-512, mod 1e5.
    body = "".join(line for line in rsa_pair.public_pem.splitlines() if not line.startswith("-----"))
    digest = hashlib.sha512(base64.b64decode(body)).digest()
    expected = " ".join(f"{int.from_bytes(digest[i : i + 5], 'big') % 100000:05d}" for i in range(0, 60, 5))
    assert fingerprint(rsa_pair.public_pem) == expected


@pytest.mark.parametrize(
    "pem", ["", "not a key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"]
)
def test_bad_keys_raise_key_format_error(pem: str) -> None:
    with pytest.raises(KeyFormatError):
        fingerprint(pem)


def test_private_key_pem_is_refused(rsa_pair: KeyPair) -> None:
    with pytest.raises(KeyFormatError):
        fingerprint(rsa_pair.private_pem)
