"""The built page at ``/`` of ``strongroom serve``: headers (CSP, caching), only what was built, never with
``--only`` or ``STRONGROOM_WEB=false``; the invitation mail's link to it carries the token in the fragment."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from strongroom import web
from strongroom.kit.settings import Services, Settings
from strongroom.server import create_app
from strongroom.vault.mail.compose import invitation_mail
from tests.support import app_client

ASSET = re.compile(r'src="(/assets/[^"]+\.js)"')


async def test_the_page_is_served_with_a_strict_policy_and_is_never_stored(settings: Settings) -> None:
    assert web.available(), "the built client is missing from src/strongroom/web/static (make web)"
    async with app_client(create_app(settings)) as client:
        page = await client.get("/")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["cache-control"] == "no-store"
        csp = page.headers["content-security-policy"]
        for directive in (
            "default-src 'self'",
            "script-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ):
            assert directive in csp
        assert "unsafe-inline" not in csp
        assert "unsafe-eval" not in csp
        assert "http" not in csp
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["referrer-policy"] == "no-referrer"
        # No inline script and no third-party origin in the page itself.
        assert re.search(r"<script(?![^>]*\bsrc=)", page.text) is None
        assert "//" not in page.text.replace("http://www.w3.org", "")

        found = ASSET.search(page.text)
        assert found, page.text
        script = await client.get(found.group(1))
        assert script.status_code == 200
        assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert script.headers["content-type"].startswith("text/javascript")
        assert script.headers["content-security-policy"] == csp
        # Nothing is fetched from elsewhere at run time: the only absolute URLs are XML namespace names.
        origins = set(re.findall(r"https?://[a-z0-9.-]+", script.text))
        assert origins <= {"http://www.w3.org"}, origins

        icon = await client.get("/favicon.svg")
        assert icon.status_code == 200
        assert icon.headers["cache-control"] == "no-cache"


async def test_only_built_files_are_served(settings: Settings) -> None:
    async with app_client(create_app(settings)) as client:
        for path in (
            "/assets/nope.js",
            "/assets/../__init__.py",
            "/assets/%2e%2e/__init__.py",
            "/nope.txt",
            "/index.html",
        ):
            r = await client.get(path)
            assert r.status_code == 404, path
            assert r.json()["errors"][0]["error"] == "not_found"
        # The services keep their prefixes.
        assert (await client.get("/vault/health")).json() == {"status": "ok"}
        assert (await client.post("/")).status_code == 405


async def test_web_false_serves_no_page(settings: Settings) -> None:
    async with app_client(create_app(settings.model_copy(update={"web": False}))) as client:
        assert (await client.get("/")).status_code == 404
        assert (await client.get("/keystore/health")).status_code == 200


async def test_one_service_alone_serves_no_page(settings: Settings) -> None:
    alone = settings.model_copy(update={"services": Services.VAULT})
    async with app_client(create_app(alone)) as client:
        r = await client.get("/")
        assert r.status_code == 404
        assert r.headers["content-type"] == "application/json"
        # The JSON answers' own policy, not the page's (which allows its scripts from 'self').
        assert "'self'" not in r.headers["content-security-policy"]


def test_the_invitation_mail_links_to_the_page_with_the_token_in_the_fragment() -> None:
    invitation_id = uuid.uuid4()
    _, body = invitation_mail(
        inviter_email="alice@example.test",
        inviter_name="Alice",
        message=None,
        invitation_id=invitation_id,
        token="inv_secret",
        expires_at=datetime(2026, 1, 1, tzinfo=UTC),
        server_url="https://vault.example.test",
        web_url="https://vault.example.test",
    )
    link = f"https://vault.example.test/#/accept?invitation={invitation_id}&token=inv_secret"
    assert f"    {link}\n" in body
    assert link.split("#")[0] == "https://vault.example.test/"  # the token only after the '#'
    assert "strongroom connections accept" in body
    _, without = invitation_mail(
        inviter_email="alice@example.test",
        inviter_name="Alice",
        message=None,
        invitation_id=invitation_id,
        token="inv_secret",
        expires_at=datetime(2026, 1, 1, tzinfo=UTC),
        server_url="https://vault.example.test",
    )
    assert "#/accept" not in without
