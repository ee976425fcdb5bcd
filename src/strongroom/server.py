"""Both services under one port: the Keystore at ``/keystore`` and the Vault at ``/vault``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from strongroom.keystore.app import create_app as create_keystore
from strongroom.kit.clock import Clock
from strongroom.kit.logging import configure_logging
from strongroom.kit.settings import Settings
from strongroom.vault.app import create_app as create_vault


def create_app(settings: Settings, *, clock: Clock | None = None) -> Starlette:
    """One ASGI app serving both services; the Keystore reaches the Vault in-process for admissions.

    Starlette does not run the lifespans of mounted apps, so this app's lifespan runs both (Vault first:
    the Keystore depends on it).
    """
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

    app = Starlette(
        routes=[Route("/health", health), Mount("/keystore", keystore), Mount("/vault", vault)],
        lifespan=lifespan,
    )
    app.state.keystore = keystore
    app.state.vault = vault
    return app


def serve(settings: Settings, *, on_ready: Callable[[str], None] | None = None) -> None:
    """Run both services until interrupted; ``on_ready`` gets the base URL once the socket listens."""
    configure_logging(settings.log_level, json_lines=settings.log_json)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(settings)
    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, log_config=None, access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)

    async def main() -> None:
        task = asyncio.create_task(server.serve())
        while not server.started:
            if task.done():
                await task
                return
            await asyncio.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1] if server.servers else settings.port
        host = settings.host if ":" not in settings.host else f"[{settings.host}]"
        if on_ready is not None:
            on_ready(f"http://{host}:{port}")
        await task

    asyncio.run(main())
