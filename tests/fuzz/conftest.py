"""A server for schema fuzzing: both services on fresh databases, users signed up with the SDK.

The users are made first, through a server instance of their own (an event loop of this fixture's), and
that instance is stopped; schemathesis then drives a second instance on the same databases in its own
event loop thread (it runs ASGI apps in-process and starts their lifespan itself). Tokens live in the
databases, so they work across the two.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from pydantic import SecretStr
from schemathesis.python import asgi as schemathesis_asgi

from strongroom.client import Credentials, Strongroom
from strongroom.kit.migrate import Service
from strongroom.kit.settings import Settings
from strongroom.server import create_app
from tests.security.databases import fresh_databases
from tests.security.keys import recording_keys

BASE_URL = "http://testserver"
SERVICE_CREDENTIAL = "fuzz-service-credential"

# Operations that end the caller's session or account: fuzzed with a sacrificial user's tokens, so that
# the main user's stay valid for every other operation.
SELF_DESTRUCTIVE = {
    "keystore": ["DELETE /session", "DELETE /session/all", "DELETE /users/me"],
    "vault": ["DELETE /session", "DELETE /session/all", "DELETE /me"],
}
SERVICE_ONLY = {"keystore": [], "vault": ["POST /admission_tokens", "GET /admission_tokens/{token_value}"]}


@dataclass(frozen=True)
class FuzzServer:
    """The app schemathesis drives, and the tokens the requests carry (fuzzed inputs never include one)."""

    app: Any
    main: Credentials
    sacrificial: Credentials

    def token(self, service: str, who: Credentials) -> str:
        return who.keystore_token if service == "keystore" else who.vault_token

    def headers(self, service: str) -> dict[str, Any]:
        """schemathesis configuration: the main user's token on every operation, the sacrificial user's
        on those that end a session or account, the service credential on the service endpoints."""
        operations: list[dict[str, Any]] = [
            {
                "include-name": SELF_DESTRUCTIVE[service],
                "headers": {"Authorization": self.token(service, self.sacrificial)},
            }
        ]
        if SERVICE_ONLY[service]:
            operations.append(
                {
                    "include-name": SERVICE_ONLY[service],
                    "headers": {"Authorization": f"Service {SERVICE_CREDENTIAL}"},
                }
            )
        return {"headers": {"Authorization": self.token(service, self.main)}, "operations": operations}


async def _populate(settings: Settings) -> tuple[Credentials, Credentials]:
    """Sign up the main user (with a card, a connection and a share) and the sacrificial one."""
    async with LifespanManager(create_app(settings), startup_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with (
            Strongroom(BASE_URL, transport=transport) as alice,
            Strongroom(BASE_URL, transport=transport) as bob,
            Strongroom(BASE_URL, transport=transport) as mallory,
        ):
            main = await alice.sign_up("alice's fuzzing passphrase")
            await bob.sign_up("bob's fuzzing passphrase")
            sacrificial = await mallory.sign_up("mallory's fuzzing passphrase")
            card = await alice.create_card("vehicle", "Fuzzed car", {"vin": "VIN", "make": "Make"})
            invitation = await alice.invite(nickname="Bob")
            assert invitation.token is not None
            await bob.accept_invitation(invitation.token, nickname="Alice")
            connection = (await alice.connections())[0]
            await alice.share(card.id, connection.id, terms="Terms")
            return main, sacrificial


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def fuzz_server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_templates: dict[Service, str] | None,
) -> Iterator[FuzzServer]:
    with fresh_databases(request.param, tmp_path_factory.mktemp("fuzz-db"), postgres_templates) as urls:
        settings = Settings(
            data_dir=tmp_path_factory.mktemp("fuzz-data"),
            keystore_database_url=urls["keystore"],
            vault_database_url=urls["vault"],
            service_credential=SecretStr(SERVICE_CREDENTIAL),
            public_url=BASE_URL,
            run_mail_worker=False,
        )
        with recording_keys():
            main, sacrificial = asyncio.run(_populate(settings))
        try:
            yield FuzzServer(create_app(settings), main, sacrificial)
        finally:
            # Stops the lifespan schemathesis started (and closes the database pools) before the drop.
            schemathesis_asgi.shutdown_lifespans()
