"""Bad input (security.md): every endpoint of both services that takes a body answers malformed JSON with 400
``malformed_json`` in the one error shape — never a 500, never a traceback. Generated from the OpenAPI
documents, so a new endpoint is covered as soon as it exists."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from strongroom.client import Strongroom
from strongroom.kit.clock import FrozenClock
from strongroom.kit.settings import Settings
from strongroom.server import create_app
from tests.security.keys import recording_keys

BASE_URL = "http://testserver"
SERVICE_PATHS = {("vault", "/admission_tokens"), ("vault", "/admission_tokens/{token_value}")}
BROKEN_BODIES = [
    b'{"not json',
    b"[1, 2",
    b"\xff\xfe",
    b'{"a": 1,}',
    b"nul\x00l",
    b"[" * 100_000 + b"]" * 100_000,  # nested past any parser's recursion limit
    b'{"username": "\xc3\x28"}',  # invalid UTF-8 inside a string
]


@pytest.fixture
async def transport(settings: Settings, clock: FrozenClock) -> AsyncIterator[httpx.AsyncBaseTransport]:
    async with LifespanManager(create_app(settings, clock=clock), startup_timeout=60) as manager:
        yield httpx.ASGITransport(app=manager.app)


def _body_operations(document: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        # JSON bodies only: a raw-bytes upload (``PUT /direct/blobs/{id}``) has no JSON to break.
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    ]


async def test_every_body_endpoint_answers_malformed_json_with_400(
    transport: httpx.AsyncBaseTransport, settings: Settings, clock: FrozenClock
) -> None:
    with recording_keys():
        async with Strongroom(BASE_URL, transport=transport, clock=clock.now) as alice:
            credentials = await alice.sign_up("a passphrase for bad input")
    tokens = {"keystore": credentials.keystore_token, "vault": credentials.vault_token}
    checked = 0
    problems: list[str] = []
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        for service in ("keystore", "vault"):
            document = (await http.get(f"/{service}/openapi.json")).json()
            for method, path in _body_operations(document):
                token = tokens[service]
                if (service, path) in SERVICE_PATHS:
                    token = f"Service {settings.service_credential.get_secret_value()}"
                url = f"/{service}" + re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), path)
                for body in BROKEN_BODIES:
                    response = await http.request(
                        method,
                        url,
                        content=body,
                        headers={"Authorization": token, "Content-Type": "application/json"},
                    )
                    checked += 1
                    error = response.json().get("errors", [{}])[0] if response.status_code == 400 else {}
                    if response.status_code != 400 or error.get("error") != "malformed_json":
                        problems.append(
                            f"{service} {method} {path} {body!r}: {response.status_code} {response.text[:99]}"
                        )
    assert checked > 40
    assert problems == []
