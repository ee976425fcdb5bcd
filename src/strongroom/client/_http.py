"""The one place that builds requests and turns error answers into exceptions.

Both services speak JSON and answer errors as ``{"errors": [{"error": <code>, "message": <text>}]}``;
:class:`ServiceApi` sends a request to one service, adds the session token, and maps every failure to
the SDK's exception tree (:mod:`strongroom.client._errors`). Nothing here logs request or response
bodies: they carry wrapped keys, ciphertext and tokens.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator, Mapping
from typing import Any

import httpx

from strongroom.client._errors import ProtocolError, TransportError, api_error
from strongroom.client._transport import make_transport

__all__ = ["JsonObject", "ServiceApi", "make_http_client"]

JsonObject = dict[str, Any]

_USER_AGENT = "strongroom-python-sdk"


def make_http_client(
    *, transport: httpx.AsyncBaseTransport | None = None, timeout: float = 30.0
) -> httpx.AsyncClient:
    """An httpx client for both services; ``transport`` lets tests talk to in-process ASGI apps."""
    return httpx.AsyncClient(
        transport=transport if transport is not None else make_transport(),
        timeout=httpx.Timeout(timeout),
        headers={"User-Agent": _USER_AGENT, "Accept": "application/json"},
        follow_redirects=False,
    )


def _error_item(response: httpx.Response) -> tuple[str, str]:
    """The first ``(code, message)`` of an error body, or a generic pair when the body is not one."""
    fallback = (f"http_{response.status_code}", response.reason_phrase or "request failed")
    try:
        body = response.json()
    except ValueError:
        return fallback
    if isinstance(body, Mapping):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
            code = errors[0].get("error")
            message = errors[0].get("message")
            if isinstance(code, str) and code:
                return code, message if isinstance(message, str) and message else code.replace("_", " ")
        detail = body.get("detail")
        if isinstance(detail, str):
            return fallback[0], detail
    return fallback


def _retry_after(response: httpx.Response) -> int | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0, int(value))
    except ValueError:
        return None


class ServiceApi:
    """Requests to one service at ``base_url`` (e.g. ``http://127.0.0.1:8000/keystore``).

    ``token`` is the session token sent as ``Authorization: <token>`` on authenticated calls;
    ``client_name`` names this client in the service's session list (sent when logging in).
    """

    def __init__(
        self, http: httpx.AsyncClient, base_url: str, service: str, *, client_name: str | None = None
    ) -> None:
        self._http = http
        self.base_url = base_url.rstrip("/")
        self.service = service
        self.token: str | None = None
        # Sent with each login (``client_name``, an extension), so that the session list can name it.
        self.client_name = client_name

    async def call(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str | int | bool] | None = None,
        auth: bool = True,
        expect_body: bool = True,
    ) -> JsonObject:
        """Send ``method path`` and return the JSON object answered (``{}`` when ``expect_body`` is False).

        Raises :class:`ApiError` (a subclass per status) for an error answer, :class:`TransportError`
        when the server cannot be reached, :class:`ProtocolError` for a success that is not a JSON object.
        """
        headers: dict[str, str] = {}
        if auth and self.token is not None:
            headers["Authorization"] = self.token
        content: bytes | None = None
        if body is not None:
            content = json.dumps(body, separators=(",", ":")).encode("utf-8")
            headers["Content-Type"] = "application/json"
        query = {k: _query_value(v) for k, v in (params or {}).items()}
        url = f"{self.base_url}{path}"
        try:
            response = await self._http.request(
                method, url, content=content, headers=headers, params=query or None
            )
        except httpx.TimeoutException as exc:
            raise TransportError(self.base_url, "timed out") from exc
        except httpx.TransportError as exc:
            raise TransportError(self.base_url, _describe_transport(exc)) from exc
        self._raise_for_error(response, method, path)
        if not expect_body:
            return {}
        try:
            data = response.json()
        except ValueError as exc:
            raise ProtocolError(f"{self.service} {method} {path}: the answer is not JSON") from exc
        if not isinstance(data, dict):
            raise ProtocolError(f"{self.service} {method} {path}: the answer is not a JSON object")
        return data

    def _raise_for_error(self, response: httpx.Response, method: str, path: str) -> None:
        if response.status_code >= 400:
            code, message = _error_item(response)
            raise api_error(
                response.status_code,
                code,
                message,
                service=self.service,
                method=method,
                path=path,
                retry_after=_retry_after(response),
            )

    def _auth_headers(self) -> dict[str, str]:
        return {"Authorization": self.token} if self.token is not None else {}

    async def put_bytes(self, path: str, content: AsyncIterable[bytes] | bytes, size: int) -> JsonObject:
        """``PUT`` ``size`` raw bytes (streamed from ``content``) and return the JSON object answered."""
        headers = {
            **self._auth_headers(),
            "Content-Type": "application/octet-stream",
            "Content-Length": str(size),
        }
        try:
            response = await self._http.request(
                "PUT", f"{self.base_url}{path}", content=content, headers=headers
            )
        except httpx.TimeoutException as exc:
            raise TransportError(self.base_url, "timed out") from exc
        except httpx.TransportError as exc:
            raise TransportError(self.base_url, _describe_transport(exc)) from exc
        self._raise_for_error(response, "PUT", path)
        try:
            data = response.json()
        except ValueError as exc:
            raise ProtocolError(f"{self.service} PUT {path}: the answer is not JSON") from exc
        if not isinstance(data, dict):
            raise ProtocolError(f"{self.service} PUT {path}: the answer is not a JSON object")
        return data

    async def get_bytes(
        self, path: str, *, byte_range: tuple[int, int] | None = None
    ) -> AsyncIterator[bytes]:
        """``GET`` raw bytes (``byte_range``: inclusive first and last byte), streamed in the pieces they
        arrive in (re-chunking them would copy every byte once more)."""
        headers = self._auth_headers()
        if byte_range is not None:
            headers["Range"] = f"bytes={byte_range[0]}-{byte_range[1]}"
        try:
            async with self._http.stream("GET", f"{self.base_url}{path}", headers=headers) as response:
                if response.status_code >= 400:
                    await response.aread()
                    self._raise_for_error(response, "GET", path)
                async for data in response.aiter_bytes():
                    yield data
        except httpx.TimeoutException as exc:
            raise TransportError(self.base_url, "timed out") from exc
        except httpx.TransportError as exc:
            raise TransportError(self.base_url, _describe_transport(exc)) from exc


def _query_value(value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _describe_transport(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "connection refused or address unreachable"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the server closed the connection"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return "unsupported URL scheme"
    return type(exc).__name__
