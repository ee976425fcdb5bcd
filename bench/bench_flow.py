"""The seed's whole flow through the SDK against the embedded server, beside the crypto it cannot avoid.

Run with ``make bench`` (or ``pytest bench/bench_flow.py --benchmark-only -s``). Group ``seed-flow``:

- ``flow``: two sign-ups (steps 1–8), a card, an invitation by email (1–9), its acceptance (10–16), a share
  (23–31) and the recipient's first read with its claim (33–43), all through :class:`Strongroom` over real
  HTTP to the embedded server (both services in one process, SQLite, mail worker on).
- ``crypto-only``: the same client-side crypto done back to back with nothing else: four RSA-4096 key
  generations, the PBKDF2 derivations (PDK and SRP password, per user), the SRP verifier and client proofs,
  the wraps and unwraps, the RSA-OAEP of the share DEK and of the Vault token, the claim signature and the
  value encryption.

Each flow round also times every ``strongroom.crypto`` call the SDK makes during that very round, so the
printed ratio ``flow / crypto inside the flow`` does not depend on the luck of RSA prime searches across
rounds (RSA-4096 generation time varies by a factor of two or more). Work the SDK overlaps with network
waits (the login key pair is generated while the first sign-up requests run) counts in both. The aim is
a ratio under 1.3. No timing assertions.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from strongroom import crypto
from strongroom.cli._demo import embedded_server
from strongroom.client import Strongroom

T = TypeVar("T")
ROUNDS = 3
PASSPHRASE = "bench passphrase"
# The crypto functions the SDK calls through the ``strongroom.crypto`` package namespace.
TIMED = (
    "generate_keypair",
    "generate_key",
    "generate_secret_key",
    "derive_pdk",
    "derive_srp_password",
    "create_verifier",
    "wrap_key",
    "unwrap_key",
    "wrap_private_key",
    "unwrap_private_key",
    "encrypt_text",
    "decrypt_text",
    "encrypt_with_public_key",
    "decrypt_with_private_key",
    "sign",
)


class CryptoClock:
    """Sums the wall time spent inside the SDK's crypto calls (thread-safe: some run in worker threads)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0
        self._lock = threading.Lock()

    def timed(self, fn: Callable[..., T]) -> Callable[..., T]:
        @wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> T:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                with self._lock:
                    self.seconds += time.perf_counter() - start
                    self.calls += 1

        return wrapper

    def srp_client(self) -> type[crypto.SrpClient]:
        clock = self

        class TimedSrpClient(crypto.SrpClient):
            def __init__(self, username: str, password: bytes, a: bytes | None = None) -> None:
                clock.timed(super().__init__)(username, password, a)

            def public_a_hex(self) -> str:
                return clock.timed(super().public_a_hex)()

            def process_challenge(self, salt_hex: str, b_hex: str) -> str:
                return clock.timed(super().process_challenge)(salt_hex, b_hex)

        return TimedSrpClient


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with (
        tempfile.TemporaryDirectory(prefix="strongroom-bench-") as folder,
        embedded_server(Path(folder)) as url,
    ):
        yield url


async def seed_flow(url: str) -> None:
    """Alice and Bob: sign up, card, invitation by email, acceptance, share, first read."""
    async with Strongroom(url) as alice, Strongroom(url) as bob:
        await alice.sign_up(PASSPHRASE)
        bob_email = f"bob-{time.monotonic_ns()}@example.test"
        await bob.sign_up(PASSPHRASE, email=bob_email)
        card = await alice.create_card("vehicle", "My car", {"secret_note": "under the mat", "vin": "V-1"})
        invitation = await alice.invite(nickname="Bob", email=bob_email)
        assert invitation.token is not None
        mine = await bob.accept_invitation(invitation.token, nickname="Alice", invitation_id=invitation.id)
        [to_bob] = [c for c in await alice.connections() if c.other_public_key == mine.public_key]
        share = await alice.share(card.id, to_bob.id)
        read = await bob.read_share(share.id)
        assert read.values["secret_note"] == "under the mat"


