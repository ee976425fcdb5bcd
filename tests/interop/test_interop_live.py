"""Live interop against the reference npm libraries, driven through ``node tools/interop/peer.mjs``.

What Python writes, @meeco/cryppo 2.0.2 reads (and the reverse, with freshly made strings); full SRP
logins between jsrp 0.2.4 and strongroom.crypto.srp in both directions. Skipped with a reason when Node
or tools/interop/node_modules is missing; under CI=true that is a failure instead.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from strongroom.crypto.cryppo import (
    decrypt_with_key,
    decrypt_with_passphrase,
    decrypt_with_private_key,
    encrypt_with_key,
    encrypt_with_passphrase,
    encrypt_with_public_key,
    wrap_key,
    wrap_private_key,
)
from strongroom.crypto.errors import SignatureError
from strongroom.crypto.kdf import derive_srp_password, pbkdf2_sha256
from strongroom.crypto.keys import KeyPair, generate_key, generate_keypair, load_public_key
from strongroom.crypto.secret_key import generate_secret_key, parse_secret_key
from strongroom.crypto.sign import sign, verify
from strongroom.crypto.srp import SrpClient, SrpError, create_verifier, server_challenge, server_verify
from tests.interop.peer import NodePeer, PeerError, b64, unb64

pytestmark = pytest.mark.interop

PLAINTEXTS = [
    pytest.param(b"hello world", id="ascii"),
    pytest.param("Grüße — 世界 🔐".encode(), id="unicode"),
    pytest.param(b"\x00", id="one-zero-byte"),
    pytest.param(os.urandom(32), id="32-bytes"),
    pytest.param(os.urandom(1024), id="1KiB"),
]
USERNAME = "Q6r8k2LmZpd"
PASSWORD = b"correct horse battery staple"


@pytest.fixture(scope="module", params=[4096, 2048], ids=["rsa4096", "rsa2048"])
def keypair(request: pytest.FixtureRequest) -> KeyPair:
    bits: int = request.param
    return generate_keypair(bits)


# ------------------------------------------------------------------------------------------------ cryppo


@pytest.mark.parametrize("plaintext", PLAINTEXTS)
def test_cryppo_decrypts_python_aes(peer: NodePeer, plaintext: bytes) -> None:
    key = generate_key()
    serialized = encrypt_with_key(key, plaintext)
    answer = peer.call("decrypt_with_key", key_b64=b64(key), serialized=serialized)
    assert unb64(answer["plaintext_b64"]) == plaintext


def test_cryppo_unwraps_python_wrapped_keys(peer: NodePeer, keypair: KeyPair) -> None:
    kek, dek = generate_key(), generate_key()
    answer = peer.call("decrypt_with_key", key_b64=b64(kek), serialized=wrap_key(kek, dek))
    assert unb64(answer["plaintext_b64"]) == dek
    wrapped_pem = wrap_private_key(kek, keypair.private_pem)
    answer = peer.call("decrypt_with_key", key_b64=b64(kek), serialized=wrapped_pem)
    assert unb64(answer["plaintext_b64"]).decode("utf-8") == keypair.private_pem


def test_cryppo_refuses_python_aes_under_another_key(peer: NodePeer) -> None:
    serialized = encrypt_with_key(generate_key(), b"secret")
    with pytest.raises(PeerError, match="Decryption failed"):
        peer.call("decrypt_with_key", key_b64=b64(generate_key()), serialized=serialized)


@pytest.mark.parametrize("plaintext", PLAINTEXTS)
def test_python_decrypts_fresh_cryppo_aes(peer: NodePeer, plaintext: bytes) -> None:
    key = generate_key()
    serialized = peer.call("encrypt_with_key", key_b64=b64(key), plaintext_b64=b64(plaintext))["serialized"]
    assert decrypt_with_key(key, serialized) == plaintext


@pytest.mark.parametrize(
    "plaintext",
    [b"\x01" * 32, b"tok_0123456789abcdef", "Grüße 🔐".encode()],
    ids=["share-dek", "token", "unicode"],
)
def test_cryppo_decrypts_python_rsa(peer: NodePeer, keypair: KeyPair, plaintext: bytes) -> None:
    serialized = encrypt_with_public_key(keypair.public_pem, plaintext)
    answer = peer.call("decrypt_with_private_key", private_pem=keypair.private_pem, serialized=serialized)
    assert unb64(answer["plaintext_b64"]) == plaintext


def test_python_decrypts_fresh_cryppo_rsa(peer: NodePeer, keypair: KeyPair) -> None:
    plaintext = os.urandom(32)
    serialized = peer.call(
        "encrypt_with_public_key", public_pem=keypair.public_pem, plaintext_b64=b64(plaintext)
    )["serialized"]
    assert decrypt_with_private_key(keypair.private_pem, serialized) == plaintext


@pytest.mark.parametrize("iterations", [20_000, 1_000])
def test_cryppo_decrypts_python_passphrase_strings(peer: NodePeer, iterations: int) -> None:
    plaintext = "a key export — 🔑".encode()
    serialized = encrypt_with_passphrase("pässwörd 🔑", plaintext, iterations=iterations)
    answer = peer.call("decrypt_with_passphrase", passphrase="pässwörd 🔑", serialized=serialized)
    assert unb64(answer["plaintext_b64"]) == plaintext
    with pytest.raises(PeerError):
        peer.call("decrypt_with_passphrase", passphrase="wrong", serialized=serialized)


def test_python_decrypts_fresh_cryppo_passphrase_strings(peer: NodePeer) -> None:
    plaintext = os.urandom(100)
    serialized = peer.call(
        "encrypt_with_passphrase", passphrase="Password123!", plaintext_b64=b64(plaintext)
    )["serialized"]
    assert decrypt_with_passphrase("Password123!", serialized) == plaintext


@pytest.mark.parametrize("data", [b"claim share 7c1e", os.urandom(1024)], ids=["ascii", "1KiB"])
def test_cryppo_verifies_python_signatures(peer: NodePeer, keypair: KeyPair, data: bytes) -> None:
    serialized = sign(keypair.private_pem, data)
    answer = peer.call("verify", public_pem=keypair.public_pem, serialized=serialized)
    assert answer == {"valid": True, "data_b64": b64(data)}


def test_cryppo_rejects_a_tampered_python_signature(peer: NodePeer, keypair: KeyPair) -> None:
    prefix, strategy, signature, _ = sign(keypair.private_pem, b"original").split(".")
    forged = f"{prefix}.{strategy}.{signature}.{b64(b'forged')}"
    assert peer.call("verify", public_pem=keypair.public_pem, serialized=forged)["valid"] is False


def test_python_verifies_fresh_cryppo_signatures(peer: NodePeer, keypair: KeyPair) -> None:
    data = os.urandom(64)
    serialized = peer.call("sign", private_pem=keypair.private_pem, data_b64=b64(data))["serialized"]
    assert serialized == sign(keypair.private_pem, data)  # PKCS#1 v1.5 is deterministic
    assert verify(keypair.public_pem, serialized) == data
    other = generate_keypair(load_public_key(keypair.public_pem).key_size)
    with pytest.raises(SignatureError):
        verify(other.public_pem, serialized)


# -------------------------------------------------------------------------------------------------- jsrp


def jsrp_client_logs_into_our_server(
    peer: NodePeer, salt: str, verifier: str, username: str, **password: Any
) -> tuple[bool, str | None]:
    """jsrp client ↔ strongroom server; returns (client accepted M2, M2) or raises SrpError on the server."""
    client = peer.call("srp_client_start", username=username, **password)
    try:
        b_hex, b_public = server_challenge(verifier)
        m1 = peer.call("srp_client_proof", id=client["id"], salt=salt, B=b_public)["M1"]
        m2 = server_verify(salt_hex=salt, verifier_hex=verifier, b_hex=b_hex, a_hex=client["A"], m1_hex=m1)
        return peer.call("srp_client_check", id=client["id"], M2=m2)["valid"], m2
    finally:
        peer.call("srp_close", id=client["id"])


def our_client_logs_into_jsrp_server(
    peer: NodePeer, salt: str, verifier: str, username: str, password: bytes
) -> SrpClient:
    """strongroom client ↔ jsrp server; raises SrpError if jsrp rejects the proof or M2 does not verify."""
    server = peer.call("srp_server_start", verifier=verifier, salt=salt)
    try:
        client = SrpClient(username, password)
        m1 = client.process_challenge(salt, server["B"])
        answer = peer.call("srp_server_verify", id=server["id"], A=client.public_a_hex(), M1=m1)
        if not answer["valid"]:
            raise SrpError("jsrp server rejected the client proof")
        client.verify_server_proof(answer["M2"])
        return client
    finally:
        peer.call("srp_close", id=server["id"])


def test_jsrp_registration_and_login_into_our_server(peer: NodePeer) -> None:
    registered = peer.call("srp_create_verifier", username=USERNAME, password_hex=PASSWORD.hex())
    valid, _ = jsrp_client_logs_into_our_server(
        peer, registered["salt"], registered["verifier"], USERNAME, password_hex=PASSWORD.hex()
    )
    assert valid is True


def test_our_registration_and_jsrp_client_login_into_our_server(peer: NodePeer) -> None:
    salt, verifier = create_verifier("ünïcødé-user", "pässwörd 🔑".encode())
    valid, _ = jsrp_client_logs_into_our_server(peer, salt, verifier, "ünïcødé-user", password="pässwörd 🔑")
    assert valid is True


def test_our_client_logs_into_jsrp_server(peer: NodePeer) -> None:
    salt, verifier = create_verifier(USERNAME, PASSWORD)
    our_client_logs_into_jsrp_server(peer, salt, verifier, USERNAME, PASSWORD)


def test_our_client_logs_into_jsrp_server_with_a_jsrp_registration(peer: NodePeer) -> None:
    registered = peer.call("srp_create_verifier", username=USERNAME, password_hex=PASSWORD.hex())
    our_client_logs_into_jsrp_server(peer, registered["salt"], registered["verifier"], USERNAME, PASSWORD)


def test_meeco_style_derived_password_logs_in_both_ways(peer: NodePeer) -> None:
    """Meeco's client hands jsrp the raw PBKDF2 bytes as a JS binary string; derive_srp_password matches."""
    secret_key = generate_secret_key(USERNAME)
    passphrase = "correct horse battery staple"
    secret = parse_secret_key(secret_key).secret
    raw = pbkdf2_sha256(passphrase.encode("utf-8"), secret[::-1].encode("ascii"))
    binary_string = raw.decode("latin-1")  # one char per byte, as the JS client holds it
    srp_password = derive_srp_password(passphrase, secret_key)

    registered = peer.call("srp_create_verifier", username=USERNAME, password=binary_string)
    our_client_logs_into_jsrp_server(peer, registered["salt"], registered["verifier"], USERNAME, srp_password)

    salt, verifier = create_verifier(USERNAME, srp_password)
    valid, _ = jsrp_client_logs_into_our_server(peer, salt, verifier, USERNAME, password=binary_string)
    assert valid is True


