"""Attachments against Meeco's own block scheme, run by the reference library (@meeco/cryppo in Node, as
@meeco/file-storage-common writes and file-storage-node reads): their files open here, ours open there."""

from __future__ import annotations

import json
import os

import pytest

from strongroom import crypto
from tests.interop.peer import NodePeer, b64, unb64

pytestmark = pytest.mark.interop

BLOCK = 1000


def sealed_here(data: bytes) -> tuple[bytes, bytes, bytes]:
    key = crypto.generate_file_key()
    sealer = crypto.FileSealer(key, block_size=BLOCK)
    blob = b"".join(sealer.seal(data[i : i + BLOCK]) for i in range(0, len(data), BLOCK))
    return key, blob, sealer.finish().to_json()


@pytest.mark.parametrize("size", [1, BLOCK, BLOCK + 1, 3 * BLOCK + 17])
def test_meecos_files_open_here(peer: NodePeer, size: int) -> None:
    data, key = os.urandom(size), crypto.generate_file_key()
    made = peer.call("file_encrypt", key_b64=b64(key), data_b64=b64(data), block_size=BLOCK)
    blob, record = unb64(made["blob_b64"]), made["record"].encode()
    artefacts = crypto.FileArtefacts.from_json(record)
    assert artefacts.mac is None  # Meeco's writer binds nothing: opening needs the explicit opt-out
    with pytest.raises(crypto.DecryptionError):
        crypto.FileOpener(key, artefacts)
    opener = crypto.FileOpener(key, artefacts, require_mac=False)
    got = b"".join(opener.open(i, blob[first : last + 1]) for i, (first, last) in enumerate(artefacts.ranges))
    assert got == data


@pytest.mark.parametrize("size", [1, BLOCK, BLOCK + 1, 3 * BLOCK + 17])
def test_our_files_open_with_meecos_reader(peer: NodePeer, size: int) -> None:
    data = os.urandom(size)
    key, blob, record = sealed_here(data)
    opened = peer.call("file_decrypt", key_b64=b64(key), blob_b64=b64(blob), record=record.decode())
    assert unb64(opened["data_b64"]) == data


def test_the_records_have_the_same_fields_in_the_same_order(peer: NodePeer) -> None:
    data = os.urandom(2 * BLOCK + 5)
    theirs = json.loads(
        peer.call(
            "file_encrypt", key_b64=b64(crypto.generate_file_key()), data_b64=b64(data), block_size=BLOCK
        )["record"]
    )
    ours = json.loads(sealed_here(data)[2])
    assert list(ours) == [*theirs, "mac"]
    for field in ("ad", "encryption_strategy", "size", "range"):
        assert ours[field] == theirs[field]
    assert [set(v) for v in ours["iv"]] == [set(v) for v in theirs["iv"]] == [{"type", "data"}] * 3
