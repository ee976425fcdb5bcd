"""The export file: a versioned header line, then the records, encrypted as a whole in chunks.

Layout (``docs`` in README "Export files")::

    {"format": "strongroom-export", "version": 1, "kdf": {...}, "cipher": {...}}\\n   header, JSON, one line
    <4-byte big-endian length><sealed chunk>  ...                                     body, repeated

The key is PBKDF2-HMAC-SHA256 of the export passphrase with the header's salt and iterations; the body is
AES-256-GCM in the STREAM construction (:mod:`strongroom.crypto.stream`) with the header line as associated
data, so the header cannot be altered either. The plaintext is JSON lines, one record each, the first of
type ``export`` and the last of type ``end`` (with the counts, so a file that verifies is also complete).
Writing and reading hold one chunk in memory, never the whole vault.
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
from collections.abc import Iterator
from typing import Any, BinaryIO

from strongroom import crypto
from strongroom.client._errors import StrongroomError
from strongroom.crypto.stream import NONCE_PREFIX_LENGTH, StreamOpener, StreamSealer

__all__ = ["EXPORT_FORMAT", "EXPORT_VERSION", "ExportError", "ExportReader", "ExportWriter"]

EXPORT_FORMAT = "strongroom-export"
EXPORT_VERSION = 1
KDF = "PBKDF2-HMAC-SHA256"
CIPHER = "AES-256-GCM-STREAM"
ITERATIONS = 600_000
MAX_ITERATIONS = 10_000_000
CHUNK = 64 * 1024
MAX_CHUNK = 1024 * 1024
MAX_HEADER = 4096
SALT_LENGTH = 16


class ExportError(StrongroomError):
    """The export file cannot be used: wrong export passphrase, altered, truncated, or of an unknown
    format or version. Raised before anything is imported."""


def _key(passphrase: str, salt: bytes, iterations: int) -> bytes:
    return crypto.pbkdf2_sha256(passphrase.encode("utf-8"), salt, iterations, 32)


class ExportWriter:
    """Writes records to ``out``: :meth:`write` each, then :meth:`close` (which writes the final chunk)."""

    def __init__(self, out: BinaryIO, passphrase: str, *, iterations: int = ITERATIONS) -> None:
        salt, prefix = os.urandom(SALT_LENGTH), os.urandom(NONCE_PREFIX_LENGTH)
        header = {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "kdf": {"algorithm": KDF, "iterations": iterations, "salt": crypto.b64encode(salt)},
            "cipher": {"algorithm": CIPHER, "chunk_size": CHUNK, "nonce_prefix": crypto.b64encode(prefix)},
        }
        line = json.dumps(header, separators=(",", ":")).encode("ascii") + b"\n"
        self._out = out
        self._sealer = StreamSealer(_key(passphrase, salt, iterations), prefix, line)
        self._buffer = bytearray()
        out.write(line)

    def write(self, record: dict[str, Any]) -> None:
        self._buffer += json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"
        while len(self._buffer) > CHUNK:
            self._emit(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]

    def close(self) -> None:
        self._emit(bytes(self._buffer), last=True)
        self._buffer.clear()

    def _emit(self, chunk: bytes, *, last: bool) -> None:
        sealed = self._sealer.seal(chunk, last=last)
        self._out.write(struct.pack(">I", len(sealed)) + sealed)


def _header(source: BinaryIO) -> tuple[bytes, dict[str, Any]]:
    line = source.readline(MAX_HEADER)
    if not line.endswith(b"\n"):
        raise ExportError("not a Strongroom export file (no header line)")
    try:
        header = json.loads(line)
    except ValueError:
        raise ExportError("not a Strongroom export file (the header is not JSON)") from None
    if not isinstance(header, dict) or header.get("format") != EXPORT_FORMAT:
        raise ExportError("not a Strongroom export file")
    if header.get("version") != EXPORT_VERSION:
        raise ExportError(
            f"unknown export file version {header.get('version')!r}: "
            f"this Strongroom reads version {EXPORT_VERSION}"
        )
    return line, header


class ExportReader:
    """Reads and verifies an export file; :meth:`records` yields its records in order.

    Raises :class:`ExportError` for a wrong passphrase, an altered or truncated file, or an unknown
    format or version. Records come out as their chunk verifies: read the whole file once (e.g. to
    count) before acting on any record, as :meth:`verify` does.
    """

    def __init__(self, source: BinaryIO, passphrase: str) -> None:
        self._source = source
        self._start = source.tell()
        line, header = _header(source)
        try:
            kdf, cipher = header["kdf"], header["cipher"]
            if kdf["algorithm"] != KDF or cipher["algorithm"] != CIPHER:
                raise ExportError("the export file uses an algorithm this Strongroom does not know")
            iterations = int(kdf["iterations"])
            salt = crypto.b64decode(kdf["salt"])
            prefix = crypto.b64decode(cipher["nonce_prefix"])
        except (KeyError, TypeError, ValueError, crypto.CryptoError):
            raise ExportError("the export file's header is malformed") from None
        if not 1 <= iterations <= MAX_ITERATIONS or len(prefix) != NONCE_PREFIX_LENGTH:
            raise ExportError("the export file's header is malformed")
        self._line = line
        self._key = _key(passphrase, salt, iterations)
        self._prefix = prefix
        self._body = source.tell()

    def _chunks(self) -> Iterator[bytes]:
        self._source.seek(self._body)
        opener = StreamOpener(self._key, self._prefix, self._line)
        length = self._read(4)
        while length:
            if len(length) != 4:
                raise ExportError("the export file is truncated")
            (size,) = struct.unpack(">I", length)
            if size > MAX_CHUNK + 16:
                raise ExportError("the export file is damaged (a chunk is too large)")
            sealed = self._read(size)
            if len(sealed) != size:
                raise ExportError("the export file is truncated")
            following = self._read(4)
            yield self._open(opener, sealed, last=not following)
            length = following
        if not opener.finished:
            raise ExportError("the export file is truncated")

    @staticmethod
    def _open(opener: StreamOpener, sealed: bytes, *, last: bool) -> bytes:
        try:
            return opener.open(sealed, last=last)
        except crypto.DecryptionError:
            pass
        if last:
            # A chunk sealed as not final where the file ends: the file was cut at a chunk boundary.
            with contextlib.suppress(crypto.DecryptionError):
                opener.open(sealed, last=False)
                raise ExportError("the export file is truncated")
        if opener.chunks_opened == 0:
            raise ExportError("wrong export passphrase, or the export file was altered")
        raise ExportError("the export file was altered")

    def _read(self, size: int) -> bytes:
        return self._source.read(size)

    def records(self) -> Iterator[dict[str, Any]]:
        pending = b""
        for chunk in self._chunks():
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                try:
                    record = json.loads(line)
                except ValueError:
                    raise ExportError("the export file's content is malformed") from None
                if not isinstance(record, dict) or not isinstance(record.get("type"), str):
                    raise ExportError("the export file's content is malformed")
                yield record
        if pending:
            raise ExportError("the export file's content is malformed")

    def verify(self) -> dict[str, Any]:
        """Read the whole file; returns its ``end`` record (counts). ExportError if anything is wrong."""
        first: dict[str, Any] | None = None
        end: dict[str, Any] | None = None
        counts: dict[str, int] = {}
        for record in self.records():
            if first is None:
                first = record
                if record["type"] != "export":
                    raise ExportError("the export file's content is malformed (no export record)")
                continue
            if end is not None:
                raise ExportError("the export file's content is malformed (records after the end)")
            if record["type"] == "end":
                end = record
            else:
                counts[record["type"]] = counts.get(record["type"], 0) + 1
        if end is None:
            raise ExportError("the export file is truncated (no end record)")
        for kind in ("card", "received_card", "template"):
            if end.get(f"{kind}s", 0) != counts.get(kind, 0):
                raise ExportError("the export file's content is inconsistent (counts differ)")
        return end
