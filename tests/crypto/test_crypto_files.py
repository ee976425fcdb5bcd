"""Meeco's block scheme for files: the artefact record's JSON, round trips, and every tampering failing
with the one decryption error (flipped byte, swapped or dropped blocks, truncation, a rewritten record)."""

from __future__ import annotations

import json
import os
from dataclasses import replace

import pytest

from strongroom import crypto
from strongroom.crypto import BLOCK_SIZE, DecryptionError, FileArtefacts, FileOpener, FileSealer

SMALL = 5000


def seal(data: bytes, block: int = BLOCK_SIZE) -> tuple[bytes, list[bytes], FileArtefacts]:
    key = crypto.generate_file_key()
    sealer = FileSealer(key, block_size=block)
    blocks = [sealer.seal(data[i : i + block]) for i in range(0, len(data), block)]
    return key, blocks, sealer.finish()


def open_all(key: bytes, blocks: list[bytes], artefacts: FileArtefacts, **kw: bool) -> bytes:
    opener = FileOpener(key, FileArtefacts.from_json(artefacts.to_json()), **kw)
    return b"".join(opener.open(i, b) for i, b in enumerate(blocks))


@pytest.mark.parametrize("size", [0, 1, BLOCK_SIZE - 1, BLOCK_SIZE, BLOCK_SIZE + 1, 3 * BLOCK_SIZE + 5])
def test_round_trip_and_ranges(size: int) -> None:
    data = os.urandom(size)
    key, blocks, artefacts = seal(data)
    assert open_all(key, blocks, artefacts) == data
    assert artefacts.size == size
    assert artefacts.block_count == -(-size // BLOCK_SIZE)
    assert sum(len(b) for b in blocks) == size  # the blob is exactly as long as the file
    for index, (first, last) in enumerate(artefacts.ranges):
        assert first == index * BLOCK_SIZE
        assert last == min(size, (index + 1) * BLOCK_SIZE) - 1


def test_the_record_is_meecos_json() -> None:
    _, _, artefacts = seal(os.urandom(BLOCK_SIZE + 10))
    record = json.loads(artefacts.to_json())
    assert list(record) == ["iv", "ad", "at", "range", "encryption_strategy", "size", "mac"]
    assert record["encryption_strategy"] == "AES-GCM"
    assert record["ad"] == "none"
    assert record["size"] == BLOCK_SIZE + 10
    assert record["range"] == [f"bytes=0-{BLOCK_SIZE - 1}", f"bytes={BLOCK_SIZE}-{BLOCK_SIZE + 9}"]
    assert record["iv"][0]["type"] == "Buffer"
    assert len(record["iv"][0]["data"]) == 12
    assert len(record["at"][1]["data"]) == 16


def test_each_block_is_plain_aes_gcm_with_ad_none() -> None:
    """What Meeco's reader does per block: cryppo's AES-GCM with the record's IV and tag and AD "none"."""
    data = os.urandom(3000)
    key, blocks, artefacts = seal(data, block=1000)
    for index, block in enumerate(blocks):
        plain = crypto.aes_gcm_decrypt(
            key, block, iv=artefacts.ivs[index], tag=artefacts.tags[index], aad=b"none"
        )
        assert plain == data[index * 1000 : (index + 1) * 1000]


def test_a_record_without_mac_opens_only_when_asked() -> None:
    data = os.urandom(SMALL)
    key, blocks, artefacts = seal(data, block=1000)
    meeco_made = replace(artefacts, mac=None)
    with pytest.raises(DecryptionError):
        open_all(key, blocks, meeco_made)
    assert open_all(key, blocks, meeco_made, require_mac=False) == data


def tampered_cases() -> list[tuple[str, int]]:
    return [("flip", 0), ("flip", 4), ("swap", 0), ("truncate", 0), ("wrong key", 0)]


@pytest.mark.parametrize(("how", "where"), tampered_cases())
def test_tampered_blocks_fail_with_the_one_error(how: str, where: int) -> None:
    key, blocks, artefacts = seal(os.urandom(SMALL), block=1000)
    if how == "flip":
        block = bytearray(blocks[where])
        block[len(block) // 2] ^= 0x01
        blocks[where] = bytes(block)
    elif how == "swap":
        blocks[0], blocks[1] = blocks[1], blocks[0]
    elif how == "truncate":
        blocks[-1] = blocks[-1][:-1]
    else:
        key = crypto.generate_file_key()
    with pytest.raises(DecryptionError):
        open_all(key, blocks, artefacts)


def test_a_rewritten_record_fails_even_when_every_block_would_open() -> None:
    """Reordering blocks together with their IVs and tags, dropping the last block, or repeating one: each
    block alone still opens, and only the record's MAC catches it."""
    key, blocks, artefacts = seal(os.urandom(SMALL), block=1000)
    order = [1, 0, 2, 3, 4]
    reordered = FileArtefacts(
        ivs=tuple(artefacts.ivs[i] for i in order),
        tags=tuple(artefacts.tags[i] for i in order),
        ranges=artefacts.ranges,
        size=artefacts.size,
        mac=artefacts.mac,
    )
    dropped = FileArtefacts(
        artefacts.ivs[:-1], artefacts.tags[:-1], artefacts.ranges[:-1], 4000, artefacts.mac
    )
    for record in (reordered, dropped):
        with pytest.raises(DecryptionError):
            FileOpener(key, record)
        # ... and Meeco's reader, which has no MAC, would have been fooled:
        meeco = FileOpener(key, replace(record, mac=None), require_mac=False)
        assert meeco.open(0, blocks[order[0]] if record is reordered else blocks[0])


@pytest.mark.parametrize(
    "mutate",
    [
        lambda r: r.update(encryption_strategy="AES-CBC"),
        lambda r: r.update(ad="other"),
        lambda r: r.update(size=-1),
        lambda r: r.update(size=True),
        lambda r: r["range"].__setitem__(0, "bytes=1-10"),
        lambda r: r["range"].__setitem__(0, "0-10"),
        lambda r: r["iv"].__setitem__(0, {"type": "Buffer", "data": [1, 2, 3]}),
        lambda r: r["at"].__setitem__(0, {"type": "Buffer", "data": [256] * 16}),
        lambda r: r["iv"].pop(),
        lambda r: r.update(mac=5),
        lambda r: r.update(iv="nope"),
    ],
)
def test_malformed_records_are_refused_cleanly(mutate: object) -> None:
    _, _, artefacts = seal(os.urandom(3000), block=1000)
    record = json.loads(artefacts.to_json())
    assert callable(mutate)
    mutate(record)
    with pytest.raises(crypto.SerializationError):
        FileArtefacts.from_json(json.dumps(record).encode())


@pytest.mark.parametrize("raw", [b"", b"[]", b"{", b"\xff\xfe", b"null"])
def test_not_a_record(raw: bytes) -> None:
    with pytest.raises(crypto.SerializationError):
        FileArtefacts.from_json(raw)


def test_the_sealer_takes_whole_blocks_until_the_last() -> None:
    sealer = FileSealer(crypto.generate_file_key())
    sealer.seal(b"x" * 10)
    with pytest.raises(ValueError, match="last block"):
        sealer.seal(b"y")
    with pytest.raises(ValueError, match="1 to"):
        FileSealer(crypto.generate_file_key()).seal(b"")
    with pytest.raises(crypto.KeyFormatError):
        FileSealer(b"short")
