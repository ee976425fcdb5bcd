"""The blob store interface the Vault writes encrypted attachment bytes to, and the factory for it.

Keys are ``<user id>/<blob id>``. A store never holds a whole blob in memory: :meth:`BlobStore.put` takes
an async iterator of chunks and :meth:`BlobStore.read` yields chunks of a byte range. A blob becomes
visible under its key only once :meth:`put` has received every byte (a crash mid-upload leaves at most
staging leftovers, which :meth:`collect_staging` removes), so a reader never sees half a blob.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from strongroom.kit.settings import BlobBackend, Settings

__all__ = ["READ_CHUNK", "BlobInfo", "BlobStore", "SizeMismatch", "make_store"]

READ_CHUNK = 1 << 20
"""Bytes per chunk a read yields (and the disk store writes)."""


class SizeMismatch(Exception):
    """The upload did not carry exactly the declared number of bytes (nothing was stored)."""

    def __init__(self, received: int, *, over: bool) -> None:
        super().__init__("upload longer than declared" if over else "upload shorter than declared")
        self.received = received
        self.over = over


@dataclass(frozen=True)
class BlobInfo:
    key: str
    size: int
    modified: datetime


class BlobStore(abc.ABC):
    """Where encrypted blobs live: the local filesystem or an S3-compatible bucket."""

    name: str

    @abc.abstractmethod
    async def put(self, key: str, chunks: AsyncIterator[bytes], size: int) -> None:
        """Store exactly ``size`` bytes from ``chunks`` under ``key``; raise :class:`SizeMismatch` (storing
        nothing) when the stream is longer or shorter."""

    @abc.abstractmethod
    def read(self, key: str, start: int, end: int) -> AsyncIterator[bytes]:
        """Bytes ``start`` to ``end`` (inclusive) of blob ``key``, in chunks."""

    @abc.abstractmethod
    async def delete(self, keys: list[str]) -> None:
        """Delete the blobs (missing ones are ignored)."""

    @abc.abstractmethod
    def list(self, prefix: str = "") -> AsyncIterator[BlobInfo]:
        """Every stored blob whose key starts with ``prefix``."""

    @abc.abstractmethod
    async def collect_staging(self, older_than: datetime, uploading: set[str]) -> int:
        """Remove what unfinished uploads left behind: anything for a key not in ``uploading`` (the blobs
        still awaiting their bytes), and anything untouched since ``older_than``; the number removed."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""


def make_store(settings: Settings) -> BlobStore:
    """The store ``settings.blob_backend`` names."""
    if settings.blob_backend is BlobBackend.S3:
        from strongroom.vault.blobs.s3 import S3Store

        return S3Store(settings)
    from strongroom.vault.blobs.disk import DiskStore

    return DiskStore(settings.resolved_blob_dir)
