"""RSA-4096 key pairs for the fault and load runs, generated once and kept under ``var/keypool``.

Every Strongroom sign-up and every connection side makes an RSA-4096 key pair, which takes one to four
seconds of CPU. The fault tests and the load driver take their keys from this pool instead, so that a run
measures the services rather than key generation. The pool is a folder of PEM files (test keys only, in the
git-ignored ``var/``); missing files are generated in parallel processes and written atomically, so two
runs may fill the pool at the same time.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from strongroom import crypto

__all__ = ["POOL_DIR", "KeySupply", "load_keypairs", "patched_keygen"]

POOL_DIR = Path(__file__).resolve().parents[2] / "var" / "keypool"
BITS = 4096


def _path(index: int) -> Path:
    return POOL_DIR / f"rsa{BITS}-{index:04d}.pem"


def _generate(index: int) -> int:
    """Generate key ``index`` and write it (in a worker process); returns the index."""
    pair = crypto.generate_keypair(BITS)
    target = _path(index)
    scratch = target.with_suffix(f".{os.getpid()}.tmp")
    scratch.write_text(pair.private_pem)
    os.replace(scratch, target)
    return index


def _read(index: int) -> crypto.KeyPair:
    private_pem = _path(index).read_text()
    # Our own keys, just written by us: OpenSSL's slow RSA consistency check adds nothing here.
    key = serialization.load_pem_private_key(
        private_pem.encode("ascii"), password=None, unsafe_skip_rsa_key_validation=True
    )
    assert isinstance(key, RSAPrivateKey)
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    return crypto.KeyPair(private_pem=private_pem, public_pem=public_pem)


def load_keypairs(count: int, *, start: int = 0) -> list[crypto.KeyPair]:
    """Key pairs ``start`` .. ``start + count - 1`` of the pool, generating the missing ones first."""
    POOL_DIR.mkdir(parents=True, exist_ok=True)
    wanted = range(start, start + count)
    missing = [i for i in wanted if not _path(i).exists()]
    if missing:
        workers = max(1, min(len(missing), os.cpu_count() or 1))
        with ProcessPoolExecutor(max_workers=workers) as pool:
            list(pool.map(_generate, missing))
    return [_read(i) for i in wanted]


class KeySupply:
    """Hands out pool keys in order, each at most once (a login key must be unique per account)."""

    def __init__(self, pairs: Sequence[crypto.KeyPair]) -> None:
        self._pairs = list(pairs)
        self._next = 0
        self._lock = threading.Lock()

    @property
    def left(self) -> int:
        return len(self._pairs) - self._next

    def take(self, bits: int = BITS) -> crypto.KeyPair:
        """The next unused pair; the signature matches ``strongroom.crypto.generate_keypair``."""
        if bits != BITS:
            raise ValueError(f"the pool holds RSA-{BITS} keys only")
        with self._lock:
            if self._next >= len(self._pairs):
                raise RuntimeError("the key pool is exhausted: ask load_keypairs for more")
            pair = self._pairs[self._next]
            self._next += 1
            return pair


@contextmanager
def patched_keygen(supply: KeySupply) -> Iterator[KeySupply]:
    """Make the SDK's key generation (``strongroom.crypto.generate_keypair``) draw from ``supply``."""
    real = crypto.generate_keypair
    crypto.generate_keypair = supply.take
    try:
        yield supply
    finally:
        crypto.generate_keypair = real
