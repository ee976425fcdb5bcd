"""The SDK's HTTP transport: httpx's own, except that every socket read takes up to :data:`READ_BYTES`.

httpcore reads a response 64 KiB at a time and runs each piece through h11 and anyio, which costs more
CPU than the bytes themselves when an attachment of hundreds of megabytes streams in (a 200 MiB download
spent about twice the user CPU with 64 KiB reads as with 1 MiB ones). The network backend is the
extension point httpcore offers for this; httpx does not take one, so the pool is rebuilt with it.
"""

# httpcore's stream and backend interfaces take their timeouts as arguments.
# ruff: noqa: ASYNC109

from __future__ import annotations

import ssl
import typing

import httpcore
import httpx

__all__ = ["READ_BYTES", "make_transport"]

READ_BYTES = 1 << 20
"""The most bytes one read from a connection may return."""


class _Stream(httpcore.AsyncNetworkStream):
    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max(max_bytes, READ_BYTES), timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.AsyncNetworkBackend):
    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self._inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.connect_tcp(host, port, timeout, local_address, socket_options))

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def make_transport() -> httpx.AsyncHTTPTransport:
    """httpx's default transport (certificates verified, httpx's default limits) with large reads."""
    transport = httpx.AsyncHTTPTransport()
    limits = httpx.Limits()
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=_Backend(httpcore.AnyIOBackend()),
    )
    return transport
