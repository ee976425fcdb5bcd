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
from tests.support import with_loopback_limits

BASE_URL = "http://testserver"
SERVICE_CREDENTIAL = "fuzz-service-credential"

# Operations that end the caller's session or account, grouped by the sacrificial user whose tokens they
# carry (one user per group, so that one operation ending a session does not starve the next), so that the
# main user's tokens stay valid for every other operation.
SELF_DESTRUCTIVE: list[dict[str, list[str]]] = [
    {"keystore": ["DELETE /session"], "vault": ["DELETE /session"]},
    {"keystore": ["DELETE /session/all"], "vault": ["DELETE /session/all"]},
    {"keystore": ["DELETE /users/me"], "vault": ["DELETE /me"]},
]
SERVICE_ONLY = {"keystore": [], "vault": ["POST /admission_tokens", "GET /admission_tokens/{token_value}"]}

# Operations that read or change one record get the main user's real record in their path (and fuzzed
# everything else), so that their success answers are checked against the documented schemas too. DELETE
# operations keep fuzzed ids: they exercise path validation, and the records stay for the others.
REAL_RECORDS: dict[str, list[tuple[list[str], str, str]]] = {
    "keystore": [
        (["GET /data_encryption_keys/{id}"], "id", "dek"),
        (["GET /keypairs/{id}", "PATCH /keypairs/{id}"], "id", "keypair"),
        (["GET /encryption_spaces/{id}"], "id", "space"),
        (["POST /shared_keys/{external_id}/claim_key"], "external_id", "space"),
    ],
    "vault": [
        (["GET /items/{item_id}", "PUT /items/{item_id}"], "item_id", "item"),
        (["GET /slots/{slot_id}", "PUT /slots/{slot_id}"], "slot_id", "slot"),
        (["GET /shares/{share_id}", "PUT /shares/{share_id}/accept"], "share_id", "share"),
        (
            ["GET /connections/{connection_id}", "POST /connections/{connection_id}/encryption_space"],
            "connection_id",
            "connection",
        ),
        (["GET /invitations/{invitation_id}"], "invitation_id", "invitation"),
        (["GET /key_store/public_keys/{key_id}"], "key_id", "public_key"),
        (["GET /item_templates/{template_id}"], "template_id", "template"),
        (["GET /admission_tokens/{token_value}"], "token_value", "admission_token"),
        (["GET /direct/attachments/{attachment_id}"], "attachment_id", "attachment"),
        (["GET /direct/blobs/{blob_id}"], "blob_id", "blob"),
        (["PUT /direct/blobs/{blob_id}"], "blob_id", "pending_blob"),
    ],
}


@dataclass(frozen=True)
class FuzzServer:
    """The app schemathesis drives, and the tokens the requests carry (fuzzed inputs never include one)."""

    app: Any
    main: Credentials
    sacrificial: list[Credentials]
    ids: dict[str, str]

    @staticmethod
    def token(service: str, who: Credentials) -> str:
        return who.keystore_token if service == "keystore" else who.vault_token

    def headers(self, service: str) -> dict[str, Any]:
        """schemathesis configuration: the main user's token on every operation, a sacrificial user's on
        those that end a session or account, the service credential on the service endpoints."""
        operations: list[dict[str, Any]] = [
            {"include-name": group[service], "headers": {"Authorization": self.token(service, who)}}
            for group, who in zip(SELF_DESTRUCTIVE, self.sacrificial, strict=True)
        ]
        if SERVICE_ONLY[service]:
            operations.append(
                {
                    "include-name": SERVICE_ONLY[service],
                    "headers": {"Authorization": f"Service {SERVICE_CREDENTIAL}"},
                }
            )
        operations.extend(
            {"include-name": names, "parameters": {parameter: self.ids[record]}}
            for names, parameter, record in REAL_RECORDS[service]
        )
        return {"headers": {"Authorization": self.token(service, self.main)}, "operations": operations}


async def _attachment(alice: Strongroom, card_id: str, settings: Settings) -> str:
    """An attachment on the main user's card (its id)."""
    path = settings.data_dir / "fuzzed-file.bin"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"fuzzed file " * 100)
    card = await alice.attach_file(card_id, path, label="Fuzzed file")
    attachment_id = card.slot("fuzzed_file").attachment_id
    assert attachment_id is not None
    return attachment_id


async def _populate(settings: Settings) -> tuple[Credentials, list[Credentials], dict[str, str]]:
    """Sign up the main user (with a card, a template, a connection, an invitation and a share) and the
    sacrificial ones; returns their credentials and the ids of the main user's records."""
    async with LifespanManager(create_app(settings), startup_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app)

        async def sign_up(name: str) -> Credentials:
            async with Strongroom(BASE_URL, transport=transport) as client:
                return await client.sign_up(f"{name}'s fuzzing passphrase")

        sacrificial = [await sign_up(f"mallory {n}") for n in range(len(SELF_DESTRUCTIVE))]
        async with (
            Strongroom(BASE_URL, transport=transport) as alice,
            Strongroom(BASE_URL, transport=transport) as bob,
        ):
            main = await alice.sign_up("alice's fuzzing passphrase")
            await bob.sign_up("bob's fuzzing passphrase")
            card = await alice.create_card("vehicle", "Fuzzed car", {"vin": "VIN", "make": "Make"})
            invitation = await alice.invite(nickname="Bob")
            assert invitation.token is not None
            await bob.accept_invitation(invitation.token, nickname="Alice")
            connection = (await alice.connections())[0]
            share = await alice.share(card.id, connection.id, terms="Terms")
            template = await alice.vault.api.call(
                "POST", "/item_templates", body={"name": "fuzzed", "label": "Fuzzed", "slots_attributes": []}
            )
            async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
                admission = await http.post(
                    "/vault/admission_tokens", headers={"Authorization": f"Service {SERVICE_CREDENTIAL}"}
                )
            attachment = await _attachment(alice, card.id, settings)
            pending = await alice.vault.create_upload_url(64)
            assert alice._keys is not None
            assert share.encryption_space_id is not None
            ids = {
                "attachment": attachment,
                "blob": (await alice.vault.attachment(attachment)).main.id,
                "pending_blob": pending.blob_id,
                "dek": alice._keys.private_dek_id,
                "keypair": connection.keypair_id or "",
                "space": share.encryption_space_id,
                "item": card.id,
                "slot": card.slot("vin").id,
                "share": share.id,
                "connection": connection.id,
                "invitation": invitation.id,
                "public_key": invitation.public_key_id or "",
                "template": template["item_template"]["id"],
                "admission_token": admission.json()["admission_token"]["token_value"],
            }
            return main, sacrificial, ids


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def fuzz_server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_templates: dict[Service, str] | None,
) -> Iterator[FuzzServer]:
    with fresh_databases(request.param, tmp_path_factory.mktemp("fuzz-db"), postgres_templates) as urls:
        settings = with_loopback_limits(
            Settings(
                data_dir=tmp_path_factory.mktemp("fuzz-data"),
                keystore_database_url=urls["keystore"],
                vault_database_url=urls["vault"],
                service_credential=SecretStr(SERVICE_CREDENTIAL),
                public_url=BASE_URL,
                run_mail_worker=False,
                require_verified_email=False,  # invites without verifying; tests of that turn it on
                invitations_per_recipient=1000,
            )
        )
        with recording_keys():
            main, sacrificial, ids = asyncio.run(_populate(settings))
        try:
            yield FuzzServer(create_app(settings), main, sacrificial, ids)
        finally:
            # Stops the lifespan schemathesis started (and closes the database pools) before the drop.
            schemathesis_asgi.shutdown_lifespans()
