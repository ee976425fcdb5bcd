"""Attachments through the SDK, on both blob stores (disk, and S3 against moto's server on loopback):
round trips at the sizes that matter, ranged block reads, sharing by the file key alone, and the rules."""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from strongroom import crypto
from strongroom.client import CryptoError, NotFound, Strongroom
from strongroom.kit.settings import Settings
from tests.client.test_client_connections import connect
from tests.s3server import S3Endpoint, s3_settings

BLOCK = crypto.BLOCK_SIZE


@pytest.fixture
def backend() -> str:
    """SQLite only: these are the SDK's paths, which no database choice changes; the Vault's rules run on
    both databases (tests/vault/test_attachments_rules.py, the security matrix, the fuzzer)."""
    return "sqlite"


@pytest.fixture(params=["disk", "s3"])
def blob_backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def settings(settings: Settings, blob_backend: str, request: pytest.FixtureRequest) -> Iterator[Settings]:
    if blob_backend == "disk":
        yield settings
        return
    endpoint: S3Endpoint = request.getfixturevalue("s3_endpoint")
    yield settings.model_copy(update=s3_settings(endpoint, endpoint.new_bucket()))


def write_file(path: Path, size: int) -> str:
    data = os.urandom(size)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def record(seen: list[tuple[int, int]], done: int, total: int) -> None:
    seen.append((done, total))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def note_card(owner: Strongroom) -> str:
    return (await owner.create_card("note", "Papers", {})).id


SIZES = (0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK + 7)


async def test_round_trips_at_every_size_that_matters(alice: Strongroom, tmp_path: Path) -> None:
    """Empty, one byte, either side of a block boundary, exactly one block, several blocks."""
    card_id = await note_card(alice)
    for size in SIZES:
        source = tmp_path / f"scan-{size}.bin"
        expected = write_file(source, size)
        seen: list[tuple[int, int]] = []
        card = await alice.attach_file(
            card_id, source, label=f"Scan {size}", progress=functools.partial(record, seen)
        )
        slot = card.slot(f"scan_{size}")
        assert slot.slot_type_name == "attachment"
        assert slot.attachment_id is not None
        assert len(crypto.b64decode(slot.value or "")) == 32  # the value is the file key
        assert seen[-1] == (size, size)
        out = tmp_path / "out.bin"
        assert await alice.download_attachment((await alice.card(card_id)).slot(slot.id), out) == size
        assert digest(out) == expected, size
        assert not (tmp_path / ".out.bin.part").exists()


async def test_one_block_by_range(alice: Strongroom, tmp_path: Path) -> None:
    card_id = await note_card(alice)
    source = tmp_path / "big.bin"
    write_file(source, 2 * BLOCK + 100)
    card = await alice.attach_file(card_id, source)
    data = source.read_bytes()
    slot = card.slot("big_bin")
    assert await alice.read_attachment_block(slot, 1) == data[BLOCK : 2 * BLOCK]
    assert await alice.read_attachment_block(slot, 2) == data[2 * BLOCK :]


async def test_shared_card_hands_over_the_file_key_only(
    alice: Strongroom, bob: Strongroom, carol: Strongroom, tmp_path: Path
) -> None:
    mine, _ = await connect(alice, bob)
    card_id = await note_card(alice)
    source = tmp_path / "passport.pdf"
    expected = write_file(source, BLOCK + 3)
    card = await alice.attach_file(card_id, source)
    attachment_id = card.slot("passport_pdf").attachment_id
    share = await alice.share(card_id, mine.id, slot="passport_pdf")
    shared = await bob.read_share(share.id)
    slot = shared.slots[0]
    assert slot.attachment_id == attachment_id
    out = tmp_path / "bob.pdf"
    await bob.download_attachment(slot, out)
    assert digest(out) == expected
    # Someone with no share sees nothing, not even that it exists.
    with pytest.raises(NotFound):
        await carol.vault.attachment(attachment_id or "")
    # Revocation stops the next download at once.
    await alice.revoke_share(share.id)
    with pytest.raises(NotFound):
        await bob.download_attachment(slot, tmp_path / "again.pdf")
    assert not (tmp_path / "again.pdf").exists()


async def test_wrong_key_is_the_one_decryption_error(alice: Strongroom, tmp_path: Path) -> None:
    card_id = await note_card(alice)
    source = tmp_path / "a.bin"
    write_file(source, 10)
    slot = (await alice.attach_file(card_id, source)).slot("a_bin")
    forged = type(slot)(**{**slot.__dict__, "value": crypto.b64encode(crypto.generate_file_key())})
    with pytest.raises(CryptoError, match="DecryptionError"):
        await alice.download_attachment(forged, tmp_path / "out")
    assert not (tmp_path / "out").exists()


async def test_deleting_the_slot_or_card_stops_downloads(alice: Strongroom, tmp_path: Path) -> None:
    card_id = await note_card(alice)
    source = tmp_path / "a.bin"
    write_file(source, 10)
    slot = (await alice.attach_file(card_id, source)).slot("a_bin")
    await alice.delete_attachment(card_id, "a_bin")
    with pytest.raises(NotFound):
        await alice.download_attachment(slot, tmp_path / "out")
    slot = (await alice.attach_file(card_id, source)).slot("a_bin")
    await alice.delete_card(card_id)
    with pytest.raises(NotFound):
        await alice.download_attachment(slot, tmp_path / "out")
