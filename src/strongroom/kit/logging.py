"""Structured logs: one JSON object a line on stderr.

Only what is safe is ever passed in: method, route template (never the raw path, which can carry a token),
status, duration, ids. Request and response bodies and headers are never logged.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                data[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            # The exception type and the code location only: exception messages of libraries can quote
            # the data they choked on.
            data["exc_type"] = record.exc_info[0].__name__
            tb = record.exc_info[2]
            while tb is not None and tb.tb_next is not None:
                tb = tb.tb_next
            if tb is not None:
                data["exc_at"] = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}"
        return json.dumps(data, default=str)


def configure_logging(level: str = "INFO", *, json_lines: bool = True) -> None:
    """Install the one handler on the ``strongroom`` logger (idempotent)."""
    logger = logging.getLogger("strongroom")
    logger.setLevel(level.upper())
    for handler in list(logger.handlers):
        if getattr(handler, "_strongroom", False):
            logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._strongroom = True  # type: ignore[attr-defined]
    handler.setFormatter(
        JsonFormatter() if json_lines else logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    logger.addHandler(handler)
    logger.propagate = False
    # These libraries log SQL parameters (ciphertext, token hashes, unsent mail) at DEBUG/INFO: never let a
    # verbose root configuration switch that on.
    for name in ("aiosqlite", "sqlalchemy.engine", "asyncpg"):
        logging.getLogger(name).setLevel(logging.WARNING)


access_log = logging.getLogger("strongroom.access")


class AccessLogMiddleware:
    """Logs one line per request with the matched route template, never the raw path."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "(unmatched)"
            access_log.info(
                "request",
                extra={
                    "service": self.service,
                    "method": scope.get("method"),
                    "route": template,
                    "status": status,
                    "ms": round((time.perf_counter() - start) * 1000, 2),
                },
            )


RequestHandler = Callable[[Request], Awaitable[Response]]
