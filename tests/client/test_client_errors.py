"""The one request builder maps every error answer and transport failure to the documented exceptions."""

from __future__ import annotations

import socket

import httpx
import pytest

import strongroom.client as sdk
from strongroom.client import (
    ApiError,
    Conflict,
    Forbidden,
    Gone,
    NotFound,
    ProtocolError,
    RateLimited,
    ServerError,
    StrongroomError,
    TransportError,
    Unauthorized,
    ValidationFailed,
)


def answering(status: int, body: object = None, headers: dict[str, str] | None = None) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if body is None:
            return httpx.Response(status, headers=headers)
        if isinstance(body, bytes):
            return httpx.Response(status, content=body, headers=headers)
        return httpx.Response(status, json=body, headers=headers)

    return httpx.MockTransport(handler)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, ValidationFailed),
        (401, Unauthorized),
        (403, Forbidden),
        (404, NotFound),
        (409, Conflict),
        (410, Gone),
        (422, ValidationFailed),
        (429, RateLimited),
        (500, ServerError),
        (503, ServerError),
        (418, ApiError),
    ],
)
async def test_error_bodies_map_to_the_exception_of_their_status(status: int, cls: type[ApiError]) -> None:
    body = {"errors": [{"error": "some_code", "message": "what went wrong"}]}
    async with sdk.Strongroom("http://h", transport=answering(status, body)) as client:
        with pytest.raises(cls) as caught:
            await client.vault.me()
    error = caught.value
    assert type(error) is cls
    assert (error.status, error.code, error.message) == (status, "some_code", "what went wrong")
    assert (error.service, error.method, error.path) == ("vault", "GET", "/me")
    assert isinstance(error, StrongroomError)
    assert "some_code" in str(error)
    assert str(status) in str(error)


async def test_rate_limited_carries_retry_after() -> None:
    body = {"errors": [{"error": "rate_limited", "message": "slow down"}]}
    transport = answering(429, body, {"Retry-After": "17"})
    async with sdk.Strongroom("http://h", transport=transport) as client:
        with pytest.raises(RateLimited) as caught:
            await client.keystore.srp_challenge("u", "ab")
    assert caught.value.retry_after == 17


async def test_an_error_without_the_error_body_still_has_a_code() -> None:
    async with sdk.Strongroom("http://h", transport=answering(502, b"<html>bad gateway</html>")) as client:
        with pytest.raises(ServerError) as caught:
            await client.vault.me()
    assert caught.value.code == "http_502"


async def test_a_success_that_is_not_json_is_a_protocol_error() -> None:
    async with sdk.Strongroom("http://h", transport=answering(200, b"not json")) as client:
        with pytest.raises(ProtocolError):
            await client.vault.me()


async def test_a_success_missing_required_fields_is_a_protocol_error() -> None:
    async with sdk.Strongroom("http://h", transport=answering(200, {"user": {"no_id": True}})) as client:
        with pytest.raises(ProtocolError) as caught:
            await client.vault.me()
    assert "id" in str(caught.value)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_an_unreachable_server_is_a_transport_error_naming_the_url() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    async with sdk.Strongroom(url) as client:
        with pytest.raises(TransportError) as caught:
            await client.keystore.reserve_username()
    assert caught.value.url == f"{url}/keystore"
    assert url in str(caught.value)


async def test_separate_service_urls_are_used_as_given() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"component": {"name": "x", "api_version": "1"}})

    async with sdk.Strongroom(
        keystore_url="http://ks.example/base/",
        vault_url="http://v.example",
        transport=httpx.MockTransport(handler),
    ) as client:
        await client.keystore.version()
        await client.vault.version()
    assert seen == ["http://ks.example/base/version", "http://v.example/version"]


async def test_token_goes_in_the_authorization_header_only_when_authenticated() -> None:
    headers: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        headers.append(request.headers.get("Authorization"))
        return httpx.Response(200, json={"user": {"id": "u"}, "username": "x"})

    async with sdk.Strongroom("http://h", transport=httpx.MockTransport(handler)) as client:
        client.vault.use_token("tok-123")
        await client.vault.me()
        await client.keystore.reserve_username()
    assert headers == ["tok-123", None]
