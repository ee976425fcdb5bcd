"""Needles: the secrets a test holds, in every spelling a careless server could store or log them.

A raw key can end up as raw bytes, hex (either case) or base64 (standard or URL-safe alphabet). Base64
inside a longer base64 text depends on the key's byte offset modulo 3, so each key is encoded at all
three alignments and only the characters that depend on the key alone are kept (≥ 40 of them for a
32-byte key, so a match by chance is impossible).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from strongroom import crypto

__all__ = ["Needle", "NeedleSet", "b64_forms", "key_forms"]

# Shorter byte strings would match by chance somewhere in a large dump.
MIN_RAW_LENGTH = 16


def b64_forms(raw: bytes) -> list[bytes]:
    """Base64 texts (standard and URL-safe) that appear wherever ``raw`` is base64-encoded in a stream."""
    forms: list[bytes] = []
    for shift in range(3):
        start = -(-8 * shift // 6)  # the first character made of the key's bits only
        end = (8 * (shift + len(raw))) // 6  # past the last one
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            forms.append(encode(b"\0" * shift + raw)[start:end])
    return forms


def key_forms(raw: bytes) -> list[bytes]:
    """``raw`` as bytes, lower and upper hex, and base64 at every alignment."""
    if len(raw) < MIN_RAW_LENGTH:
        raise ValueError("too short to search for without false alarms")
    return [raw, raw.hex().encode(), raw.hex().upper().encode(), *b64_forms(raw)]


def _int_bytes(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def private_key_forms(key: RSAPrivateKey) -> list[bytes]:
    """An RSA private key as PKCS#1 and PKCS#8 DER, its PEM's first body line, and its secret numbers."""
    numbers = key.private_numbers()
    forms: list[bytes] = []
    for fmt in (serialization.PrivateFormat.TraditionalOpenSSL, serialization.PrivateFormat.PKCS8):
        der = key.private_bytes(serialization.Encoding.DER, fmt, serialization.NoEncryption())
        forms.extend(key_forms(der))
        pem = key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())
        forms.append(pem.splitlines()[1])
    for secret in (numbers.d, numbers.p, numbers.q):
        forms.extend(key_forms(_int_bytes(secret)))
    return forms


@dataclass(frozen=True)
class Needle:
    """A secret (``label`` says which, never its value) and the byte strings that betray it."""

    label: str
    forms: tuple[bytes, ...]


@dataclass
class NeedleSet:
    """The secrets to search for; labels are safe to print in a failure message."""

    needles: list[Needle] = field(default_factory=list)

    def text(self, label: str, value: str) -> None:
        """A secret string (a canary, a passphrase, a token): searched for as its UTF-8 bytes."""
        self.needles.append(Needle(label, (value.encode("utf-8"),)))

    def key(self, label: str, raw: bytes) -> None:
        """A raw symmetric key or derived secret."""
        self.needles.append(Needle(label, tuple(key_forms(raw))))

    def private_key(self, label: str, key: RSAPrivateKey | str) -> None:
        """An RSA private key (object or PEM)."""
        loaded = crypto.load_private_key(key) if isinstance(key, str) else key
        self.needles.append(Needle(label, tuple(private_key_forms(loaded))))

    def extend(self, other: NeedleSet) -> None:
        self.needles.extend(other.needles)

    def found_in(self, haystack: bytes) -> list[str]:
        """Labels of the needles present in ``haystack``."""
        return [n.label for n in self.needles if any(form in haystack for form in n.forms)]

    def found_in_cells(self, cells: Iterable[tuple[str, str, bytes]]) -> list[str]:
        """``label in table.column`` for every needle found in a database cell (or across two cells:
        the separator is a byte no needle contains)."""
        listed = list(cells)
        everything = b"\x00".join(value for _, _, value in listed)
        hits: list[str] = []
        for needle in self.needles:
            if not any(form in everything for form in needle.forms):
                continue
            where = [f"{t}.{c}" for t, c, v in listed if any(form in v for form in needle.forms)]
            hits.append(f"{needle.label} in {', '.join(where) or 'the joined dump'}")
        return hits