def test_jsrp_client_with_wrong_password_fails_at_our_server(peer: NodePeer) -> None:
    salt, verifier = create_verifier(USERNAME, PASSWORD)
    with pytest.raises(SrpError, match="client proof does not match"):
        jsrp_client_logs_into_our_server(peer, salt, verifier, USERNAME, password="not the password")


def test_our_client_with_wrong_password_fails_at_jsrp_server(peer: NodePeer) -> None:
    registered = peer.call("srp_create_verifier", username=USERNAME, password_hex=PASSWORD.hex())
    server = peer.call("srp_server_start", verifier=registered["verifier"], salt=registered["salt"])
    client = SrpClient(USERNAME, b"not the password")
    m1 = client.process_challenge(registered["salt"], server["B"])
    answer = peer.call("srp_server_verify", id=server["id"], A=client.public_a_hex(), M1=m1)
    peer.call("srp_close", id=server["id"])
    assert answer == {"valid": False, "M2": None}


def test_jsrp_client_rejects_a_forged_server_proof(peer: NodePeer) -> None:
    salt, verifier = create_verifier(USERNAME, PASSWORD)
    client = peer.call("srp_client_start", username=USERNAME, password_hex=PASSWORD.hex())
    b_hex, b_public = server_challenge(verifier)
    m1 = peer.call("srp_client_proof", id=client["id"], salt=salt, B=b_public)["M1"]
    m2 = server_verify(salt_hex=salt, verifier_hex=verifier, b_hex=b_hex, a_hex=client["A"], m1_hex=m1)
    forged = format(int(m2, 16) ^ 1, "064x")
    assert peer.call("srp_client_check", id=client["id"], M2=forged)["valid"] is False
    assert peer.call("srp_client_check", id=client["id"], M2=m2)["valid"] is True
    peer.call("srp_close", id=client["id"])


def test_jsrp_server_rejects_a_zero_client_value_like_ours(peer: NodePeer) -> None:
    salt, verifier = create_verifier(USERNAME, PASSWORD)
    server = peer.call("srp_server_start", verifier=verifier, salt=salt)
    with pytest.raises(PeerError, match="Invalid A value"):
        peer.call("srp_server_verify", id=server["id"], A="00" * 256, M1="00" * 32)
    peer.call("srp_close", id=server["id"])
    b_hex, _ = server_challenge(verifier)
    with pytest.raises(SrpError, match="invalid client value A"):
        server_verify(salt_hex=salt, verifier_hex=verifier, b_hex=b_hex, a_hex="00" * 256, m1_hex="00" * 32)
