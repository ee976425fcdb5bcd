"""Pre-generated RSA-4096 key pairs for tests (generation costs 1–2 s per key)."""

from __future__ import annotations

import threading

import pytest

from strongroom import crypto


class KeyPool:
    """Pre-generated RSA-4096 key pairs handed out in order; :meth:`reset` starts again (per test)."""

    def __init__(self) -> None:
        self._keys: list[crypto.KeyPair] = []
        self._next = 0
        self._lock = threading.Lock()
        self._real = crypto.generate_keypair

    def reset(self) -> None:
        with self._lock:
            self._next = 0

    def take(self, bits: int = 4096) -> crypto.KeyPair:
        assert bits == 4096
        with self._lock:
            index = self._next
            self._next += 1
            while len(self._keys) <= index:
                self._keys.append(self._real(4096))
            return self._keys[index]


_POOL = KeyPool()


def use_key_pool(monkeypatch: pytest.MonkeyPatch) -> KeyPool:
    """Make ``strongroom.crypto.generate_keypair`` draw from the session's pool (from its first key)."""
    _POOL.reset()
    monkeypatch.setattr(crypto, "generate_keypair", _POOL.take)
    return _POOL
