"""Security headers on every response, and API docs that load nothing from another origin."""

from __future__ import annotations

import re

import httpx
import pytest

from strongroom.kit.settings import Settings
from strongroom.server import create_app
from tests.support import app_client

EXPECTED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def assert_hardened(r: httpx.Response, *, api: bool = True) -> None:
    for name, value in EXPECTED.items():
        assert r.headers.get(name) == value, (r.request.url, name, r.headers)
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    if api:
        assert r.headers["cache-control"] == "no-store"
        assert r.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"


async def test_every_kind_of_answer_carries_the_headers(settings: Settings) -> None:
    async with app_client(create_app(settings)) as client:
        answers = [
            await client.get("/health"),  # the combined app's own route
            await client.get("/nowhere"),  # neither service: 404
            await client.get("/keystore/health"),
            await client.get("/vault/version"),
            await client.get("/vault/openapi.json"),
            await client.get("/vault/items"),  # 401
            await client.post(
                "/keystore/srp/users", content=b"{", headers={"Content-Type": "application/json"}
            ),
            await client.post("/keystore/srp/users", json={}),  # 422
            await client.post("/keystore/srp/users", content=b" " * (2 * 1024 * 1024)),  # 413
        ]
        assert [r.status_code for r in answers] == [200, 404, 200, 200, 200, 401, 400, 422, 413]
        for r in answers:
            assert_hardened(r)
            assert "strict-transport-security" not in r.headers


async def test_hsts_when_the_public_url_is_https(settings: Settings) -> None:
    settings.public_url = "https://vault.example.org"
    async with app_client(create_app(settings)) as client:
        for path in ("/health", "/vault/health", "/keystore/version", "/nowhere"):
            r = await client.get(path)
            assert r.headers["strict-transport-security"].startswith("max-age=")
            assert "includeSubDomains" in r.headers["strict-transport-security"]


async def test_the_docs_page_loads_its_assets_from_its_own_origin(settings: Settings) -> None:
    async with app_client(create_app(settings)) as client:
        for prefix in ("/keystore", "/vault"):
            page = await client.get(f"{prefix}/docs")
            assert page.status_code == 200
            assert_hardened(page, api=False)
            sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
            assert sources, page.text
            for source in sources:
                assert source.startswith(f"{prefix}/"), source  # nothing from a CDN
                asset = await client.get(source)
                assert asset.status_code == 200, source
            assert f"'{prefix}/openapi.json'" in page.text
            assert "https://" not in page.text.replace("https://swagger.io", "")
            assert (await client.get(f"{prefix}/redoc")).status_code == 404


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_docs_can_be_turned_off(settings: Settings) -> None:
    settings.api_docs = False
    async with app_client(create_app(settings)) as client:
        for prefix in ("/keystore", "/vault"):
            assert (await client.get(f"{prefix}/docs")).status_code == 404
            assert (await client.get(f"{prefix}/openapi.json")).status_code == 200
