"""What every Strongroom service app has: error rendering, access logs, /health, /version, OpenAPI fixes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from sqlalchemy import text

import strongroom
from strongroom.kit.bodies import BodyLimitMiddleware
from strongroom.kit.clock import Clock, SystemClock
from strongroom.kit.db import (
    create_engine,
    ensure_sqlite_dir,
    is_memory_sqlite,
    is_sqlite,
    session_factory,
)
from strongroom.kit.errors import ErrorBody, error_responses, install_error_handlers
from strongroom.kit.headers import SecurityHeadersMiddleware, install_docs
from strongroom.kit.logging import AccessLogMiddleware
from strongroom.kit.migrate import Service, upgrade
from strongroom.kit.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from strongroom.kit.settings import RateLimitBackend, Settings

API_VERSION = "1.0.0"


class Health(BaseModel):
    status: str


class Component(BaseModel):
    name: str
    api_version: str
    version: str


class VersionRead(BaseModel):
    component: Component


def make_limiter(settings: Settings) -> RateLimiter:
    if settings.rate_limit_backend is RateLimitBackend.REDIS:
        if not settings.redis_url:
            raise ValueError("STRONGROOM_REDIS_URL is required with the redis rate-limit backend")
        return RedisRateLimiter(settings.redis_url)
    return MemoryRateLimiter()


@asynccontextmanager
async def database(app: FastAPI, service: Service, url: str, settings: Settings) -> AsyncIterator[None]:
    """Create the engines (and apply migrations when configured) for the app's lifetime.

    ``app.state.engine`` / ``sessions`` write; ``read_engine`` / ``read_sessions`` serve safe requests. On
    SQLite they are separate pools (readers refuse writes); on PostgreSQL and in-memory SQLite, the same one.
    """
    ensure_sqlite_dir(url)
    engine = create_engine(url, pool_size=settings.database_pool_size)
    reader = engine
    try:
        if settings.migrate_on_start:
            await upgrade(engine, service)
        if is_sqlite(url) and not is_memory_sqlite(url):
            reader = create_engine(url, pool_size=settings.database_pool_size, read_only=True)
        app.state.engine = engine
        app.state.sessions = session_factory(engine)
        app.state.read_engine = reader
        app.state.read_sessions = session_factory(reader)
        yield
    finally:
        if reader is not engine:
            await reader.dispose()
        await engine.dispose()


def build_app(
    *,
    service: Service,
    title: str,
    description: str,
    settings: Settings,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]],
    routers: list[APIRouter],
    clock: Clock | None = None,
    limiter: RateLimiter | None = None,
) -> FastAPI:
    """A FastAPI app for ``service`` with the shared conventions installed.

    ``lifespan`` must set ``app.state.engine`` and ``app.state.sessions`` (see :func:`database`).
    """

    app = FastAPI(
        title=title,
        description=description,
        version=strongroom.__version__,
        lifespan=lifespan,
        responses=error_responses(500),
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.clock = clock or SystemClock()
    app.state.limiter = limiter or make_limiter(settings)
    app.state.service = service
    install_error_handlers(app)

    @app.get("/health", response_model=Health, tags=["meta"], responses=error_responses(503))
    async def health(request: Request) -> Any:
        from fastapi.responses import JSONResponse

        try:
            async with request.app.state.read_engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            return JSONResponse(
                {"errors": [{"error": "unavailable", "message": "database unreachable"}]}, status_code=503
            )
        return Health(status="ok")

    @app.get("/version", response_model=VersionRead, tags=["meta"])
    async def version() -> VersionRead:
        return VersionRead(
            component=Component(name=service, api_version=API_VERSION, version=strongroom.__version__)
        )

    for router in routers:
        app.include_router(router)
    install_docs(app, enabled=settings.api_docs)
    app.add_middleware(BodyLimitMiddleware, routes_of=lambda: app.routes, settings=settings)
    app.add_middleware(SecurityHeadersMiddleware, https=settings.public_url.startswith("https://"))
    app.add_middleware(AccessLogMiddleware, service=service)
    _install_openapi(app)
    return app


def _install_openapi(app: FastAPI) -> None:
    """Document the one error body for validation (422) and malformed JSON (400) on every operation."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        error_ref = {"$ref": "#/components/schemas/ErrorBody"}
        components.setdefault(
            "ErrorBody", ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
        )
        for defs_name, defs in ErrorBody.model_json_schema().get("$defs", {}).items():
            components.setdefault(defs_name, defs)
        for methods in schema.get("paths", {}).values():
            for op in methods.values():
                responses = op.setdefault("responses", {})
                if "422" in responses:
                    responses["422"] = {
                        "description": responses["422"].get("description", "Validation failed"),
                        "content": {"application/json": {"schema": error_ref}},
                    }
                if "requestBody" in op:
                    responses.setdefault(
                        "400",
                        {
                            "description": "Malformed request body",
                            "content": {"application/json": {"schema": error_ref}},
                        },
                    )
                    responses.setdefault(
                        "413",
                        {
                            "description": "Request body too large",
                            "content": {"application/json": {"schema": error_ref}},
                        },
                    )
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
