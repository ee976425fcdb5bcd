"""Hardening, seen from outside a real ``strongroom serve``: body limits, headers, and client addresses.

Per-address limits once followed ``X-Forwarded-For`` from any peer on loopback (uvicorn's default); now only
peers in ``STRONGROOM_TRUSTED_PROXIES`` may say who the client is.
"""

from __future__ import annotations

import secrets
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from strongroom.crypto import create_verifier
from tests.faults.process import ServiceProcess, free_port, strongroom_env

SIGNUPS = 3


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ServiceProcess]]:
    folder = tmp_path_factory.mktemp("hardening")
    made = {
        name: ServiceProcess.serve(
            free_port(),
            folder / name,
            strongroom_env(
                {"signups_per_address": SIGNUPS, "trusted_proxies": trusted, "log_level": "WARNING"}
            ),
            folder / f"{name}.log",
        )
        for name, trusted in (("direct", ""), ("proxied", "127.0.0.1"))
    }
    try:
        with ThreadPoolExecutor(2) as starter:
            list(starter.map(lambda server: server.start(), made.values()))
        yield made
    finally:
        with ThreadPoolExecutor(2) as stopper:
            list(stopper.map(lambda server: server.stop(), made.values()))


def _sign_up(url: str, forwarded_for: str) -> int:
    username = "u" + secrets.token_hex(8)
    salt, verifier = create_verifier(username, b"pw")
    r = httpx.post(
        f"{url}/keystore/srp/users",
        json={"username": username, "srp_salt": salt, "srp_verifier": verifier},
        headers={"X-Forwarded-For": forwarded_for},
    )
    return r.status_code


def test_forwarded_headers_count_only_from_trusted_proxies(servers: dict[str, ServiceProcess]) -> None:
    direct, proxied = servers["direct"].url, servers["proxied"].url
    # Not trusted: every made-up address is still 127.0.0.1, and shares its limit.
    codes = [_sign_up(direct, f"203.0.113.{i}") for i in range(SIGNUPS + 1)]
    assert codes == [201] * SIGNUPS + [429]
    # Trusted: each forwarded client has its own limit.
    codes = [_sign_up(proxied, f"203.0.113.{i}") for i in range(SIGNUPS + 1)]
    assert codes == [201] * (SIGNUPS + 1)
    codes = [_sign_up(proxied, "198.51.100.7") for _ in range(SIGNUPS + 1)]
    assert codes == [201] * SIGNUPS + [429]


def test_a_50_mb_body_is_refused_before_it_is_read(servers: dict[str, ServiceProcess]) -> None:
    # Before: parsed in full (128 → 427 MB of memory, 5.8 s) and answered 422.
    url = servers["direct"].url
    host, port = url.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"POST /vault/items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 52428800\r\n\r\n" + b"[" * 65536
        )
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert time.monotonic() - started < 5
    assert httpx.get(f"{url}/health").status_code == 200


def test_answers_carry_the_security_headers(servers: dict[str, ServiceProcess]) -> None:
    url = servers["direct"].url
    for path in ("/health", "/vault/items", "/keystore/version", "/nowhere"):
        r = httpx.get(f"{url}{path}")
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["cache-control"] == "no-store", path
        assert r.headers["referrer-policy"] == "no-referrer", path
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"], path
