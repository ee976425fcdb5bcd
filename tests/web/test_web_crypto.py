"""The page's crypto module in real Chromium against the committed known-answer vectors, both directions.

read: what @meeco/cryppo and jsrp wrote (tests/fixtures/interop) opens or is reproduced in the page.
write: what the page writes, strongroom.crypto reads. python: what strongroom.crypto writes, the page reads.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from strongroom import crypto
from strongroom.client._export_file import ExportReader, ExportWriter
from tests.web.browser import bundle_harness

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "interop"
CRYPPO = json.loads((FIXTURES / "cryppo-vectors.json").read_text())
SRP = json.loads((FIXTURES / "srp-vectors.json").read_text())
ORIGIN = "http://127.0.0.1:9"  # never contacted: every request to it is answered by the route below


@pytest.fixture(scope="module")
def harness(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    script = bundle_harness(tmp_path_factory.mktemp("harness"))
    context = browser.new_context()
    page = context.new_page()
    html = "<!doctype html><title>crypto harness</title>"
    page.route(f"{ORIGIN}/**", lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    page.goto(f"{ORIGIN}/")  # loopback is a secure context: WebCrypto is there
    page.add_script_tag(content=script)
    try:
        yield page
    finally:
        context.close()


def test_page_reads_and_reproduces_every_reference_vector(harness: Page) -> None:
    result = harness.evaluate("([c, s]) => strongroomHarness.read(c, s)", [CRYPPO, SRP])
    assert result["failures"] == []
    legacy = sum(1 for v in CRYPPO["passphrase"] if v["legacy_yaml"])
    expected = (
        len(CRYPPO["aes"])
        + len(CRYPPO["rsa"])
        + len(CRYPPO["passphrase"])
        - legacy
        + 2 * len(CRYPPO["signatures"])
        + len(CRYPPO["pbkdf2"])
        + sum(len(SRP[k]) for k in ("verifiers", "transcripts", "wrong_password", "accounts"))
        + 2
    )
    assert len(result["checked"]) == expected


def test_python_reads_what_the_page_writes(harness: Page) -> None:
    made: dict[str, Any] = harness.evaluate("(c) => strongroomHarness.write(c)", CRYPPO)
    kek = crypto.b64decode(made["kek_b64"])
    for item in made["aes"]:
        assert crypto.decrypt_with_key(
            crypto.b64decode(item["key_b64"]), item["serialized"]
        ) == crypto.b64decode(item["plaintext_b64"]), item["name"]
        # The page writes exactly the canonical form: re-serializing the parse gives the same string.
        assert crypto.serialize_encrypted(crypto.parse_encrypted(item["serialized"])) == item["serialized"]
    for item in made["rsa"]:
        private = CRYPPO["rsa_keys"][item["key"]]["private_pem"]
        assert crypto.decrypt_with_private_key(private, item["serialized"]) == crypto.b64decode(
            item["plaintext_b64"]
        )
    for item in made["signatures"]:
        pair = CRYPPO["rsa_keys"][item["key"]]
        assert crypto.verify(pair["public_pem"], item["serialized"]) == crypto.b64decode(item["data_b64"])
        assert crypto.sign(pair["private_pem"], crypto.b64decode(item["data_b64"])) == item["serialized"]
    for name, value in made["fingerprints"].items():
        assert value == crypto.fingerprint(CRYPPO["rsa_keys"][name]["public_pem"])
    phrase = made["passphrase"]
    assert crypto.decrypt_with_passphrase(phrase["passphrase"], phrase["serialized"]) == crypto.b64decode(
        phrase["plaintext_b64"]
    )
    assert crypto.decrypt_text(kek, made["text"]["serialized"]) == made["text"]["plaintext"]
    assert made["empty_text"] is None
    generated = made["generated"]
    pem = crypto.unwrap_private_key(kek, generated["wrapped_private"])
    assert pem.startswith("-----BEGIN RSA PRIVATE KEY-----\n")
    key = crypto.load_private_key(pem)  # full consistency check of the page's key
    token = crypto.decrypt_with_private_key(key, generated["token_encrypted"])
    assert token == crypto.b64decode(generated["token_b64"])
    assert crypto.fingerprint(generated["public_pem"]) == generated["fingerprint"]
    assert crypto.load_public_key(generated["public_pem"]).key_size == 2048

    account = made["account"]
    assert crypto.parse_secret_key(account["secret_key"]).username == "webuser"
    password = crypto.derive_srp_password(account["passphrase"], account["secret_key"])
    assert (
        crypto.create_verifier("webuser", password, bytes.fromhex(account["salt"]))[1] == account["verifier"]
    )
    pdk = crypto.derive_pdk(account["passphrase"], account["secret_key"])
    assert crypto.unwrap_key(pdk, account["wrapped_kek"]) == kek
    crypto.check_verifier(account["salt"], account["verifier"])


def test_page_reads_what_python_writes(harness: Page) -> None:
    kek = crypto.generate_key()
    dek = crypto.generate_key()
    pair = crypto.generate_keypair(2048)
    token = "a vault session token ✓"
    made = {
        "kek_b64": crypto.b64encode(kek),
        "text": crypto.encrypt_text(kek, "ünïcödé from Python"),
        "plaintext": "ünïcödé from Python",
        "wrapped_private": crypto.wrap_private_key(kek, pair.private_pem),
        "public_pem": pair.public_pem,
        "fingerprint": crypto.fingerprint(pair.public_pem),
        "token": token,
        "token_encrypted": crypto.encrypt_with_public_key(pair.public_pem, token.encode()),
        "wrapped_dek": crypto.wrap_key(kek, dek),
        "dek_b64": crypto.b64encode(dek),
        "passphrase": "pässwörd",
        "passphrase_serialized": crypto.encrypt_with_passphrase("pässwörd", "ünïcödé from Python".encode()),
        "signed": "claim me",
        "signature": crypto.sign(pair.private_pem, b"claim me"),
    }
    assert harness.evaluate("(m) => strongroomHarness.readFromPython(m)", made) == []


def _sealed(key: bytes, plaintext: bytes) -> tuple[bytes, crypto.FileArtefacts]:
    sealer = crypto.FileSealer(key)
    blob = b"".join(
        sealer.seal(plaintext[i : i + crypto.BLOCK_SIZE]) for i in range(0, len(plaintext), crypto.BLOCK_SIZE)
    )
    return blob, sealer.finish()


def test_file_attachments_both_ways(harness: Page) -> None:
    """Two blocks (the second short): the page opens what Python sealed and refuses reordered blocks, a
    record without its mac, a flipped byte; Python opens what the page sealed, record in canonical form."""
    key = crypto.generate_file_key()
    plaintext = os.urandom(crypto.BLOCK_SIZE + 1000)
    blob, record = _sealed(key, plaintext)
    swapped = crypto.FileArtefacts(
        record.ivs[::-1], record.tags[::-1], ((0, 999), (1000, len(plaintext) - 1)), record.size, record.mac
    )
    reordered = blob[crypto.BLOCK_SIZE :] + blob[: crypto.BLOCK_SIZE]
    unsigned = crypto.FileArtefacts(record.ivs, record.tags, record.ranges, record.size)
    flipped = bytes([blob[0] ^ 1]) + blob[1:]
    made = {
        "key_b64": crypto.b64encode(key),
        "plaintext_b64": crypto.b64encode(plaintext),
        "blob_b64": crypto.b64encode(blob),
        "record": record.to_json().decode(),
        "refused": [
            ["reordered blocks", swapped.to_json().decode(), crypto.b64encode(reordered)],
            ["no mac", unsigned.to_json().decode(), None],
            ["flipped byte", record.to_json().decode(), crypto.b64encode(flipped)],
            ["another key", _sealed(crypto.generate_file_key(), plaintext)[1].to_json().decode(), None],
        ],
    }
    result = harness.evaluate("(m) => strongroomHarness.files(m)", made)
    assert result["failures"] == []
    page_record = result["record"].encode()
    artefacts = crypto.FileArtefacts.from_json(page_record)
    assert artefacts.to_json() == page_record
    assert artefacts.ranges == ((0, crypto.BLOCK_SIZE - 1), (crypto.BLOCK_SIZE, len(plaintext) - 1))
    opener = crypto.FileOpener(crypto.b64decode(result["key_b64"]), artefacts)
    page_blob = crypto.b64decode(result["blob_b64"])
    opened = b"".join(
        opener.open(i, page_blob[first : last + 1]) for i, (first, last) in enumerate(artefacts.ranges)
    )
    assert opened == plaintext


def _export_file(records: list[dict[str, Any]], passphrase: str, iterations: int) -> bytes:
    out = io.BytesIO()
    writer = ExportWriter(out, passphrase, iterations=iterations)
    for record in records:
        writer.write(record)
    writer.close()
    return out.getvalue()


def test_export_files_both_ways(harness: Page) -> None:
    """Several 64 KiB chunks (one record larger than four), multi-byte characters across their edges: the page
    reads what the SDK wrote and refuses its damaged copies for the same reasons; the SDK reads what the page
    wrote, record for record."""
    passphrase, iterations = "an export passphrase ✓", 1000
    body = [
        {"type": "card", "label": f"card {i}", "slots": [{"name": "note", "value": "é✓🙂" * (i + 100)}]}
        for i in range(300)
    ]
    # One record far larger than a chunk, in the middle.
    body.insert(150, {"type": "card", "label": "large", "slots": [{"name": "note", "value": "ü" * 300_000}]})
    records: list[dict[str, Any]] = [
        {"type": "export", "version": 1, "username": "webuser"},
        *body,
        {"type": "end", "cards": len(body), "received_cards": 0, "templates": 0},
    ]
    data = _export_file(records, passphrase, iterations)
    header_end = data.index(b"\n") + 1
    first = int.from_bytes(data[header_end : header_end + 4], "big")
    second_at = header_end + 4 + first
    second = int.from_bytes(data[second_at : second_at + 4], "big")
    swapped = (
        data[:header_end]
        + data[second_at : second_at + 4 + second]
        + data[header_end:second_at]
        + data[second_at + 4 + second :]
    )
    assert len(data) > 4 * (64 << 10)
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 1
    refused = [
        ("wrong passphrase", data, "another one", "Wrong export passphrase, or the export file was altered."),
        ("flipped byte", bytes(flipped), passphrase, "The export file was altered."),
        ("swapped chunks", swapped, passphrase, "Wrong export passphrase, or the export file was altered."),
        ("cut at a chunk", data[:second_at], passphrase, "The export file is truncated."),
        ("cut in a length", data[: second_at + 2], passphrase, "The export file is truncated."),
        ("cut in a chunk", data[:-10], passphrase, "The export file is truncated."),
        ("no body", data[:header_end], passphrase, "The export file is truncated."),
        ("version 2", data.replace(b'"version":1', b'"version":2', 1), passphrase, "has version 2"),
        ("not an export", b"hello\n" + data, passphrase, "not a Strongroom export file"),
        (
            "counts",
            _export_file([*records[:-1], {**records[-1], "cards": 1}], passphrase, iterations),
            passphrase,
            "counts differ",
        ),
        ("no end", _export_file(records[:-1], passphrase, iterations), passphrase, "no end record"),
    ]
    made = {
        "passphrase": passphrase,
        "iterations": iterations,
        "records": records,
        "file_b64": crypto.b64encode(data),
        "refused": [[name, crypto.b64encode(d), p, reason] for name, d, p, reason in refused],
    }
    result = harness.evaluate("(m) => strongroomHarness.exportFiles(m)", made)
    assert result["failures"] == []
    page_file = crypto.b64decode(result["file_b64"])
    assert page_file != data  # its own salt and nonce prefix
    header = json.loads(page_file[: page_file.index(b"\n")])
    assert header["kdf"] == {
        "algorithm": "PBKDF2-HMAC-SHA256",
        "iterations": iterations,
        "salt": header["kdf"]["salt"],
    }
    assert header["cipher"]["chunk_size"] == 64 << 10
    reader = ExportReader(io.BytesIO(page_file), passphrase)
    assert reader.verify()["cards"] == len(body)
    assert list(reader.records()) == records
    # The page cuts chunks where the SDK does: the same plaintext gives the same chunk lengths.
    assert len(page_file) - page_file.index(b"\n") == len(data) - header_end + 1
