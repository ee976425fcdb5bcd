"""Request body limits, enforced while the body streams in: before it is parsed, before authentication.

Every request body of a service app may hold at most ``settings.max_body_bytes`` (413 ``body_too_large``).
A declared ``Content-Length`` over the limit is refused before a byte is read; a chunked body is counted as
it arrives and refused at the first byte past the limit, so nothing larger is ever held in memory.

A route that takes larger bodies (uploads) opts in with :func:`body_limit`, naming the setting that holds
its limit; the setting is read per request, so tests and deployments can change it::

    @router.put("/attachments/{id}")
    @body_limit("attachment_max_bytes")
    async def upload(...): ...

A route that reads ``request.stream()`` itself gets the same counting: the receive channel it reads from is
the limited one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from strongroom.kit.errors import error_response

BODY_LIMIT_ATTRIBUTE = "__strongroom_body_limit_setting__"
BODY_TOO_LARGE = "body_too_large"

F = TypeVar("F", bound=Callable[..., Any])


def body_limit(setting: str) -> Callable[[F], F]:
    """Mark an endpoint as taking bodies up to ``getattr(settings, setting)`` bytes instead of the default."""

    def mark(endpoint: F) -> F:
        setattr(endpoint, BODY_LIMIT_ATTRIBUTE, setting)
        return endpoint

    return mark


class BodyTooLarge(HTTPException):
    """Raised from the receive channel: FastAPI passes HTTP exceptions of body reading through unchanged,
    so the app's handler answers it in the one error shape."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")


def _too_large(limit: int) -> Any:
    return error_response(413, BODY_TOO_LARGE, f"the request body is larger than {limit} bytes")


class BodyLimitMiddleware:
    """Counts request body bytes against the limit of the route the request is for (see the module doc)."""

    def __init__(self, app: ASGIApp, routes_of: Callable[[], list[Any]], settings: Any) -> None:
        self.app = app
        self._routes_of = routes_of
        self._settings = settings
        self._marked: list[tuple[re.Pattern[str], set[str], str]] | None = None

    def _limit(self, scope: Scope) -> int:
        if self._marked is None:
            # Routes are all added by the time the first request comes; only the marked ones are kept.
            self._marked = [
                (
                    compile_path(route.path)[0],
                    set(route.methods or ()),
                    getattr(route.endpoint, BODY_LIMIT_ATTRIBUTE),
                )
                for route in iter_route_contexts(self._routes_of())
                if route.path and hasattr(route.endpoint, BODY_LIMIT_ATTRIBUTE)
            ]
        if self._marked:
            path, root = scope["path"], scope.get("root_path", "")
            if root and path.startswith(root):
                path = path[len(root) :]  # a mounted app's routes are matched without the mount's prefix
            method = scope.get("method", "")
            for pattern, methods, setting in self._marked:
                if method in methods and pattern.match(path):
                    return int(getattr(self._settings, setting))
        return int(self._settings.max_body_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(limit)(scope, receive, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            # Raised outside any handler (e.g. a streaming endpoint): answer here if nothing was sent yet.
            if started:
                raise
            await _too_large(limit)(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