def crypto_only() -> None:
    """The client-side crypto of :func:`seed_flow`, back to back."""
    dek_values = {"secret_note": "under the mat", "vin": "V-1"}
    users = []
    for name in ("alice", "bob"):
        secret_key = crypto.generate_secret_key(name)
        srp_password = crypto.derive_srp_password(PASSPHRASE, secret_key)
        salt, verifier = crypto.create_verifier(name, srp_password)
        client = crypto.SrpClient(name, srp_password)
        client.public_a_hex()
        _, public_b = crypto.server_challenge(verifier)
        client.process_challenge(salt, public_b)
        pdk = crypto.derive_pdk(PASSPHRASE, secret_key)
        kek, dek = crypto.generate_key(), crypto.generate_key()
        crypto.wrap_key(pdk, kek)
        login = crypto.generate_keypair()
        crypto.wrap_private_key(kek, login.private_pem)
        token = crypto.encrypt_with_public_key(login.public_pem, b"vs_" + b"x" * 43)  # the Vault's side
        crypto.decrypt_with_private_key(login.private_pem, token)
        crypto.wrap_key(kek, dek)
        users.append((kek, dek))
    (alice_kek, alice_dek), (bob_kek, bob_dek) = users
    values = {k: crypto.encrypt_text(alice_dek, v) for k, v in dek_values.items()}
    alice_conn, bob_conn = crypto.generate_keypair(), crypto.generate_keypair()
    crypto.wrap_private_key(alice_kek, alice_conn.private_pem)
    crypto.wrap_private_key(bob_kek, bob_conn.private_pem)
    crypto.encrypt_text(alice_dek, "Bob")
    crypto.encrypt_text(bob_dek, "Alice")
    plain = {k: crypto.decrypt_text(alice_dek, v) for k, v in values.items()}
    share_dek = crypto.generate_key()
    crypto.wrap_key(alice_kek, share_dek)
    shared_key = crypto.encrypt_with_public_key(bob_conn.public_pem, share_dek)
    shared = {k: crypto.encrypt_text(share_dek, v) for k, v in plain.items()}
    crypto.sign(
        bob_conn.private_pem, b"http://127.0.0.1/keystore/shared_keys/x/claim_key--request-timestamp=now"
    )
    claimed = crypto.decrypt_with_private_key(bob_conn.private_pem, shared_key)
    crypto.wrap_key(bob_kek, claimed)
    for value in shared.values():
        crypto.decrypt_text(claimed, value)


def test_flow(benchmark: BenchmarkFixture, server_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    benchmark.group = "seed-flow"
    measured: list[tuple[float, float, int]] = []
    patch = pytest.MonkeyPatch()

    def one_round() -> None:
        clock = CryptoClock()
        for name in TIMED:
            patch.setattr(crypto, name, clock.timed(getattr(crypto, name)))
        patch.setattr(crypto, "SrpClient", clock.srp_client())
        try:
            start = time.perf_counter()
            asyncio.run(seed_flow(server_url))
            measured.append((time.perf_counter() - start, clock.seconds, clock.calls))
        finally:
            patch.undo()

    benchmark.pedantic(one_round, rounds=ROUNDS, iterations=1, warmup_rounds=0)  # type: ignore[no-untyped-call]
    ratios = [total / inside for total, inside, _ in measured]
    benchmark.extra_info["flow_seconds"] = [round(t, 3) for t, _, _ in measured]
    benchmark.extra_info["crypto_seconds_inside_flow"] = [round(c, 3) for _, c, _ in measured]
    benchmark.extra_info["crypto_calls"] = measured[0][2]
    benchmark.extra_info["ratio_flow_over_crypto"] = [round(r, 3) for r in ratios]
    lines = [
        f"seed flow: {total:.2f} s; crypto in it {inside:.2f} s ({calls} calls): ratio {total / inside:.2f}"
        for total, inside, calls in measured
    ]
    lines.append(f"seed flow: median ratio flow / crypto inside the flow = {statistics.median(ratios):.2f}")
    with capsys.disabled():
        print("\n" + "\n".join(lines))


def test_crypto_only(benchmark: BenchmarkFixture) -> None:
    benchmark.group = "seed-flow"
    benchmark.pedantic(crypto_only, rounds=ROUNDS, iterations=1, warmup_rounds=0)  # type: ignore[no-untyped-call]
