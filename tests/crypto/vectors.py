"""Loaders for the standard test vectors shipped in the ``cryptography_vectors`` package.

They follow the formats pyca's own test-suite reads (``tests/utils.py``): NIST CAVS ``.rsp`` files
and the PKCS #1 v2.1 ``oaep-vect.txt`` of RSA Laboratories.
"""

from __future__ import annotations

from dataclasses import dataclass

import cryptography_vectors


@dataclass(frozen=True)
class GcmVector:
    """One NIST AES-GCM vector; ``fail`` marks a decryption that must be rejected."""

    key: bytes
    iv: bytes
    plaintext: bytes
    aad: bytes
    ciphertext: bytes
    tag: bytes
    fail: bool


def load_gcm_vectors(name: str) -> list[GcmVector]:
    """All vectors of ``ciphers/AES/GCM/<name>`` with a 96-bit IV and a 128-bit tag (our layer's sizes)."""
    vectors: list[GcmVector] = []
    section: dict[str, str] = {}
    current: dict[str, str] | None = None

    def flush() -> None:
        if current is None or section.get("IVlen") != "96" or section.get("Taglen") != "128":
            return
        vectors.append(
            GcmVector(
                key=bytes.fromhex(current["Key"]),
                iv=bytes.fromhex(current["IV"]),
                plaintext=bytes.fromhex(current.get("PT", "")),
                aad=bytes.fromhex(current.get("AAD", "")),
                ciphertext=bytes.fromhex(current.get("CT", "")),
                tag=bytes.fromhex(current["Tag"]),
                fail="FAIL" in current,
            )
        )

    with cryptography_vectors.open_vector_file(f"ciphers/AES/GCM/{name}", "r") as handle:
        for raw in handle:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                flush()
                current = None
                key, _, value = line.strip("[]").partition("=")
                section[key.strip()] = value.strip()
                continue
            if line.startswith("Count"):
                flush()
                current = {}
                continue
            if current is None:
                continue
            if line == "FAIL":
                current["FAIL"] = ""
                continue
            key, _, value = line.partition("=")
            current[key.strip()] = value.strip()
    flush()
    return vectors


@dataclass(frozen=True)
class OaepKey:
    """An RSA key of the OAEP vectors with its encrypted messages ``(message, ciphertext)``."""

    modulus: int
    public_exponent: int
    private_exponent: int
    p: int
    q: int
    dmp1: int
    dmq1: int
    iqmp: int
    examples: list[tuple[bytes, bytes]]


_OAEP_FIELDS = {
    "# Modulus:": "n",
    "# Exponent:": "e",
    "# Public exponent:": "e",
    "# Prime 1:": "p",
    "# Prime 2:": "q",
    "# Prime exponent 1:": "dmp1",
    "# Prime exponent 2:": "dmq1",
    "# Coefficient:": "iqmp",
    "# Message:": "message",
    "# Seed:": "seed",
    "# Encryption:": "ciphertext",
}


def load_oaep_vectors() -> list[OaepKey]:
    """The ten keys (1024..2048 bits) and 60 messages of ``pkcs-1v2-1d2-vec/oaep-vect.txt``."""
    path = "asymmetric/RSA/pkcs-1v2-1d2-vec/oaep-vect.txt"
    with cryptography_vectors.open_vector_file(path, "r") as handle:
        lines = [line.rstrip() for line in handle]
    keys: list[OaepKey] = []
    fields: dict[str, str] = {}
    examples: list[tuple[bytes, bytes]] = []
    in_private = False
    field: str | None = None

    def finish_key() -> None:
        if "n" in fields:
            keys.append(
                OaepKey(
                    modulus=int(fields["n"], 16),
                    public_exponent=int(fields["e"], 16),
                    private_exponent=int(fields["d"], 16),
                    p=int(fields["p"], 16),
                    q=int(fields["q"], 16),
                    dmp1=int(fields["dmp1"], 16),
                    dmq1=int(fields["dmq1"], 16),
                    iqmp=int(fields["iqmp"], 16),
                    examples=list(examples),
                )
            )

    for line in lines:
        if line.startswith("# Example") and "RSA key pair" in line:
            finish_key()
            fields, examples, in_private, field = {}, [], False, None
        elif line == "# Private key":
            in_private = True
        elif line.startswith("# OAEP Example"):
            fields.pop("message", None)
            fields.pop("ciphertext", None)
        elif line in _OAEP_FIELDS or line.startswith("# Exponent:"):
            name = _OAEP_FIELDS.get(line, "e")
            # Within the private key, "Exponent" is the private exponent d.
            if in_private and line.startswith("# Exponent:"):
                name = "d"
            field = name
            fields[field] = ""
        elif line.startswith("#") or line.startswith("=") or not line:
            if field == "ciphertext":
                examples.append((bytes.fromhex(fields["message"]), bytes.fromhex(fields["ciphertext"])))
            field = None
        elif field is not None:
            fields[field] += line.replace(" ", "")
    finish_key()
    return keys
