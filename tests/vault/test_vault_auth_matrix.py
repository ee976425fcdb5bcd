"""Every authenticated Vault route refuses a missing, unknown, expired or revoked token (401), generated from
the route table so that a new route is covered as soon as it exists."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import httpx
from fastapi import FastAPI

from strongroom.kit.clock import FrozenClock
from strongroom.kit.settings import Settings
from tests.vault.helpers import SERVICE, KeyPool, sign_up

PUBLIC = {("POST", "/me"), ("POST", "/session"), ("GET", "/health"), ("GET", "/version")}
SERVICE_ONLY = {("POST", "/admission_tokens"), ("GET", "/admission_tokens/{token_value}")}


def routes(app: FastAPI) -> Iterator[tuple[str, str, str]]:
    """(method, template, concrete path) of every operation in the app's OpenAPI document, path
    parameters filled with fresh UUIDs."""
    for template, operations in app.openapi()["paths"].items():
        path = re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), template)
        for method in sorted(operations):
            yield method.upper(), template, path


async def test_the_route_table_is_covered(vault_app: FastAPI) -> None:
    templates = {(m, t) for m, t, _ in routes(vault_app)}
    assert templates >= PUBLIC | SERVICE_ONLY
    # The routes this helper owns are all present (others' routes are covered by the loop below too).
    for expected in [
        ("GET", "/me"),
        ("PUT", "/items/{item_id}"),
        ("DELETE", "/slots/{slot_id}"),
        ("POST", "/key_store/public_keys"),
        ("DELETE", "/invitations/{invitation_id}"),
        ("DELETE", "/connections/{connection_id}"),
    ]:
        assert expected in templates


async def test_every_authenticated_route_refuses_bad_tokens(
    vault_app: FastAPI, vault: httpx.AsyncClient, keys: KeyPool, clock: FrozenClock, settings: Settings
) -> None:
    revoked = await sign_up(vault, keys)
    assert (await vault.delete("/session", headers=revoked.headers)).status_code == 204
    expired = await sign_up(vault, keys)
    live = await sign_up(vault, keys)
    clock.advance(settings.session_lifetime)
    # ``live`` signs up after the jump, so its token is valid and the expired one is not.
    live = await sign_up(vault, keys)
    assert (await vault.get("/me", headers=live.headers)).status_code == 200

    bad_headers = {
        "none": {},
        "unknown": {"Authorization": "vlt_" + "A" * 43},
        "expired": expired.headers,
        "revoked": revoked.headers,
        "service credential": SERVICE,
    }
    checked = 0
    for method, template, path in routes(vault_app):
        if (method, template) in PUBLIC:
            continue
        for label, headers in bad_headers.items():
            if (method, template) in SERVICE_ONLY and label == "service credential":
                continue
            body: dict[str, object] | None = {} if method in ("POST", "PUT", "PATCH") else None
            response = await vault.request(method, path, headers=headers, json=body)
            assert response.status_code == 401, (method, template, label, response.text)
            checked += 1
        if (method, template) in SERVICE_ONLY:
            response = await vault.request(method, path, headers=live.headers)
            assert response.status_code == 401, (method, template)
    assert checked > 40


async def test_every_body_route_answers_malformed_json_with_400(
    vault_app: FastAPI, vault: httpx.AsyncClient, keys: KeyPool
) -> None:
    user = await sign_up(vault, keys)
    checked = 0
    for template, operations in vault_app.openapi()["paths"].items():
        path = re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), template)
        for method, operation in operations.items():
            # JSON bodies only: a raw-bytes upload (``PUT /direct/blobs/{id}``) has no JSON to break.
            if "application/json" not in operation.get("requestBody", {}).get("content", {}):
                continue
            response = await vault.request(
                method.upper(),
                path,
                content=b'{"truncated": ',
                headers={**user.headers, "Content-Type": "application/json"},
            )
            assert response.status_code == 400, (method, template, response.text)
            assert response.json()["errors"][0]["error"] == "malformed_json"
            checked += 1
    assert checked >= 10
