"""File attachments in Meeco's block scheme: one random 32-byte file key, the file cut into 1 MiB blocks,
each block AES-256-GCM with a fresh 12-byte IV and the associated data ``none``, and an *artefact record*
(JSON) listing every block's IV, tag and byte range plus the total size.

The ciphertext of a block is as long as its plaintext (the tag lives in the record), so the blob is the
concatenated block ciphertexts and a block's range is the same in the file and in the blob: a reader can
fetch and open one block alone.

The record is the JSON Meeco's file-storage packages write (``iv``/``at`` as Node ``Buffer`` JSON,
``range`` as ``bytes=<first>-<last>``, ``ad``, ``encryption_strategy: "AES-GCM"``, ``size``), plus one
field of ours, ``mac``: an HMAC-SHA256 under a key derived from the file key over the size and every
block's IV, tag and range. Without it, whoever stores the blob and the record could reorder, drop or
repeat whole blocks (each block would still open); with it, any such change fails like a wrong key.
Meeco's readers ignore the extra field. Records without it (made by Meeco's writer) open only when the
caller passes ``require_mac=False``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from strongroom.crypto.aes import aes_gcm_decrypt, aes_gcm_encrypt
from strongroom.crypto.artefacts import IV_LENGTH, TAG_LENGTH
from strongroom.crypto.encoding import b64decode, b64encode
from strongroom.crypto.errors import DecryptionError, KeyFormatError, SerializationError
from strongroom.crypto.keys import KEY_LENGTH

__all__ = [
    "BLOCK_SIZE",
    "FILE_STRATEGY",
    "MAX_BLOCK_SIZE",
    "FileArtefacts",
    "FileOpener",
    "FileSealer",
    "generate_file_key",
]

BLOCK_SIZE = 1 << 20
"""Plaintext bytes per block (Meeco's ``BLOCK_MAX_SIZE``)."""

MAX_BLOCK_SIZE = 16 << 20
"""The largest block a record may declare (readers hold one block in memory at a time)."""

FILE_STRATEGY = "AES-GCM"
"""``encryption_strategy`` of the record: cryppo's ``CipherStrategy.AES_GCM``."""

_AD = "none"
_MAC_CONTEXT = b"strongroom file artefacts v1"
_RANGE = re.compile(r"bytes=(\d{1,19})-(\d{1,19})")


def generate_file_key() -> bytes:
    """A fresh random 32-byte file key."""
    return os.urandom(KEY_LENGTH)


def _mac_key(file_key: bytes) -> bytes:
    if not isinstance(file_key, bytes) or len(file_key) != KEY_LENGTH:
        raise KeyFormatError(f"a file key must be {KEY_LENGTH} bytes")
    return hmac.new(file_key, _MAC_CONTEXT, hashlib.sha256).digest()


@dataclass(frozen=True)
class FileArtefacts:
    """The artefact record of one encrypted file: per block ``ivs[i]``, ``tags[i]`` and the inclusive byte
    range ``ranges[i]``; ``size`` the plaintext (and blob) length; ``mac`` our binding of all of it."""

    ivs: tuple[bytes, ...]
    tags: tuple[bytes, ...]
    ranges: tuple[tuple[int, int], ...]
    size: int
    mac: bytes | None = None

    def __post_init__(self) -> None:
        if not (len(self.ivs) == len(self.tags) == len(self.ranges)):
            raise SerializationError("artefacts: iv, at and range must have one entry per block")
        expected = 0
        for iv, tag, (first, last) in zip(self.ivs, self.tags, self.ranges, strict=True):
            if len(iv) != IV_LENGTH or len(tag) != TAG_LENGTH:
                raise SerializationError("artefacts: wrong IV or tag length")
            if first != expected or last < first or last - first + 1 > MAX_BLOCK_SIZE:
                raise SerializationError("artefacts: block ranges must be contiguous from 0")
            expected = last + 1
        if expected != self.size:
            raise SerializationError("artefacts: the block ranges do not add up to the size")

    @property
    def block_count(self) -> int:
        return len(self.ivs)

    def block_length(self, index: int) -> int:
        first, last = self.ranges[index]
        return last - first + 1

    def _digest(self, file_key: bytes) -> bytes:
        h = hmac.new(_mac_key(file_key), digestmod=hashlib.sha256)
        h.update(self.size.to_bytes(8, "big"))
        for iv, tag, (first, last) in zip(self.ivs, self.tags, self.ranges, strict=True):
            h.update(iv + tag + first.to_bytes(8, "big") + last.to_bytes(8, "big"))
        return h.digest()

    def to_json(self) -> bytes:
        """The record as UTF-8 JSON, in the field order Meeco's writer uses."""
        record: dict[str, Any] = {
            "iv": [{"type": "Buffer", "data": list(iv)} for iv in self.ivs],
            "ad": _AD,
            "at": [{"type": "Buffer", "data": list(tag)} for tag in self.tags],
            "range": [f"bytes={first}-{last}" for first, last in self.ranges],
            "encryption_strategy": FILE_STRATEGY,
            "size": self.size,
        }
        if self.mac is not None:
            record["mac"] = b64encode(self.mac)
        return json.dumps(record, separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> FileArtefacts:
        """Parse a record; :class:`SerializationError` for anything that is not a well-formed one."""
        try:
            record = json.loads(data)
        except (ValueError, UnicodeDecodeError):
            raise SerializationError("artefacts: not JSON") from None
        if not isinstance(record, dict):
            raise SerializationError("artefacts: not a JSON object")
        if record.get("encryption_strategy") != FILE_STRATEGY or record.get("ad") != _AD:
            raise SerializationError("artefacts: unsupported strategy or associated data")
        size = record.get("size")
        ivs, tags, ranges = record.get("iv"), record.get("at"), record.get("range")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise SerializationError("artefacts: size must be a non-negative integer")
        if not (isinstance(ivs, list) and isinstance(tags, list) and isinstance(ranges, list)):
            raise SerializationError("artefacts: iv, at and range must be lists")
        mac = record.get("mac")
        if mac is not None and not isinstance(mac, str):
            raise SerializationError("artefacts: mac must be a string")
        return cls(
            ivs=tuple(_buffer(v) for v in ivs),
            tags=tuple(_buffer(v) for v in tags),
            ranges=tuple(_range(v) for v in ranges),
            size=size,
            mac=b64decode(mac) if mac is not None else None,
        )


def _buffer(value: object) -> bytes:
    """Node's ``Buffer`` JSON (``{"type": "Buffer", "data": [...]}``) or a bare list of byte values."""
    data = value.get("data") if isinstance(value, dict) else value
    if not isinstance(data, list) or not all(
        isinstance(b, int) and not isinstance(b, bool) and 0 <= b <= 255 for b in data
    ):
        raise SerializationError("artefacts: an iv or at entry is not a byte buffer")
    return bytes(data)


def _range(value: object) -> tuple[int, int]:
    match = _RANGE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise SerializationError("artefacts: a range is not 'bytes=<first>-<last>'")
    return int(match.group(1)), int(match.group(2))


class FileSealer:
    """Encrypts a file block by block: feed every block to :meth:`seal` (each ``block_size`` bytes, the last
    one shorter), then :meth:`finish` gives the record."""

    def __init__(self, file_key: bytes, *, block_size: int = BLOCK_SIZE) -> None:
        if not 0 < block_size <= MAX_BLOCK_SIZE:
            raise ValueError(f"a block size is 1 to {MAX_BLOCK_SIZE} bytes")
        self._key = file_key
        self._block_size = block_size
        _mac_key(file_key)  # checks the key's length up front
        self._ivs: list[bytes] = []
        self._tags: list[bytes] = []
        self._ranges: list[tuple[int, int]] = []
        self._offset = 0
        self._short_seen = False

    def seal(self, block: bytes) -> bytes:
        """The ciphertext of the next block (as long as ``block``)."""
        if not block or len(block) > self._block_size:
            raise ValueError(f"a block holds 1 to {self._block_size} bytes")
        if self._short_seen:
            raise ValueError("only the last block may be shorter than the block size")
        self._short_seen = len(block) < self._block_size
        iv = os.urandom(IV_LENGTH)
        ciphertext, tag = aes_gcm_encrypt(self._key, block, iv=iv, aad=_AD.encode("ascii"))
        self._ivs.append(iv)
        self._tags.append(tag)
        self._ranges.append((self._offset, self._offset + len(block) - 1))
        self._offset += len(block)
        return ciphertext

    def finish(self) -> FileArtefacts:
        unsigned = FileArtefacts(tuple(self._ivs), tuple(self._tags), tuple(self._ranges), self._offset)
        return FileArtefacts(
            unsigned.ivs, unsigned.tags, unsigned.ranges, unsigned.size, unsigned._digest(self._key)
        )


class FileOpener:
    """Decrypts the blocks of one file. The record's ``mac`` is checked on construction (a record without
    one is refused unless ``require_mac`` is False); every failure is :class:`DecryptionError`."""

    def __init__(self, file_key: bytes, artefacts: FileArtefacts, *, require_mac: bool = True) -> None:
        if artefacts.mac is None:
            if require_mac:
                raise DecryptionError()
        elif not hmac.compare_digest(artefacts.mac, artefacts._digest(file_key)):
            raise DecryptionError()
        self._key = file_key
        self.artefacts = artefacts

    def open(self, index: int, ciphertext: bytes | bytearray) -> bytes:
        """The plaintext of block ``index`` from its ciphertext (exactly the block's range)."""
        a = self.artefacts
        if not 0 <= index < a.block_count or len(ciphertext) != a.block_length(index):
            raise DecryptionError()
        return aes_gcm_decrypt(
            self._key, ciphertext, iv=a.ivs[index], tag=a.tags[index], aad=_AD.encode("ascii")
        )

    def block_at(self, offset: int) -> int:
        """The index of the block holding plaintext byte ``offset``."""
        ranges: Sequence[tuple[int, int]] = self.artefacts.ranges
        lo, hi = 0, len(ranges) - 1
        while lo <= hi:
            mid = (lo + hi) // 2
            first, last = ranges[mid]
            if offset < first:
                hi = mid - 1
            elif offset > last:
                lo = mid + 1
            else:
                return mid
        raise ValueError("offset beyond the end of the file")
