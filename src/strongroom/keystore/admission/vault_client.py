"""The Keystore's client for the Vault's admission-token endpoints (service credential auth).

In the embedded mode the Vault app is called in-process (httpx's ASGI transport); otherwise over HTTP at
``settings.vault_url``. A Vault that cannot be reached, times out or fails (5xx) answers 503
``vault_unavailable``; one that answers something unexpected, 502 ``vault_error``. Never a 500.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from starlette.types import ASGIApp

from strongroom.kit.auth import service_authorization
from strongroom.kit.errors import AppError
from strongroom.kit.settings import Settings

log = logging.getLogger("strongroom.keystore.admission")


@dataclass(frozen=True)
class VaultAdmissionToken:
    id: str
    token_value: str
    used: bool


def vault_unavailable() -> AppError:
    return AppError(503, "vault_unavailable", "the Vault cannot be reached; try again later")


def vault_error() -> AppError:
    return AppError(502, "vault_error", "the Vault answered unexpectedly")


class VaultAdmissions:
    """Issue and inspect Vault admission tokens. ``client`` is None when no Vault is configured."""

    def __init__(self, client: httpx.AsyncClient | None, credential: str) -> None:
        self._client = client
        self._headers = service_authorization(credential)

    @classmethod
    def create(cls, settings: Settings, vault_app: ASGIApp | None) -> VaultAdmissions:
        """A client for the co-hosted ``vault_app`` if given, else for ``settings.vault_url`` (if set)."""
        timeout = httpx.Timeout(settings.vault_timeout)
        client: httpx.AsyncClient | None
        if vault_app is not None:
            # An exception inside the Vault app becomes its 500 answer here, not an exception of ours.
            transport = httpx.ASGITransport(app=vault_app, raise_app_exceptions=False)
            client = httpx.AsyncClient(transport=transport, base_url="http://vault", timeout=timeout)
        elif settings.vault_url:
            client = httpx.AsyncClient(base_url=settings.vault_url.rstrip("/"), timeout=timeout)
        else:
            client = None
        return cls(client, settings.service_credential.get_secret_value())

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def issue(self) -> VaultAdmissionToken:
        """A fresh, unused admission token (``POST /admission_tokens``)."""
        return await self._call("POST", "/admission_tokens", expected=(200, 201))

    async def lookup(self, token_value: str) -> VaultAdmissionToken:
        """The current state of a token (``GET /admission_tokens/{token_value}``)."""
        return await self._call("GET", f"/admission_tokens/{quote(token_value, safe='')}", expected=(200,))

    async def _call(self, method: str, path: str, *, expected: tuple[int, ...]) -> VaultAdmissionToken:
        if self._client is None:
            log.warning("no Vault configured for admissions")
            raise vault_unavailable()
        try:
            response = await self._client.request(method, path, headers=self._headers)
        except httpx.HTTPError as exc:
            log.warning("Vault unreachable", extra={"exc_type": type(exc).__name__})
            raise vault_unavailable() from None
        if response.status_code >= 500:
            log.warning("Vault failed", extra={"status": response.status_code})
            raise vault_unavailable()
        if response.status_code not in expected:
            log.warning("Vault refused", extra={"status": response.status_code})
            raise vault_error()
        return _parse(response)


def _parse(response: httpx.Response) -> VaultAdmissionToken:
    try:
        body: Any = response.json()
        token = body["admission_token"]
        token_id, value, used = token["id"], token["token_value"], token["used"]
    except (ValueError, KeyError, TypeError):
        raise vault_error() from None
    if not isinstance(value, str) or not value or len(value) > 512 or not isinstance(used, bool):
        raise vault_error()
    return VaultAdmissionToken(id=str(token_id)[:64], token_value=value, used=used)
