"""The disk store's writes: whatever the pieces an upload arrives in, the blob holds exactly its bytes."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from strongroom.vault.blobs.disk import IOV_MAX, DiskStore
from strongroom.vault.blobs.store import READ_CHUNK


async def _pieces(pieces: list[bytes]) -> AsyncIterator[bytes]:
    for piece in pieces:
        yield piece


async def _stored(store: DiskStore, key: str, size: int) -> bytes:
    return b"".join([chunk async for chunk in store.read(key, 0, size - 1)])


async def test_large_and_tiny_pieces_are_stored_in_order(tmp_path: Path) -> None:
    # Batches of whole READ_CHUNKs, then more tiny pieces than one writev takes.
    pieces = [os.urandom(300_000) for _ in range(8)] + [bytes([n % 256]) for n in range(IOV_MAX * 3)]
    data = b"".join(pieces)
    store = DiskStore(tmp_path)
    await store.put("u/blob", _pieces(pieces), len(data))
    assert len(data) > 2 * READ_CHUNK
    assert await _stored(store, "u/blob", len(data)) == data
    assert list((tmp_path / ".staging").iterdir()) == []


async def test_a_short_write_is_completed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_writev = os.writev

    def short_writev(fd: int, buffers: Sequence[bytes]) -> int:
        # Only part of the first buffer, as a full disk or a signal may leave it.
        return real_writev(fd, [buffers[0][: len(buffers[0]) // 2]])

    monkeypatch.setattr(os, "writev", short_writev)
    pieces = [os.urandom(400_000) for _ in range(6)]
    data = b"".join(pieces)
    store = DiskStore(tmp_path)
    await store.put("u/blob", _pieces(pieces), len(data))
    assert await _stored(store, "u/blob", len(data)) == data
