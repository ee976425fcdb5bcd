"""Reading credentials off a request. Each service checks tokens against its own session table."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from strongroom.kit.errors import AppError, unauthorized
from strongroom.kit.tokens import same_secret

# Declared as a security scheme so that the OpenAPI documents say how to authenticate.
authorization_header = APIKeyHeader(
    name="Authorization",
    auto_error=False,
    description="The session token, bare or as `Bearer <token>`.",
)

SERVICE_SCHEME = "Service"


def token_from_header(value: str | None) -> str | None:
    """The token in an ``Authorization`` header value: ``<token>`` or ``Bearer <token>``; None if absent."""
    if value is None:
        return None
    parts = value.split()
    if len(parts) == 2 and parts[0].lower() == "bearer":
        value = parts[1]
    elif len(parts) == 1 and parts[0].lower() != "bearer":
        value = parts[0]
    else:
        return None
    if not value or len(value) > 512 or " " in value:
        return None
    return value


async def _bearer(value: Annotated[str | None, Depends(authorization_header)]) -> str:
    token = token_from_header(value)
    if token is None:
        raise unauthorized()
    return token


BearerToken = Annotated[str, Depends(_bearer)]


def service_authorization(credential: str) -> dict[str, str]:
    """The header a service sends to prove it holds the shared service credential."""
    return {"Authorization": f"{SERVICE_SCHEME} {credential}"}


async def _service(request: Request, value: Annotated[str | None, Depends(authorization_header)]) -> None:
    expected = request.app.state.settings.service_credential.get_secret_value()
    prefix = f"{SERVICE_SCHEME} "
    if value is None or not value.startswith(prefix) or not same_secret(value[len(prefix) :], expected):
        raise AppError(401, "service_unauthorized", "a valid service credential is required")


ServiceCaller = Annotated[None, Depends(_service)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
