"""The bare twin served over HTTP: the same framework, server, workers and SQL as ``strongroom serve``.

``python -m bench.http_twin PORT WORKERS`` serves, under ``/vault`` and ``/keystore``, the bare endpoints of
:mod:`bench.vault_harness` and :mod:`bench.bench_keystore` (SQLAlchemy Core statements, plain JSON, no
validation, rules or response models) on the databases named by ``STRONGROOM_VAULT_DATABASE_URL`` and
``STRONGROOM_KEYSTORE_DATABASE_URL``, through the same uvicorn configuration as ``strongroom serve``.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
import uvloop
from starlette.applications import Starlette
from starlette.routing import Mount
from uvicorn.supervisors import Multiprocess

from bench.bench_keystore import bare_app as bare_keystore
from bench.vault_harness import bare_app as bare_vault
from strongroom.kit.db import create_engine, is_sqlite
from strongroom.kit.serving import server_config, settle_heap
from strongroom.kit.settings import Settings


def app_from_environment() -> Starlette:
    """Engines per process (as the services make them): on SQLite, a writer and a read-only pool."""
    settings = Settings()
    engines = []
    mounts = []
    for prefix, url, make in (
        ("/vault", settings.vault_database_url, bare_vault),
        ("/keystore", settings.keystore_database_url, bare_keystore),
    ):
        writer = create_engine(url, pool_size=settings.database_pool_size)
        reader = (
            create_engine(url, pool_size=settings.database_pool_size, read_only=True)
            if is_sqlite(url)
            else None
        )
        engines += [e for e in (writer, reader) if e is not None]
        mounts.append(Mount(prefix, make(writer, reader)))

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        settle_heap()
        try:
            yield
        finally:
            for engine in engines:
                await engine.dispose()

    return Starlette(routes=mounts, lifespan=lifespan)


def main(port: int, workers: int) -> None:
    settings = Settings(port=port)
    print(f"twin: http://127.0.0.1:{port}", flush=True)
    if workers > 1:
        config = server_config(
            "bench.http_twin:app_from_environment", settings, factory=True, workers=workers
        )
        Multiprocess(config, sockets=[config.bind_socket()]).run()
        return
    config = server_config(app_from_environment(), settings, lifespan="on")
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(uvicorn.Server(config).serve())


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
