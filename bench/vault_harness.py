"""The Vault under benchmark: a running Vault on a fresh SQLite file, its bare twin, and the calls measured.

The bare twin is a FastAPI app on the same engine issuing the same statements as the real endpoints with
SQLAlchemy Core (session lookup, the reads, the insert, the sideload reads) and answering with plain JSON:
the floor the real endpoints are compared with. See ``bench_vault.py``.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI, Header, HTTPException, Response
from pydantic import SecretStr
from sqlalchemy import Table, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from tests.support import with_loopback_limits

from strongroom.crypto import (
    KeyPair,
    decrypt_with_private_key,
    encrypt_with_key,
    generate_key,
    generate_keypair,
)
from strongroom.kit.auth import service_authorization
from strongroom.kit.settings import Settings
from strongroom.kit.tokens import hash_token
from strongroom.vault.app import create_app
from strongroom.vault.models import Connection, EncryptionSpace, Item, Share, Slot, User, VaultSession

SERVICE = "bench-service-credential"
PER_PAGE = 50

SHARES: Table = Share.__table__  # type: ignore[assignment]
SESSIONS: Table = VaultSession.__table__  # type: ignore[assignment]
ITEMS: Table = Item.__table__  # type: ignore[assignment]
SLOTS: Table = Slot.__table__  # type: ignore[assignment]
USERS: Table = User.__table__  # type: ignore[assignment]
SPACES: Table = EncryptionSpace.__table__  # type: ignore[assignment]
CONNECTIONS: Table = Connection.__table__  # type: ignore[assignment]


def uuid7_at(millis: int) -> uuid.UUID:
    """A UUIDv7 with the given Unix milliseconds (ids sort by it, as the Vault's own ids do)."""
    rand = int.from_bytes(os.urandom(10), "big")
    value = (millis & ((1 << 48) - 1)) << 80 | 0x7 << 76 | ((rand >> 62) & 0xFFF) << 64 | 0b10 << 62
    return uuid.UUID(int=value | (rand & ((1 << 62) - 1)))


# ---------------------------------------------------------------------------------------------- bare app


async def _principal(conn: AsyncConnection, token: str | None) -> uuid.UUID:
    row = (
        await conn.execute(
            select(SESSIONS.c.user_id).where(
                SESSIONS.c.token_hash == hash_token(token or ""), SESSIONS.c.expires_at > datetime.now(UTC)
            )
        )
    ).first()
    if row is None:
        raise HTTPException(401)
    user_id: uuid.UUID = row[0]
    return user_id


def _live(now: datetime) -> Any:
    return or_(SHARES.c.expires_at.is_(None), SHARES.c.expires_at > now)


async def _sideloads(
    conn: AsyncConnection, shares: list[Any], viewer: uuid.UUID, status: int = 200
) -> Response:
    item_ids = list({row.item_id for row in shares})
    others = list({row.recipient_id if row.sender_id == viewer else row.sender_id for row in shares})
    items = (await conn.execute(select(ITEMS).where(ITEMS.c.id.in_(item_ids)))).all() if item_ids else []
    slots = (await conn.execute(select(SLOTS).where(SLOTS.c.item_id.in_(item_ids)))).all() if item_ids else []
    users = (await conn.execute(select(USERS).where(USERS.c.id.in_(others)))).all() if others else []
    body = {
        "shares": [dict(row._mapping) for row in shares],
        "items": [dict(row._mapping) for row in items],
        "slots": [dict(row._mapping) for row in slots],
        "users": [{"id": row.id, "full_name": row.full_name, "email": row.email} for row in users],
    }
    # Serialised directly (no response model, no jsonable_encoder): the cheapest way to answer.
    return Response(json.dumps(body, default=str), status_code=status, media_type="application/json")


def bare_app(engine: AsyncEngine, reader: AsyncEngine | None = None) -> FastAPI:
    """Endpoints issuing the statements the real ones issue, without the Vault's layers.

    ``reader`` (default ``engine``) serves the reads, as the Vault's read-only pool does on SQLite.
    """
    app = FastAPI()
    reads = reader or engine

    @app.post("/shares", status_code=201)
    async def create(body: dict[str, Any], authorization: str | None = Header(default=None)) -> Response:
        entry = body["shares"][0]
        now = datetime.now(UTC)
        async with engine.begin() as conn:
            user = await _principal(conn, authorization)
            connection = (
                await conn.execute(
                    select(CONNECTIONS).where(
                        CONNECTIONS.c.id == uuid.UUID(entry["connection_id"]), CONNECTIONS.c.user_id == user
                    )
                )
            ).one()
            twin = (
                await conn.execute(
                    select(CONNECTIONS.c.id).where(
                        CONNECTIONS.c.pair_id == connection.pair_id,
                        CONNECTIONS.c.user_id == connection.other_user_id,
                    )
                )
            ).scalar_one()
            item_id = uuid.UUID(entry["shareable_id"])
            (await conn.execute(select(ITEMS).where(ITEMS.c.id == item_id, ITEMS.c.user_id == user))).one()
            (await conn.execute(select(SLOTS.c.id).where(SLOTS.c.item_id == item_id))).all()
            space_id = uuid.UUID(entry["encryption_space_id"])
            (
                await conn.execute(select(SPACES).where(SPACES.c.id == space_id, SPACES.c.user_id == user))
            ).one()
            (await conn.execute(select(SHARES).where(SHARES.c.encryption_space_id == space_id))).all()
            share_id = uuid7_at(int(time.time() * 1000))
            await conn.execute(
                insert(SHARES).values(
                    id=share_id,
                    owner_id=user,
                    sender_id=user,
                    recipient_id=connection.other_user_id,
                    shareable_type="Item",
                    item_id=item_id,
                    slot_id=None,
                    sender_connection_id=connection.id,
                    recipient_connection_id=twin,
                    encryption_space_id=space_id,
                    space_from_connection=False,
                    encrypted_values=entry["encrypted_values"],
                    terms=None,
                    distributable=False,
                    acceptance_required="acceptance_not_required",
                    expires_at=None,
                    parent_share_id=None,
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
            )
            share = (await conn.execute(select(SHARES).where(SHARES.c.id == share_id))).one()
            return await _sideloads(conn, [share], user, status=201)

    @app.get("/shares/{share_id}")
    async def one(share_id: uuid.UUID, authorization: str | None = Header(default=None)) -> Response:
        now = datetime.now(UTC)
        async with reads.begin() as conn:
            user = await _principal(conn, authorization)
            share = (
                await conn.execute(
                    select(SHARES).where(
                        SHARES.c.id == share_id,
                        or_(SHARES.c.sender_id == user, SHARES.c.recipient_id == user),
                        _live(now),
                    )
                )
            ).one()
            return await _sideloads(conn, [share], user)

    @app.get("/shares")
    async def page(authorization: str | None = Header(default=None), per_page: int = PER_PAGE) -> Response:
        now = datetime.now(UTC)
        async with reads.begin() as conn:
            user = await _principal(conn, authorization)
            rows: dict[uuid.UUID, Any] = {}
            for column in (SHARES.c.sender_id, SHARES.c.recipient_id):
                stmt = (
                    select(SHARES).where(column == user, _live(now)).order_by(SHARES.c.id).limit(per_page + 1)
                )
                for row in (await conn.execute(stmt)).all():
                    rows[row.id] = row
            shares = sorted(rows.values(), key=lambda row: row.id)[:per_page]
            return await _sideloads(conn, shares, user)

    @app.get("/items")
    async def items(authorization: str | None = Header(default=None), per_page: int = PER_PAGE) -> Response:
        async with reads.begin() as conn:
            user = await _principal(conn, authorization)
            stmt = select(ITEMS).where(ITEMS.c.user_id == user).order_by(ITEMS.c.id).limit(per_page + 1)
            rows = (await conn.execute(stmt)).all()[:per_page]
            ids = [row.id for row in rows]
            slots = (await conn.execute(select(SLOTS).where(SLOTS.c.item_id.in_(ids)))).all() if ids else []
        body = {"items": [dict(r._mapping) for r in rows], "slots": [dict(r._mapping) for r in slots]}
        return Response(json.dumps(body, default=str), media_type="application/json")

    return app


# ------------------------------------------------------------------------------------------------ setup


@dataclass
class Person:
    id: str
    token: str
    login: KeyPair
    dek: bytes = field(default_factory=generate_key)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": self.token}


@dataclass
class Harness:
    """A Vault on a fresh SQLite file, its bare twin, Alice and Bob connected, and Alice's card."""

    api: httpx.AsyncClient
    bare: httpx.AsyncClient
    engine: AsyncEngine
    alice: Person
    bob: Person
    connection_id: str
    item_id: str
    slot_ids: list[str]
    spaces: Iterator[str]
    shares: list[str]


def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def _person(api: httpx.AsyncClient, login: KeyPair) -> Person:
    token = _ok(await api.post("/admission_tokens", headers=service_authorization(SERVICE)), 201)
    me = _ok(
        await api.post(
            "/me",
            json={"public_key": login.public_pem, "admission_token": token["admission_token"]["token_value"]},
        ),
        201,
    )
    session = decrypt_with_private_key(
        login.private_pem, me["encrypted_session_authentication_string"]
    ).decode()
    return Person(id=me["user"]["id"], token=session, login=login)


async def _connect(api: httpx.AsyncClient, a: Person, b: Person, keys: list[KeyPair]) -> tuple[str, str]:
    ids = []
    for person, pair in ((a, keys[0]), (b, keys[1])):
        key = _ok(
            await api.post(
                "/key_store/public_keys",
                json={
                    "key_store_id": str(uuid.uuid4()),
                    "encryption_strategy": "Rsa2048",
                    "public_key": pair.public_pem,
                },
                headers=person.headers,
            ),
            201,
        )
        ids.append(key["public_key"]["id"])
    invitation = _ok(
        await api.post(
            "/invitations",
            json={"public_key_id": ids[0], "encrypted_recipient_name": encrypt_with_key(a.dek, b"b")},
            headers=a.headers,
        ),
        201,
    )["invitation"]
    theirs = _ok(
        await api.post(
            "/connections",
            json={
                "public_key_id": ids[1],
                "encrypted_recipient_name": encrypt_with_key(b.dek, b"a"),
                "invitation_token": invitation["token"],
            },
            headers=b.headers,
        ),
        201,
    )["connection"]
    mine = next(
        c
        for c in _ok(await api.get("/connections", headers=a.headers))["connections"]
        if c["user_id"] == b.id
    )
    return mine["id"], theirs["id"]


async def _card(api: httpx.AsyncClient, owner: Person, label: str) -> tuple[str, list[str]]:
    body = _ok(
        await api.post(
            "/items",
            json={
                "template_name": "vehicle",
                "item": {
                    "label": label,
                    "slots_attributes": [
                        {"name": "vin", "encrypted_value": encrypt_with_key(owner.dek, b"VIN")},
                        {"name": "make", "encrypted_value": encrypt_with_key(owner.dek, b"Saab")},
                    ],
                },
            },
            headers=owner.headers,
        ),
        201,
    )
    return body["item"]["id"], [slot["id"] for slot in body["slots"]]


async def _bulk_shares(
    engine: AsyncEngine,
    count: int,
    sender: str,
    recipient: str,
    connections: tuple[str, str],
    items: list[str],
) -> None:
    """``count`` live shares sender → recipient, in one transaction, with ids spread over the last year."""
    now = datetime.now(UTC)
    start = int(now.timestamp() * 1000) - 365 * 24 * 3600 * 1000
    step = max(1, (365 * 24 * 3600 * 1000) // max(count, 1))
    dek = generate_key()
    values = {"x": encrypt_with_key(dek, b"bulk")}
    rows = [
        {
            "id": uuid7_at(start + n * step),
            "owner_id": uuid.UUID(sender),
            "sender_id": uuid.UUID(sender),
            "recipient_id": uuid.UUID(recipient),
            "shareable_type": "Item",
            "item_id": uuid.UUID(items[n % len(items)]),
            "slot_id": None,
            "sender_connection_id": uuid.UUID(connections[0]),
            "recipient_connection_id": uuid.UUID(connections[1]),
            "encryption_space_id": uuid.uuid4(),
            "space_from_connection": False,
            "encrypted_values": values,
            "terms": None,
            "distributable": False,
            "acceptance_required": "acceptance_not_required",
            "expires_at": None,
            "parent_share_id": None,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(count)
    ]
    async with engine.begin() as conn:
        for offset in range(0, len(rows), 10_000):
            await conn.execute(insert(SHARES), rows[offset : offset + 10_000])


async def _link_spaces(engine: AsyncEngine, user: str, connection_id: str, count: int) -> list[str]:
    ids = [uuid.uuid4() for _ in range(count)]
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await conn.execute(
            insert(SPACES),
            [
                {
                    "id": i,
                    "user_id": uuid.UUID(user),
                    "connection_id": uuid.UUID(connection_id),
                    "created_at": now,
                }
                for i in ids
            ],
        )
    return [str(i) for i in ids]


@asynccontextmanager
async def harness(folder: Path, stored: int = 0) -> AsyncIterator[Harness]:
    """A running Vault; with ``stored``, that many bulk shares (half Alice's, half between two others)."""
    settings = with_loopback_limits(
        Settings(
            data_dir=folder,
            service_credential=SecretStr(SERVICE),
            run_mail_worker=False,
            # The harness invites without verifying addresses, and invites the same ones often.
            require_verified_email=False,
            invitations_per_recipient=1_000_000,
            log_json=True,
            log_level="WARNING",
        )
    )
    app = create_app(settings)
    async with AsyncExitStack() as stack:
        manager = await stack.enter_async_context(LifespanManager(app, startup_timeout=120))
        api = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://vault")
        )
        engine: AsyncEngine = app.state.engine
        bare = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=bare_app(engine)), base_url="http://bare")
        )
        keys = [generate_keypair(2048) for _ in range(8)]
        alice, bob, carol, dave = [await _person(api, keys[n]) for n in range(4)]
        ab, ba = await _connect(api, alice, bob, keys[4:6])
        cd, dc = await _connect(api, carol, dave, keys[6:8])
        item_id, slot_ids = await _card(api, alice, "Bench car")
        if stored:
            alice_items = [item_id] + [(await _card(api, alice, f"Card {n}"))[0] for n in range(9)]
            carol_items = [(await _card(api, carol, f"Card {n}"))[0] for n in range(10)]
            await _bulk_shares(engine, stored // 2, alice.id, bob.id, (ab, ba), alice_items)
            await _bulk_shares(engine, stored - stored // 2, carol.id, dave.id, (cd, dc), carol_items)
        spaces = iter(await _link_spaces(engine, alice.id, ab, 5000))
        yield Harness(api, bare, engine, alice, bob, ab, item_id, slot_ids, spaces, [])


def share_body(h: Harness) -> dict[str, Any]:
    dek = generate_key()
    return {
        "shares": [
            {
                "shareable_type": "Item",
                "shareable_id": h.item_id,
                "connection_id": h.connection_id,
                "encryption_space_id": next(h.spaces),
                "encrypted_values": {slot: encrypt_with_key(dek, b"value") for slot in h.slot_ids},
            }
        ]
    }


async def post_share(client: httpx.AsyncClient, h: Harness) -> str:
    response = await client.post("/shares", json=share_body(h), headers=h.alice.headers)
    assert response.status_code == 201, response.text
    share_id: str = response.json()["shares"][0]["id"]
    return share_id


async def get_share(client: httpx.AsyncClient, h: Harness, share_id: str) -> None:
    response = await client.get(f"/shares/{share_id}", headers=h.bob.headers)
    assert response.status_code == 200, response.text


async def first_page(client: httpx.AsyncClient, h: Harness) -> int:
    response = await client.get(f"/shares?per_page={PER_PAGE}", headers=h.alice.headers)
    assert response.status_code == 200, response.text
    return len(response.json()["shares"])
