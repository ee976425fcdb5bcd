"""Authenticated encryption of a long byte stream in chunks: the body of an export file.

Each chunk is AES-256-GCM with a 12-byte nonce ``prefix (7 random bytes) ‖ counter (4, big-endian) ‖ last
(1 byte: 1 on the final chunk, else 0)`` and the file's header as associated data (the STREAM
construction). So chunks cannot be reordered, dropped, repeated or moved to another file, the header
(parameters included) cannot be altered, and a cut-off stream lacks its final chunk and is refused. Memory
stays at one chunk whatever the stream's length. Pure: bytes in, bytes out, no I/O.
"""

from __future__ import annotations

import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from strongroom.crypto.errors import DecryptionError

__all__ = ["NONCE_PREFIX_LENGTH", "StreamOpener", "StreamSealer"]

NONCE_PREFIX_LENGTH = 7
MAX_CHUNKS = 2**32 - 1


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    if counter > MAX_CHUNKS:
        raise ValueError("too many chunks for one stream")
    return prefix + struct.pack(">I", counter) + (b"\x01" if last else b"\x00")


class StreamSealer:
    """Seals chunk after chunk; the caller marks the final one (``last=True``), exactly once."""

    def __init__(self, key: bytes, nonce_prefix: bytes, header: bytes) -> None:
        if len(nonce_prefix) != NONCE_PREFIX_LENGTH:
            raise ValueError("the nonce prefix must be 7 bytes")
        self._aes = AESGCM(key)
        self._prefix = nonce_prefix
        self._header = header
        self._counter = 0
        self._done = False

    def seal(self, chunk: bytes, *, last: bool = False) -> bytes:
        if self._done:
            raise ValueError("the stream is already finished")
        sealed = self._aes.encrypt(_nonce(self._prefix, self._counter, last), chunk, self._header)
        self._counter += 1
        self._done = last
        return sealed


class StreamOpener:
    """Opens chunks in order; :class:`DecryptionError` for any chunk that does not verify (wrong key,
    altered, reordered, or a final chunk where none belongs)."""

    def __init__(self, key: bytes, nonce_prefix: bytes, header: bytes) -> None:
        self._aes = AESGCM(key)
        self._prefix = nonce_prefix
        self._header = header
        self._counter = 0
        self.finished = False

    @property
    def chunks_opened(self) -> int:
        return self._counter

    def open(self, sealed: bytes, *, last: bool) -> bytes:
        if self.finished:
            raise DecryptionError()
        try:
            plain = self._aes.decrypt(_nonce(self._prefix, self._counter, last), sealed, self._header)
        except InvalidTag:
            raise DecryptionError() from None
        self._counter += 1
        self.finished = last
        return plain
