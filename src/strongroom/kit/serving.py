"""The HTTP server's connection handling: uvicorn with httptools and uvloop, plus what uvicorn lacks.

- ``TCP_NODELAY`` on every accepted connection. asyncio sets it only on sockets whose protocol number is
  ``IPPROTO_TCP``; the listening socket uvicorn binds for ``--workers`` is created with protocol 0, so its
  connections kept Nagle's algorithm on. A response goes out as two writes (head, then body), and Nagle held
  the body until the client's delayed ACK of the head: a constant ~40 ms per request.
- A header-read timeout (``header_timeout``): a connection that has not sent a whole request head within
  that many seconds of connecting, or of its request's first byte, gets 408 and is closed. Idle keep-alive
  connections are closed by uvicorn's keep-alive timeout.
- A cap on open connections per process (``max_connections``): one more is answered 503 and closed at once.
- Request body pieces handed on as they arrive. uvicorn appends each piece the connection reads to a
  ``bytearray`` and gives the app ``bytes()`` of it: two copies of every byte of an upload, on the event
  loop (a 200 MiB attachment arrives in about 800 pieces of 256 KiB, each read by the app before the next
  one comes). A piece arriving while nothing is waiting is kept as the ``bytes`` object it came in, which
  ``bytes()`` returns as it is; only a piece arriving before the app took the last one is appended.
- No ``server`` banner.
"""

from __future__ import annotations

import asyncio
import gc
import json
import socket
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from strongroom.kit.settings import Settings

# Longer than clients' keep-alive expiry (httpx: 5 s), so a client never sends on a connection the server
# is closing at that very moment.
KEEP_ALIVE_TIMEOUT = 75


def _canned(status: str, code: str, message: str) -> bytes:
    body = json.dumps({"errors": [{"error": code, "message": message}]}).encode()
    head = (
        f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n"
        "connection: close\r\ncache-control: no-store\r\n\r\n"
    )
    return head.encode() + body


TOO_MANY_CONNECTIONS = _canned("503 Service Unavailable", "too_many_connections", "too many open connections")
HEADER_TIMEOUT = _canned("408 Request Timeout", "request_timeout", "request head not received in time")


class ServerConfig(uvicorn.Config):
    """uvicorn's config plus our connection limits (a module-level class: worker processes unpickle it)."""

    def __init__(self, app: Any, *, header_timeout: float, max_connections: int, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.header_timeout = header_timeout
        self.max_connections = max_connections


class HttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with ``TCP_NODELAY``, a header-read timeout and a connection cap."""

    def __init__(self, config: uvicorn.Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self._header_timeout: float = getattr(config, "header_timeout", 10.0)
        self._max_connections: int = getattr(config, "max_connections", 1000)
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if len(self.connections) >= self._max_connections:
            self.transport = transport
            transport.write(TOO_MANY_CONNECTIONS)
            transport.close()
            return
        super().connection_made(transport)
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_timer()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._header_timer is None:
            self._arm_header_timer()

    def on_headers_complete(self) -> None:
        self._disarm_header_timer()
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        cycle = self.cycle
        if isinstance(cycle.body, bytes):  # a piece the app has not taken yet: append to a copy of it
            cycle.body = bytearray(cycle.body)
        elif not cycle.body:
            # uvicorn's own step is ``cycle.body += body``; from b"" that is ``body`` itself, not a copy.
            cycle.body = b""  # type: ignore[assignment]
        super().on_body(body)

    def _arm_header_timer(self) -> None:
        self._header_timer = self.loop.call_later(self._header_timeout, self._header_timed_out)

    def _disarm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timed_out(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.write(HEADER_TIMEOUT)
            self.transport.close()


# Young objects allocated before the collector's first generation is examined (CPython's default is 700).
# A request allocates thousands (rows, models, JSON), so at the default every request of a busy server
# runs several collections.
GC_YOUNG_THRESHOLD = 20_000


def settle_heap() -> None:
    """Once a server process has started: move what start-up built (modules, apps, compiled schemas) out
    of the collector's sight, and collect young objects less often.

    Full collections otherwise walk every object start-up left, and they come more often the more
    requests are in flight: CPU per request rose with concurrency. Called by the process that serves
    (``strongroom serve`` and each of its workers), not in an app's lifespan: an app run in-process shares
    its process with whatever else runs there.
    """
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


def server_config(app: Any, settings: Settings, **kwargs: Any) -> ServerConfig:
    """The uvicorn config every ``strongroom serve`` uses (``app`` an ASGI app or an import string)."""
    return ServerConfig(
        app,
        header_timeout=settings.header_timeout,
        max_connections=settings.max_connections,
        host=settings.host,
        port=settings.port,
        http=HttpProtocol,
        loop="uvloop",
        log_config=None,
        access_log=False,
        server_header=False,
        # Forwarded headers are judged by the app against STRONGROOM_TRUSTED_PROXIES, not by uvicorn
        # (which believes any peer on loopback).
        proxy_headers=False,
        timeout_keep_alive=KEEP_ALIVE_TIMEOUT,
        backlog=settings.listen_backlog,
        **kwargs,
    )
