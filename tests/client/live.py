"""A real uvicorn server in a background thread, for tests that need real HTTP on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import uvicorn
from starlette.types import ASGIApp

from strongroom.kit.settings import Settings
from strongroom.server import create_app


@contextmanager
def live_server(settings: Settings, timeout: float = 60.0) -> Iterator[str]:
    """Serve both services on a free port of 127.0.0.1 until the block ends; yields the base URL."""
    with live_app(create_app(settings), timeout) as url:
        yield url


@contextmanager
def live_app(app: ASGIApp, timeout: float = 60.0, lifespan: Literal["on", "off"] = "on") -> Iterator[str]:
    """Serve any ASGI ``app`` on a free port of 127.0.0.1 until the block ends; yields the base URL."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_config=None, access_log=False, lifespan=lifespan
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="strongroom-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
