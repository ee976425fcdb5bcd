"""SRP-6a (jsrp 0.2.4 flavour): logins between our own client and server functions.

Byte-for-byte agreement with jsrp itself is checked in tests/interop (vectors and a live jsrp peer).
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strongroom.crypto.errors import CryptoError
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

USERNAME = "Q6r8k2LmZpd"
PASSWORD = b"correct horse battery staple"
SERVER_SECRET = b"\x01" * 32


def login(
    username: str, password: bytes, salt_hex: str, verifier_hex: str
) -> tuple[SrpClient, str, str, str, str]:
    """Run the client up to M1 against a fresh challenge; returns (client, b_hex, A, M1, B)."""
    client = SrpClient(username, password)
    b_hex, b_public = server_challenge(verifier_hex)
    m1 = client.process_challenge(salt_hex, b_public)
    return client, b_hex, client.public_a_hex(), m1, b_public


@pytest.fixture(scope="module")
def account() -> tuple[str, str]:
    return create_verifier(USERNAME, PASSWORD)


def test_round_trip_logs_in_and_both_sides_prove_the_key(account: tuple[str, str]) -> None:
    salt, verifier = account
    client, b_hex, a_public, m1, _ = login(USERNAME, PASSWORD, salt, verifier)
    m2 = server_verify(salt_hex=salt, verifier_hex=verifier, b_hex=b_hex, a_hex=a_public, m1_hex=m1)
    client.verify_server_proof(m2)
    assert len(m1) == len(m2) == 64
    assert m1 != m2


def test_wrong_password_is_rejected_by_the_server(account: tuple[str, str]) -> None:
    salt, verifier = account
    _, b_hex, a_public, m1, _ = login(USERNAME, b"not the password", salt, verifier)
    with pytest.raises(SrpError, match="client proof does not match"):
        server_verify(salt_hex=salt, verifier_hex=verifier, b_hex=b_hex, a_hex=a_public, m1_hex=m1)


def test_wrong_username_is_rejected_by_the_server(account: tuple[str, str]) -> None:
    salt, verifier = account
    _, b_hex, a_public, m1, _ = login("someone-else", PASSWORD, salt, verifier)
    with pytest.raises(SrpError):
        server_verify(salt_hex=salt, verifier_hex=verifier, b_hex=b_hex, a_hex=a_public, m1_hex=m1)


@pytest.mark.parametrize(
    "a_hex",
    [
        pytest.param("00" * 256, id="A=0 padded"),
        pytest.param("00", id="A=0 short"),
        pytest.param(format(N, "x"), id="A=N"),
    ],
)
def test_client_value_congruent_to_zero_is_rejected(account: tuple[str, str], a_hex: str) -> None:
    salt, verifier = account
    b_hex, _ = server_challenge(verifier)
    # With A ≡ 0 the server's S is 0, so an attacker could compute K and M1 without the password.
    key = hashlib.sha256(bytes(256)).digest()
    with pytest.raises(SrpError, match="invalid client value A"):
        server_verify(salt_hex=salt, verifier_hex=verifier, b_hex=b_hex, a_hex=a_hex, m1_hex=key.hex())


def test_tampered_client_proof_fails(account: tuple[str, str]) -> None:
    salt, verifier = account
    _, b_hex, a_public, m1, _ = login(USERNAME, PASSWORD, salt, verifier)
    tampered = format(int(m1, 16) ^ 1, "064x")
    with pytest.raises(SrpError, match="client proof does not match"):
        server_verify(salt_hex=salt, verifier_hex=verifier, b_hex=b_hex, a_hex=a_public, m1_hex=tampered)


def test_proof_for_another_challenge_fails(account: tuple[str, str]) -> None:
    salt, verifier = account
    _, _, a_public, m1, _ = login(USERNAME, PASSWORD, salt, verifier)
    other_b_hex, _ = server_challenge(verifier)
    with pytest.raises(SrpError):
        server_verify(salt_hex=salt, verifier_hex=verifier, b_hex=other_b_hex, a_hex=a_public, m1_hex=m1)


def test_server_proof_verifies_on_the_client_and_a_tampered_one_does_not(account: tuple[str, str]) -> None:
    salt, verifier = account
    client, b_hex, a_public, m1, _ = login(USERNAME, PASSWORD, salt, verifier)
    m2 = server_verify(salt_hex=salt, verifier_hex=verifier, b_hex=b_hex, a_hex=a_public, m1_hex=m1)
    client.verify_server_proof(m2)
    client.verify_server_proof(m2.upper())  # hex is read in either case, as jsrp does
    with pytest.raises(SrpError, match="server proof does not match"):
        client.verify_server_proof(format(int(m2, 16) ^ (1 << 200), "064x"))


def test_server_proof_before_challenge_is_an_error() -> None:
    client = SrpClient(USERNAME, PASSWORD)
    with pytest.raises(SrpError):
        client.verify_server_proof("00" * 32)
    with pytest.raises(SrpError):
        client.shared_key_hex()


@pytest.mark.parametrize("b_public", ["00" * 256, format(N, "x")])
def test_client_rejects_server_value_congruent_to_zero(b_public: str) -> None:
    client = SrpClient(USERNAME, PASSWORD)
    with pytest.raises(SrpError, match="invalid server value B"):
        client.process_challenge("ab" * 32, b_public)


def test_values_are_lowercase_padded_hex(account: tuple[str, str]) -> None:
    salt, verifier = account
    assert len(salt) == 64
    assert len(verifier) == 512
    client = SrpClient(USERNAME, PASSWORD)
    b_hex, b_public = server_challenge(verifier)
    for value in (salt, verifier, client.public_a_hex(), b_hex, b_public):
        assert value == value.lower()
        int(value, 16)
    assert len(client.public_a_hex()) == len(b_public) == 512
    assert len(b_hex) == 64


def test_verifier_is_g_to_the_x_of_salt_username_and_password() -> None:
    salt = bytes(range(32))
    salt_hex, verifier = create_verifier("alice", b"secret", salt)
    inner = hashlib.sha256(b"alice:secret").digest()
    x = int.from_bytes(hashlib.sha256(salt + inner).digest(), "big")
    assert salt_hex == salt.hex()
    assert verifier == pow(G, x, N).to_bytes(256, "big").hex()
    assert create_verifier("alice", b"secret", salt) == (salt_hex, verifier)
    assert create_verifier("alice", b"secret", bytes(32))[1] != verifier
    assert create_verifier("alice", b"secret2", salt)[1] != verifier


def test_explicit_secrets_make_the_exchange_deterministic(account: tuple[str, str]) -> None:
    salt, verifier = account
    a = bytes.fromhex("11" * 32)
    b = bytes.fromhex("22" * 32)
    first = SrpClient(USERNAME, PASSWORD, a)
    second = SrpClient(USERNAME, PASSWORD, a)
    assert (
        first.public_a_hex()
        == second.public_a_hex()
        == pow(G, int.from_bytes(a, "big"), N).to_bytes(256, "big").hex()
    )
    b_hex, b_public = server_challenge(verifier, b)
    assert (b_hex, b_public) == server_challenge(verifier, b)
    assert b_hex == b.hex()
    m1 = first.process_challenge(salt, b_public)
    assert m1 == second.process_challenge(salt, b_public)
    assert first.shared_key_hex() == second.shared_key_hex()
    m2 = server_verify(
        salt_hex=salt, verifier_hex=verifier, b_hex=b_hex, a_hex=first.public_a_hex(), m1_hex=m1
    )
    # M1 = H(A ‖ B ‖ K) and M2 = H(A ‖ M1 ‖ K), jsrp's formulas.
    a_bytes = bytes.fromhex(first.public_a_hex())
    key = bytes.fromhex(first.shared_key_hex())
    assert m1 == hashlib.sha256(a_bytes + bytes.fromhex(b_public) + key).hexdigest()
    assert m2 == hashlib.sha256(a_bytes + bytes.fromhex(m1) + key).hexdigest()


def test_uppercase_hex_from_the_client_is_accepted(account: tuple[str, str]) -> None:
    salt, verifier = account
    client, b_hex, a_public, m1, _ = login(USERNAME, PASSWORD, salt, verifier)
    m2 = server_verify(
        salt_hex=salt.upper(), verifier_hex=verifier, b_hex=b_hex, a_hex=a_public.upper(), m1_hex=m1.upper()
    )
    client.verify_server_proof(m2)


@pytest.mark.parametrize(
    "field",
    ["salt_hex", "verifier_hex", "b_hex", "a_hex", "m1_hex"],
)
@pytest.mark.parametrize(
    "bad",
    [
        pytest.param("", id="empty"),
        pytest.param("zz", id="not-hex"),
        pytest.param("abc", id="odd-length"),
        pytest.param("ab cd", id="space"),
        pytest.param("0x" + "ab" * 32, id="0x-prefix"),
        pytest.param("ab" * 300, id="too-long"),
        pytest.param(None, id="not-a-string"),
    ],
)
def test_bad_hex_is_an_srp_error_naming_the_field(account: tuple[str, str], field: str, bad: object) -> None:
    salt, verifier = account
    _, b_hex, a_public, m1, _ = login(USERNAME, PASSWORD, salt, verifier)
    fields: dict[str, object] = {
        "salt_hex": salt,
        "verifier_hex": verifier,
        "b_hex": b_hex,
        "a_hex": a_public,
        "m1_hex": m1,
    }
    fields[field] = bad
    with pytest.raises(SrpError) as caught:
        server_verify(**fields)  # type: ignore[arg-type]
    assert isinstance(caught.value, CryptoError)
    name = {"salt_hex": "salt", "verifier_hex": "verifier", "b_hex": "b", "a_hex": "A", "m1_hex": "M1"}[field]
    assert str(caught.value).startswith(name)
    if isinstance(bad, str) and bad:
        assert bad not in str(caught.value)


@pytest.mark.parametrize("bad", ["", "xyz", "00", "00" * 256, format(N, "x"), "ff" * 256])
def test_server_challenge_rejects_a_bad_verifier(bad: str) -> None:
    with pytest.raises(SrpError):
        server_challenge(bad)


def test_client_rejects_bad_challenge_hex() -> None:
    client = SrpClient(USERNAME, PASSWORD)
    _, b_public = server_challenge(create_verifier(USERNAME, PASSWORD)[1])
    with pytest.raises(SrpError, match="salt"):
        client.process_challenge("not hex", b_public)
    with pytest.raises(SrpError, match="B"):
        client.process_challenge("ab" * 32, b_public[:-1])


def test_zero_secret_exponents_are_refused() -> None:
    with pytest.raises(SrpError):
        SrpClient(USERNAME, PASSWORD, bytes(32))
    with pytest.raises(SrpError):
        server_challenge(create_verifier(USERNAME, PASSWORD)[1], bytes(32))


def test_check_verifier_accepts_registration_values_and_rejects_bad_ones(account: tuple[str, str]) -> None:
    salt, verifier = account
    check_verifier(salt, verifier)
    check_verifier(salt.upper(), verifier.upper())
    for bad_salt in ("", "ab" * 15, "ab" * 65, "zz" * 32):
        with pytest.raises(SrpError, match="salt"):
            check_verifier(bad_salt, verifier)
    for bad_verifier in ("", "00" * 256, format(N, "x"), "ff" * 256, "ab" * 257, verifier[:-1]):
        with pytest.raises(SrpError, match="verifier"):
            check_verifier(salt, bad_verifier)


@pytest.mark.parametrize(
    "bad_verifier",
    ["01", "02", "0" * 511 + "2", format(N - 1, "x"), format(N >> 65, "x").rjust(512, "0")],
)
def test_check_verifier_refuses_values_outside_the_groups_proper_range(
    account: tuple[str, str], bad_verifier: str
) -> None:
    with pytest.raises(SrpError, match="proper range"):
        check_verifier(account[0], bad_verifier)


def test_check_verifier_refuses_a_salt_of_one_repeated_byte(account: tuple[str, str]) -> None:
    for bad_salt in ("00" * 32, "ff" * 16):
        with pytest.raises(SrpError, match="not random"):
            check_verifier(bad_salt, account[1])


def test_fake_values_are_stable_per_user_and_secret_and_look_real() -> None:
    salt = fake_salt("nobody", SERVER_SECRET)
    verifier = fake_verifier("nobody", SERVER_SECRET)
    assert salt == fake_salt("nobody", SERVER_SECRET)
    assert verifier == fake_verifier("nobody", SERVER_SECRET)
    assert salt != fake_salt("somebody", SERVER_SECRET)
    assert verifier != fake_verifier("somebody", SERVER_SECRET)
    assert salt != fake_salt("nobody", b"\x02" * 32)
    assert verifier != fake_verifier("nobody", b"\x02" * 32)
    assert len(salt) == 64
    assert len(verifier) == 512
    check_verifier(salt, verifier)


def test_login_against_a_fake_verifier_fails() -> None:
    salt = fake_salt("nobody", SERVER_SECRET)
    verifier = fake_verifier("nobody", SERVER_SECRET)
    _, b_hex, a_public, m1, _ = login("nobody", PASSWORD, salt, verifier)
    with pytest.raises(SrpError):
        server_verify(salt_hex=salt, verifier_hex=verifier, b_hex=b_hex, a_hex=a_public, m1_hex=m1)


@settings(max_examples=10, deadline=None)
@given(
    username=st.text(min_size=1, max_size=40),
    password=st.binary(max_size=80),
    salt=st.binary(min_size=16, max_size=64),
)
def test_any_credentials_round_trip(username: str, password: bytes, salt: bytes) -> None:
    salt_hex, verifier = create_verifier(username, password, salt)
    client, b_hex, a_public, m1, _ = login(username, password, salt_hex, verifier)
    m2 = server_verify(salt_hex=salt_hex, verifier_hex=verifier, b_hex=b_hex, a_hex=a_public, m1_hex=m1)
    client.verify_server_proof(m2)
