"""Reading credentials off a request. Each service checks tokens against its own session table."""

from __future__ import annotations

import functools
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
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


@functools.lru_cache(maxsize=8)
def trusted_networks(setting: str) -> tuple[IPv4Network | IPv6Network, ...]:
    """``STRONGROOM_TRUSTED_PROXIES`` (addresses or CIDRs, comma- or space-separated) as networks."""
    return tuple(ip_network(part, strict=False) for part in setting.replace(",", " ").split())


def _parse_ip(value: str) -> IPv4Address | IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        return ip_address(value)
    except ValueError:
        return None


def _trusted(
    address: IPv4Address | IPv6Address | None, networks: tuple[IPv4Network | IPv6Network, ...]
) -> bool:
    return address is not None and any(address in network for network in networks)


def client_address(request: Request) -> str:
    """The address per-address limits count: the peer's, unless the peer is a trusted proxy.

    From a trusted proxy, ``X-Forwarded-For`` is read from the right: the first address that is not itself
    a trusted proxy is the client (entries further left were written by the client and prove nothing).
    """
    peer = request.client.host if request.client else "unknown"
    networks = trusted_networks(request.app.state.settings.trusted_proxies)
    if not networks or not _trusted(_parse_ip(peer), networks):
        return peer
    forwarded = ",".join(request.headers.getlist("x-forwarded-for"))
    hops = [hop for hop in (part.strip() for part in forwarded.split(",")) if hop]
    for hop in reversed(hops):
        address = _parse_ip(hop)
        if address is None:
            return peer  # a garbled header from a trusted proxy: count the proxy, not a made-up client
        if not _trusted(address, networks):
            return str(address)
    return str(_parse_ip(hops[0])) if hops else peer
