"""The keys the SDK makes, recorded as it makes them, and a pool of RSA keys so that tests stay fast.

:class:`KeyRecorder` wraps the key-making functions of :mod:`strongroom.crypto` (the SDK looks them up
on the module at each call, so patching the module attribute is enough) and keeps every key they return:
KEKs, DEKs, share DEKs, RSA key pairs, PDKs and SRP passwords. The services never call these functions
(they make no user keys), so everything recorded is a client's secret.

RSA-4096 generation costs 1–2 s a key: :class:`KeyPool` hands out pre-generated pairs instead, in the same
order every run; they are still real keys that the SDK uses for everything it would use its own for.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

from strongroom import crypto
from strongroom.crypto import keys as crypto_keys

__all__ = ["POOL", "KeyPool", "KeyRecorder", "recording_keys"]


class KeyPool:
    """Pre-generated RSA-4096 key pairs, handed out in order from :meth:`reset` on."""

    def __init__(self) -> None:
        self._keys: list[crypto.KeyPair] = []
        self._next = 0
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self._next = 0

    def take(self, bits: int = 4096) -> crypto.KeyPair:
        if bits != 4096:
            raise ValueError("the pool holds RSA-4096 keys only")
        with self._lock:
            index = self._next
            self._next += 1
            while len(self._keys) <= index:
                # The module's own function: the package attribute may be patched (by us).
                self._keys.append(crypto_keys.generate_keypair(4096))
            return self._keys[index]


POOL = KeyPool()


@dataclass
class KeyRecorder:
    """Every key the wrapped functions returned since recording began (thread-safe: the SDK runs
    CPU-heavy crypto in worker threads)."""

    symmetric: list[bytes] = field(default_factory=list)
    keypairs: list[crypto.KeyPair] = field(default_factory=list)
    derived: list[tuple[str, bytes]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _keep_key(self, fn: Callable[[], bytes]) -> Callable[[], bytes]:
        def wrapped() -> bytes:
            key = fn()
            with self._lock:
                self.symmetric.append(key)
            return key

        return wrapped

    def _keep_pair(self, fn: Callable[[int], crypto.KeyPair]) -> Callable[[int], crypto.KeyPair]:
        def wrapped(bits: int = 4096) -> crypto.KeyPair:
            pair = fn(bits)
            with self._lock:
                self.keypairs.append(pair)
            return pair

        return wrapped

    def _keep_derived(self, what: str, fn: Callable[[str, str], bytes]) -> Callable[[str, str], bytes]:
        def wrapped(passphrase: str, secret_key: str) -> bytes:
            value = fn(passphrase, secret_key)
            with self._lock:
                self.derived.append((what, value))
            return value

        return wrapped


@contextmanager
def recording_keys(pool: KeyPool | None = POOL) -> Iterator[KeyRecorder]:
    """Record the keys the SDK makes inside the block; RSA pairs come from ``pool`` (None: generated)."""
    recorder = KeyRecorder()
    make_pair: Callable[[int], crypto.KeyPair] = (
        pool.take if pool is not None else crypto_keys.generate_keypair
    )
    if pool is not None:
        pool.reset()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(crypto, "generate_key", recorder._keep_key(crypto_keys.generate_key))
        patch.setattr(crypto, "generate_keypair", recorder._keep_pair(make_pair))
        patch.setattr(crypto, "derive_pdk", recorder._keep_derived("PDK", crypto.derive_pdk))
        patch.setattr(
            crypto, "derive_srp_password", recorder._keep_derived("SRP password", crypto.derive_srp_password)
        )
        yield recorder
