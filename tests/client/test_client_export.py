"""Encrypted export and restore: the file format (chunks, header, versions) and the round trip through the
SDK into another account; every damaged file is refused before anything is created."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from strongroom.client import ExportError, SlotInput, Strongroom
from strongroom.client._export_file import CHUNK, ExportReader, ExportWriter
from tests.client.test_client_connections import connect
from tests.client.test_client_sharing import vehicle

PASSPHRASE = "the export passphrase"
FAST = 1000  # PBKDF2 iterations in tests; the default is 600,000


def _file(records: int = 0, *, size: int = 10) -> bytes:
    out = io.BytesIO()
    writer = ExportWriter(out, PASSPHRASE, iterations=FAST)
    writer.write({"type": "export", "version": 1})
    for i in range(records):
        writer.write({"type": "card", "label": f"card {i}", "slots": [{"name": "n", "value": "x" * size}]})
    writer.write({"type": "end", "cards": records})
    writer.close()
    return out.getvalue()


def _reject(data: bytes, passphrase: str = PASSPHRASE) -> str:
    with pytest.raises(ExportError) as caught:
        ExportReader(io.BytesIO(data), passphrase).verify()
    return str(caught.value)


def test_a_multi_chunk_file_reads_back_in_order() -> None:
    data = _file(300, size=1000)
    assert len(data) > 4 * CHUNK
    records = list(ExportReader(io.BytesIO(data), PASSPHRASE).records())
    assert [r["label"] for r in records[1:-1]] == [f"card {i}" for i in range(300)]
    assert ExportReader(io.BytesIO(data), PASSPHRASE).verify()["cards"] == 300
    assert b"card 1" not in data
    header = json.loads(data.split(b"\n", 1)[0])
    assert header["kdf"] == {
        "algorithm": "PBKDF2-HMAC-SHA256",
        "iterations": FAST,
        "salt": header["kdf"]["salt"],
    }
    assert header["version"] == 1


def test_damaged_files_are_refused_with_a_clear_reason() -> None:
    data = _file(300, size=1000)
    header_end = data.index(b"\n") + 1
    assert "wrong export passphrase" in _reject(data, "another passphrase")
    assert "truncated" in _reject(data[:-10])
    # Cut exactly after a whole chunk: the last chunk left was not sealed as the final one.
    first_len = int.from_bytes(data[header_end : header_end + 4], "big")
    assert "truncated" in _reject(data[: header_end + 4 + first_len])
    # Cut inside the next chunk's length prefix (1 to 3 of its 4 bytes left).
    for extra in (1, 2, 3):
        assert "truncated" in _reject(data[: header_end + 4 + first_len + extra])
    assert "truncated" in _reject(data[:header_end])
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 1
    assert "altered" in _reject(bytes(flipped))
    # The header is authenticated: fewer iterations (or anything else) and no chunk opens.
    tampered = data.replace(b'"iterations":1000', b'"iterations":1001', 1)
    assert "wrong export passphrase, or the export file was altered" in _reject(tampered)
    assert "unknown export file version 2" in _reject(data.replace(b'"version":1', b'"version":2', 1))
    assert "not a Strongroom export" in _reject(b"hello\n" + data)
    assert "not a Strongroom export" in _reject(b"")


async def test_export_and_restore_into_another_account(
    alice: Strongroom, bob: Strongroom, carol: Strongroom
) -> None:
    await alice.create_template(
        "Wi-Fi", [SlotInput(name="ssid", label="SSID"), SlotInput(name="psk", label="Key")]
    )
    wifi = await alice.create_card("wi_fi", "Home", {"ssid": "home-net", "psk": "hunter22"})
    car = await vehicle(alice)
    mine, theirs = await connect(alice, bob)
    given = await alice.share(car, mine.id)
    received = await bob.share(await vehicle(bob), theirs.id)
    await alice.read_share(received.id)

    plain = io.BytesIO()
    counts = await alice.export(plain, PASSPHRASE, iterations=FAST)
    assert counts == {"cards": 2, "received_cards": 0, "templates": 1}
    full = io.BytesIO()
    counts = await alice.export(full, PASSPHRASE, include_received=True, iterations=FAST)
    assert counts["received_cards"] == 1
    for secret in (b"hunter22", b"home-net", b"under the mat"):
        assert secret not in full.getvalue()
    kinds = [r["type"] for r in ExportReader(io.BytesIO(full.getvalue()), PASSPHRASE).records()]
    assert kinds.count("connection") == 1
    assert {
        r["id"]
        for r in ExportReader(io.BytesIO(full.getvalue()), PASSPHRASE).records()
        if r["type"] == "share"
    } == {given.id, received.id}

    before = len(await carol.cards())
    for bad in (full.getvalue()[:-5], full.getvalue().replace(b'"version":1', b'"version":9', 1)):
        with pytest.raises(ExportError):
            await carol.import_export(io.BytesIO(bad), PASSPHRASE)
    with pytest.raises(ExportError):
        await carol.import_export(io.BytesIO(full.getvalue()), "wrong")
    assert len(await carol.cards()) == before
    assert "wi_fi" not in {t.name for t in await carol.templates()}

    full.seek(0)
    summary = await carol.import_export(full, PASSPHRASE)
    assert (summary.cards, summary.templates) == (3, 1)
    cards = {c.label: c for c in await carol.cards()}
    assert cards["Home"].values["psk"] == "hunter22"
    assert cards["Home"].template_label == "Wi-Fi"
    assert cards["My car"].values["vin"] == "V1"
    assert sum(1 for c in await carol.cards() if c.label == "My car") == 2  # alice's and the one bob shared
    assert (await alice.card(wifi.id)).values["ssid"] == "home-net"


async def test_attached_files_are_not_restored_as_slots_without_a_file(
    alice: Strongroom, carol: Strongroom, tmp_path: Path
) -> None:
    """An export holds card values, not attached files: an import restores the rest of the card and counts
    the attachments it left out, instead of making a slot whose file key opens nothing."""
    card = await alice.create_card("note", "Papers", {"note": "see the scan"})
    source = tmp_path / "scan.pdf"
    source.write_bytes(b"%PDF scan")
    await alice.attach_file(card.id, source, label="Scan")
    exported = io.BytesIO()
    await alice.export(exported, PASSPHRASE, iterations=FAST)
    exported.seek(0)
    summary = await carol.import_export(exported, PASSPHRASE)
    assert (summary.cards, summary.attachments_left_out) == (1, 1)
    [restored] = [c for c in await carol.cards() if c.label == "Papers"]
    assert restored.values["note"] == "see the scan"
    assert [s.slot_type_name for s in restored.slots if s.slot_type_name == "attachment"] == []
