"""Fixtures of the fault tests: pool keys for the SDK, and the random seed of a run."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator

import pytest

from strongroom import crypto
from tests.faults.keypool import KeySupply, load_keypairs, patched_keygen

POOL_SIZE = 24


@pytest.fixture(scope="session")
def pool_keys() -> list[crypto.KeyPair]:
    """The first POOL_SIZE keys of the on-disk pool (generated on the first run only)."""
    return load_keypairs(POOL_SIZE)


@pytest.fixture
def key_supply(pool_keys: list[crypto.KeyPair]) -> Iterator[KeySupply]:
    """The SDK's RSA key generation draws from the pool for this test (each key once per test)."""
    with patched_keygen(KeySupply(pool_keys)) as supply:
        yield supply


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> random.Random:
    """A random source whose seed is printed, so that a failing run can be replayed (FAULTS_SEED=...)."""
    seed = int(os.environ.get("FAULTS_SEED") or random.SystemRandom().randrange(2**32))
    print(f"{request.node.nodeid}: FAULTS_SEED={seed}")
    return random.Random(seed)
