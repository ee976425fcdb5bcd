"""Serving the services: both under one port (``/keystore`` and ``/vault``), or either alone at ``/``."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager

import uvicorn
import uvloop
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp
from uvicorn.supervisors import Multiprocess

from strongroom import web
from strongroom.keystore.app import create_app as create_keystore
from strongroom.kit.clock import Clock
from strongroom.kit.db import create_engine, ensure_sqlite_dir
from strongroom.kit.errors import error_response
from strongroom.kit.headers import SecurityHeadersMiddleware
from strongroom.kit.logging import configure_logging
from strongroom.kit.migrate import upgrade
from strongroom.kit.serving import server_config, settle_heap
from strongroom.kit.settings import Services, Settings
from strongroom.vault.app import create_app as create_vault


def check_deployment(settings: Settings) -> None:
    """Refuse settings under which the selected services could not work together (ValueError says why).

    Apart, the services must share a configured credential (the default is random per process), and the
    Keystore must know where the Vault is.
    """
    if settings.services is Services.BOTH:
        return
    if "service_credential" not in settings.model_fields_set:
        raise ValueError("serving one service alone needs STRONGROOM_SERVICE_CREDENTIAL, the same on both")
    if settings.services is Services.KEYSTORE and not settings.vault_url:
        raise ValueError("the Keystore alone needs STRONGROOM_VAULT_URL (the Vault's base URL)")


def create_app(settings: Settings, *, clock: Clock | None = None) -> ASGIApp:
    """The ASGI app for ``settings.services``.

    Both: one app mounting the Keystore at ``/keystore`` and the Vault at ``/vault``; the Keystore reaches the
    Vault in-process for admissions. Starlette does not run the lifespans of mounted apps, so this app's
    lifespan runs both (the Vault first: the Keystore depends on it). One service: that app alone, at ``/``;
    the Keystore then reaches the Vault at ``settings.vault_url``.
    """
    if settings.services is Services.KEYSTORE:
        return create_keystore(settings, clock=clock)
    if settings.services is Services.VAULT:
        return create_vault(settings, clock=clock)
    vault = create_vault(settings, clock=clock)
    keystore = create_keystore(settings, clock=clock, vault_app=vault)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(vault.router.lifespan_context(vault))
            await stack.enter_async_context(keystore.router.lifespan_context(keystore))
            yield

    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        # A path neither service takes (e.g. one with an encoded newline, which a Mount's pattern does not
        # cross) answers in the one error shape too, not Starlette's plain text.
        assert isinstance(exc, HTTPException)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "error")
        return error_response(exc.status_code, code, str(exc.detail), exc.headers)

    routes: list[BaseRoute] = [Route("/health", health), Mount("/keystore", keystore), Mount("/vault", vault)]
    if settings.web and web.available():
        routes += web.routes()
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HTTPException: http_error},
        # The mounted apps set these on their own answers; this covers /health and unknown paths.
        middleware=[Middleware(SecurityHeadersMiddleware, https=settings.public_url.startswith("https://"))],
    )
    app.state.keystore = keystore
    app.state.vault = vault
    return app


def app_from_environment() -> ASGIApp:
    """App factory for process managers (``uvicorn --factory strongroom.server:app_from_environment``).

    Settings come from ``STRONGROOM_*`` variables; each worker process builds its own engines.
    """
    settings = Settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    app = create_app(settings)
    settle_heap()  # a worker process: what it built so far stays for its lifetime
    return app


async def migrate(settings: Settings) -> None:
    """Apply the migrations of the services ``settings`` selects (once, before worker processes start)."""
    targets = []
    if settings.services in (Services.BOTH, Services.KEYSTORE):
        targets.append(("keystore", settings.keystore_database_url))
    if settings.services in (Services.BOTH, Services.VAULT):
        targets.append(("vault", settings.vault_database_url))
    for service, url in targets:
        ensure_sqlite_dir(url)
        engine = create_engine(url, pool_size=1)
        try:
            await upgrade(engine, service)  # type: ignore[arg-type]
        finally:
            await engine.dispose()


def _prefixes(settings: Settings) -> list[tuple[str, str]]:
    if settings.services is Services.BOTH:
        served = [("Keystore", "/keystore"), ("Vault", "/vault")]
        if settings.web and web.available():
            served.append(("Web", "/"))
        return served
    return [(settings.services.value.capitalize(), "")]


def serve(
    settings: Settings, *, workers: int = 1, on_ready: Callable[[list[tuple[str, str]]], None] | None = None
) -> None:
    """Run the selected services until interrupted.

    ``on_ready`` gets ``[(name, url), ...]`` once the socket listens. With ``workers`` > 1, migrations run
    once here, then uvicorn starts that many processes (each from :func:`app_from_environment`) on a fixed
    port.
    """
    check_deployment(settings)
    configure_logging(settings.log_level, json_lines=settings.log_json)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    host = settings.host if ":" not in settings.host else f"[{settings.host}]"

    if workers > 1:
        if settings.port == 0:
            raise ValueError("--workers needs a fixed --port")
        if settings.migrate_on_start:
            asyncio.run(migrate(settings))
        os.environ.update(
            {
                "STRONGROOM_SERVICES": settings.services.value,
                "STRONGROOM_DATA_DIR": str(settings.data_dir),
                "STRONGROOM_KEYSTORE_DATABASE_URL": settings.keystore_database_url,
                "STRONGROOM_VAULT_DATABASE_URL": settings.vault_database_url,
                "STRONGROOM_SERVICE_CREDENTIAL": settings.service_credential.get_secret_value(),
                "STRONGROOM_MIGRATE_ON_START": "false",
            }
        )
        if on_ready is not None:
            on_ready([(name, f"http://{host}:{settings.port}{p}") for name, p in _prefixes(settings)])
        config = server_config(
            "strongroom.server:app_from_environment", settings, factory=True, workers=workers
        )
        # What uvicorn.run does for workers, with our config class (the workers unpickle it).
        Multiprocess(config, sockets=[config.bind_socket()]).run()
        return

    config = server_config(create_app(settings), settings, lifespan="on")
    server = uvicorn.Server(config)

    async def main() -> None:
        task = asyncio.create_task(server.serve())
        while not server.started:
            if task.done():
                await task
                return
            await asyncio.sleep(0.05)
        settle_heap()  # started: the apps and their engines are built
        port = server.servers[0].sockets[0].getsockname()[1] if server.servers else settings.port
        if settings.port == 0 and settings.public_url == f"http://{settings.host}:0":
            settings.public_url = f"http://{host}:{port}"  # what mails cite: the port actually bound
        if on_ready is not None:
            on_ready([(name, f"http://{host}:{port}{p}") for name, p in _prefixes(settings)])
        await task

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main())
