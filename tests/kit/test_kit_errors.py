"""The one error shape, for our refusals and for the framework's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, Field

from strongroom.kit.app import build_app, database
from strongroom.kit.errors import AppError, error_responses
from strongroom.kit.settings import Settings
from tests.support import app_client


class ThingCreate(BaseModel):
    name: str = Field(max_length=10)
    count: int


def make_app(settings: Settings) -> FastAPI:
    router = APIRouter()

    @router.post("/things", status_code=201, responses=error_responses(409, 422))
    async def create(body: ThingCreate) -> dict[str, str]:
        if body.name == "taken":
            raise AppError(409, "name_taken", "that name is taken")
        return {"name": body.name}

    @router.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret-canary-in-exception")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with database(app, "keystore", settings.keystore_database_url, settings):
            yield

    return build_app(
        service="keystore", title="t", description="d", settings=settings, lifespan=lifespan, routers=[router]
    )


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(make_app(settings)) as c:
        yield c


def only_error(response: httpx.Response) -> dict[str, str]:
    body = response.json()
    assert list(body) == ["errors"]
    assert len(body["errors"]) == 1
    error: dict[str, str] = body["errors"][0]
    assert set(error) == {"error", "message"}
    return error


async def test_app_error_renders_code_and_status(client: httpx.AsyncClient) -> None:
    r = await client.post("/things", json={"name": "taken", "count": 1})
    assert r.status_code == 409
    assert only_error(r) == {"error": "name_taken", "message": "that name is taken"}


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    r = await client.post("/things", content=b'{"name": ', headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert only_error(r)["error"] == "malformed_json"


async def test_validation_is_422_with_field_name(client: httpx.AsyncClient) -> None:
    r = await client.post("/things", json={"name": "x" * 11, "count": 1})
    assert r.status_code == 422
    error = only_error(r)
    assert error["error"] == "validation_failed"
    assert "name" in error["message"]
    assert "xxxxxxxxxxx" not in error["message"]  # the submitted value is never echoed


async def test_wrong_type_is_422(client: httpx.AsyncClient) -> None:
    r = await client.post("/things", json={"name": "a", "count": "many"})
    assert r.status_code == 422
    assert only_error(r)["error"] == "validation_failed"


async def test_unknown_route_and_method(client: httpx.AsyncClient) -> None:
    r = await client.get("/nothing-here")
    assert r.status_code == 404
    assert only_error(r)["error"] == "not_found"
    r = await client.delete("/things")
    assert r.status_code == 405
    assert only_error(r)["error"] == "method_not_allowed"


async def test_unexpected_error_is_500_without_details(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    r = await client.get("/boom")
    assert r.status_code == 500
    assert only_error(r) == {"error": "internal_error", "message": "internal error"}
    assert "secret-canary" not in r.text
    assert "Traceback" not in r.text


async def test_health_and_version(client: httpx.AsyncClient) -> None:
    r = await client.get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}
    r = await client.get("/version")
    assert r.json()["component"]["name"] == "keystore"


def test_openapi_documents_error_body(settings: Settings) -> None:
    schema = make_app(settings).openapi()
    op = schema["paths"]["/things"]["post"]
    ref = {"$ref": "#/components/schemas/ErrorBody"}
    for status in ("400", "409", "422"):
        assert op["responses"][status]["content"]["application/json"]["schema"] == ref
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    assert "ErrorBody" in schema["components"]["schemas"]
