"""One error type with stable codes, rendered as ``{"errors": [{"error": code, "message": text}]}``.

Routes declare the errors they can answer with ``responses=error_responses(...)`` so that the OpenAPI
document lists them; the handlers installed by :func:`install_error_handlers` render every failure, including
framework ones (malformed JSON, validation, unknown route) in the same shape, and never leak a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("strongroom.errors")


class ErrorItem(BaseModel):
    error: str
    message: str


class ErrorBody(BaseModel):
    errors: list[ErrorItem]


class AppError(Exception):
    """A refusal with an HTTP status and a stable machine-readable code.

    ``message`` is shown to the client: it must never contain a secret, a token or ciphertext.
    """

    def __init__(
        self, status: int, code: str, message: str, *, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


def not_found(what: str) -> AppError:
    """404 for a record that is missing *or* not the caller's: the two must be indistinguishable."""
    return AppError(404, "not_found", f"{what} not found")


def unauthorized(message: str = "authentication required") -> AppError:
    return AppError(401, "unauthorized", message)


def invalid(code: str, message: str) -> AppError:
    return AppError(422, code, message)


def conflict(code: str, message: str) -> AppError:
    return AppError(409, code, message)


def rate_limited(retry_after: int) -> AppError:
    return AppError(
        429, "rate_limited", "too many requests; try again later", headers={"Retry-After": str(retry_after)}
    )


_DESCRIPTIONS = {
    400: "Malformed request body",
    401: "Missing, unknown, expired or revoked credentials",
    403: "Forbidden",
    404: "Not found, or not the caller's",
    409: "Conflict",
    410: "Gone",
    413: "Request body too large, over a size limit, or a quota exceeded",
    416: "Range not satisfiable",
    422: "Validation failed",
    429: "Rate limited",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the given error statuses, all with the one error body."""
    return {s: {"model": ErrorBody, "description": _DESCRIPTIONS.get(s, "Error")} for s in statuses}


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    body = {"errors": [{"error": code, "message": message}]}
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


def _describe_validation(exc: RequestValidationError) -> tuple[int, str, str]:
    errors = exc.errors()
    for err in errors:
        if err.get("type") == "json_invalid":
            return 400, "malformed_json", "request body is not valid JSON"
    if errors:
        first = errors[0]
        loc = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body",))
        msg = str(first.get("msg", "invalid value"))
        # Pydantic messages quote limits and types, never the submitted value.
        text = f"{loc}: {msg}" if loc else msg
        if first.get("type") == "missing" and loc == "":
            return 400, "malformed_json", "request body is required"
        return 422, "validation_failed", text
    return 422, "validation_failed", "invalid request"


_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
}


_FASTAPI_BODY_ERROR = "There was an error parsing the body"


def install_error_handlers(app: FastAPI) -> None:
    """Render every failure of ``app`` in the one error shape."""

    async def app_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, AppError)
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    async def validation_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        status, code, message = _describe_validation(exc)
        return error_response(status, code, message)

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = _STATUS_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        if exc.status_code == 400 and message == _FASTAPI_BODY_ERROR:
            # FastAPI's answer for a body json.loads could not take other than by JSONDecodeError: nesting
            # past the recursion limit, invalid UTF-8 inside a string.
            code, message = "malformed_json", "request body is not valid JSON"
        return error_response(exc.status_code, code, message, exc.headers)

    app.add_exception_handler(AppError, app_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_middleware(UnexpectedErrorMiddleware)


class UnexpectedErrorMiddleware:
    """Turns any exception that escapes the app into the one 500 body, and does not re-raise it.

    Starlette's own last-resort handler re-raises, and the server then logs the exception's text, which can
    quote data. Here only the exception type and the route are logged.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            route = getattr(scope.get("route"), "path", None) or "(unmatched)"
            log.error("unhandled error", exc_info=exc, extra={"route": route, "method": scope.get("method")})
            if not started:
                await error_response(500, "internal_error", "internal error")(scope, receive, send)
