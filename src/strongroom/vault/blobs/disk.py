"""Blobs as files under ``<blob_dir>`` (default ``<data_dir>/blobs``).

An upload is written to ``<blob_dir>/.staging/<key>.<random>`` about :data:`READ_CHUNK` at a time,
flushed to disk, then renamed into place: a rename is atomic, so a blob's file is either absent or
complete. File I/O runs in worker threads so that the event loop keeps serving other requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import anyio.to_thread

from strongroom.vault.blobs.store import READ_CHUNK, BlobInfo, BlobStore, SizeMismatch

__all__ = ["DiskStore"]

STAGING = ".staging"


def _write_all(handle: BinaryIO, chunks: list[bytes]) -> None:
    handle.writelines(chunks)


def _finish(handle: BinaryIO, staged: Path, final: Path) -> None:
    handle.flush()
    os.fsync(handle.fileno())
    handle.close()
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staged, final)


class DiskStore(BlobStore):
    name = "disk"

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / STAGING).mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        parts = key.split("/")
        if not parts or any(p in ("", ".", "..") or p.startswith(".") for p in parts):
            raise ValueError("bad blob key")
        return self.root.joinpath(*parts)

    async def put(self, key: str, chunks: AsyncIterator[bytes], size: int) -> None:
        final = self._path(key)
        staged = self.root / STAGING / f"{key.replace('/', '_')}.{secrets.token_hex(8)}"
        handle = await anyio.to_thread.run_sync(lambda: staged.open("wb"))
        received = 0
        # Chunks are collected as they come (no copying into one buffer) and written together once a
        # READ_CHUNK's worth is there: one write in flight while the next arrives, so disk and network
        # overlap.
        pending: list[bytes] = []
        pending_bytes = 0
        writing: asyncio.Task[None] | None = None
        try:
            async for chunk in chunks:
                received += len(chunk)
                if received > size:
                    raise SizeMismatch(received, over=True)
                pending.append(chunk)
                pending_bytes += len(chunk)
                if pending_bytes >= READ_CHUNK:
                    if writing is not None:
                        await writing
                    writing = asyncio.create_task(anyio.to_thread.run_sync(_write_all, handle, pending))
                    pending, pending_bytes = [], 0
            if writing is not None:
                await writing
                writing = None
            if received != size:
                raise SizeMismatch(received, over=False)
            if pending:
                await anyio.to_thread.run_sync(_write_all, handle, pending)
            await anyio.to_thread.run_sync(_finish, handle, staged, final)
        except BaseException:
            if writing is not None:
                with contextlib.suppress(BaseException):
                    await writing
            handle.close()
            staged.unlink(missing_ok=True)
            raise

    async def read(self, key: str, start: int, end: int) -> AsyncIterator[bytes]:
        path = self._path(key)
        handle = await anyio.to_thread.run_sync(lambda: path.open("rb"))
        try:
            await anyio.to_thread.run_sync(handle.seek, start)
            left = end - start + 1
            while left > 0:
                chunk = await anyio.to_thread.run_sync(handle.read, min(READ_CHUNK, left))
                if not chunk:
                    break
                left -= len(chunk)
                yield chunk
        finally:
            handle.close()

    async def delete(self, keys: list[str]) -> None:
        def remove() -> None:
            for key in keys:
                self._path(key).unlink(missing_ok=True)

        await anyio.to_thread.run_sync(remove)

    async def list(self, prefix: str = "") -> AsyncIterator[BlobInfo]:
        def scan() -> list[BlobInfo]:
            found: list[BlobInfo] = []
            for user_dir in self.root.iterdir():
                if user_dir.name.startswith(".") or not user_dir.is_dir():
                    continue
                for path in user_dir.iterdir():
                    key = f"{user_dir.name}/{path.name}"
                    if key.startswith(prefix):
                        st = path.stat()
                        found.append(BlobInfo(key, st.st_size, datetime.fromtimestamp(st.st_mtime, UTC)))
            return found

        for info in await anyio.to_thread.run_sync(scan):
            yield info

    async def collect_staging(self, older_than: datetime, uploading: set[str]) -> int:
        live = {key.replace("/", "_") for key in uploading}

        def sweep() -> int:
            removed = 0
            for path in (self.root / STAGING).iterdir():
                stale = datetime.fromtimestamp(path.stat().st_mtime, UTC) < older_than
                if stale or path.name.split(".", 1)[0] not in live:
                    path.unlink(missing_ok=True)
                    removed += 1
            return removed

        return await anyio.to_thread.run_sync(sweep)
