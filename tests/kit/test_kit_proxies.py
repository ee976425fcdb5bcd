"""Client addresses (kit/auth.client_address): forwarded headers count only from trusted proxies."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from starlette.requests import Request

from strongroom.kit.auth import client_address


def _request(peer: str, trusted: str, *forwarded: str) -> Request:
    app = SimpleNamespace(state=SimpleNamespace(settings=SimpleNamespace(trusted_proxies=trusted)))
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return Request({"type": "http", "client": (peer, 5000), "headers": headers, "app": app})


@pytest.mark.parametrize(
    ("peer", "trusted", "forwarded", "expected"),
    [
        # None trusted by default: loopback peers are no exception (uvicorn believed them).
        ("127.0.0.1", "", ["203.0.113.5"], "127.0.0.1"),
        ("198.51.100.1", "", ["203.0.113.5"], "198.51.100.1"),
        # A trusted proxy: the rightmost address it did not add itself.
        ("127.0.0.1", "127.0.0.1", ["203.0.113.5"], "203.0.113.5"),
        ("10.0.0.2", "10.0.0.0/8", ["1.2.3.4, 203.0.113.5, 10.0.0.9"], "203.0.113.5"),
        ("10.0.0.2", "10.0.0.0/8 ::1", ["1.2.3.4", "203.0.113.5"], "203.0.113.5"),
        ("10.0.0.2", "10.0.0.0/8", ["[2001:db8::1]:4711"], "2001:db8::1"),
        # A peer that is not a trusted proxy cannot choose its address.
        ("198.51.100.1", "10.0.0.0/8", ["203.0.113.5"], "198.51.100.1"),
        # A trusted proxy that forwards garbage, or nothing: the proxy's own address.
        ("10.0.0.2", "10.0.0.0/8", ["not-an-address"], "10.0.0.2"),
        ("10.0.0.2", "10.0.0.0/8", [], "10.0.0.2"),
    ],
)
def test_client_address(peer: str, trusted: str, forwarded: list[str], expected: str) -> None:
    assert client_address(_request(peer, trusted, *forwarded)) == expected
