"""Known-answer vectors made by jsrp 0.2.4 with length 2048 (tests/fixtures/interop/srp-vectors.json).

Always run (no Node needed): every verifier and every transcript value (A, B, M1, K, M2) must come out
of strongroom.crypto.srp exactly as jsrp computed it, and the Meeco account chain (passphrase + secret key
-> PDK, SRP password -> verifier) must match cryppo + jsrp.
"""

from __future__ import annotations

from typing import Any

import pytest

from strongroom.crypto.kdf import derive_pdk, derive_srp_password, pbkdf2_sha256
from strongroom.crypto.secret_key import parse_secret_key
from strongroom.crypto.srp import G, N, SrpClient, SrpError, create_verifier, server_challenge, server_verify
from tests.interop.peer import load_vectors, unb64

VECTORS = load_vectors("srp-vectors.json")


def cases(section: str) -> list[Any]:
    return [pytest.param(v, id=v["name"]) for v in VECTORS[section]]


def test_group_is_jsrps_2048_bit_group() -> None:
    group = VECTORS["group"]
    assert VECTORS["generator"]["jsrp"] == "0.2.4"
    assert (group["length"], group["hash"]) == (2048, "sha256")
    assert int(group["N_hex"], 16) == N
    assert group["g"] == G


@pytest.mark.parametrize("vector", cases("verifiers"))
def test_verifier_matches_jsrp(vector: dict[str, Any]) -> None:
    password = bytes.fromhex(vector["password_hex"])
    salt = bytes.fromhex(vector["salt"])
    assert create_verifier(vector["username"], password, salt) == (vector["salt"], vector["verifier"])


@pytest.mark.parametrize("vector", cases("transcripts"))
def test_transcript_matches_jsrp(vector: dict[str, Any]) -> None:
    password = bytes.fromhex(vector["password_hex"])
    client = SrpClient(vector["username"], password, bytes.fromhex(vector["a"]))
    assert client.public_a_hex() == vector["A"]

    b_hex, b_public = server_challenge(vector["verifier"], bytes.fromhex(vector["b"]))
    assert b_public == vector["B"]

    assert client.process_challenge(vector["salt"], vector["B"]) == vector["M1"]
    assert client.shared_key_hex() == vector["K"]

    m2 = server_verify(
        salt_hex=vector["salt"],
        verifier_hex=vector["verifier"],
        b_hex=b_hex,
        a_hex=vector["A"],
        m1_hex=vector["M1"],
    )
    assert m2 == vector["M2"]
    client.verify_server_proof(vector["M2"])


@pytest.mark.parametrize("vector", cases("wrong_password"))
def test_wrong_password_proof_from_jsrp_is_rejected(vector: dict[str, Any]) -> None:
    wrong = SrpClient(
        vector["username"], bytes.fromhex(vector["wrong_password_hex"]), bytes.fromhex(vector["a"])
    )
    assert wrong.public_a_hex() == vector["A"]
    assert wrong.process_challenge(vector["salt"], vector["B"]) == vector["M1"]
    with pytest.raises(SrpError, match="client proof does not match"):
        server_verify(
            salt_hex=vector["salt"],
            verifier_hex=vector["verifier"],
            b_hex=vector["b"],
            a_hex=vector["A"],
            m1_hex=vector["M1"],
        )


@pytest.mark.parametrize("vector", cases("accounts"))
def test_meeco_account_chain_matches_cryppo_and_jsrp(vector: dict[str, Any]) -> None:
    secret_key = vector["secret_key"]
    assert parse_secret_key(secret_key).username == vector["username"]
    assert derive_pdk(vector["passphrase"], secret_key) == unb64(vector["pdk_b64"])
    srp_password = derive_srp_password(vector["passphrase"], secret_key)
    assert srp_password == bytes.fromhex(vector["srp_password_jsrp_hex"])
    # The raw PBKDF2 output cryppo derived, before jsrp's UTF-8 re-encoding.
    secret = parse_secret_key(secret_key).secret
    raw = pbkdf2_sha256(vector["passphrase"].encode("utf-8"), secret[::-1].encode("ascii"))
    assert raw == unb64(vector["srp_password_b64"])
    salt = bytes.fromhex(vector["salt"])
    assert create_verifier(vector["username"], srp_password, salt) == (vector["salt"], vector["verifier"])
