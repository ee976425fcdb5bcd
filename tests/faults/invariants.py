"""Consistency checks run directly on the two databases: nothing may ever be half-written.

Each check is one query for rows that would exist only if a state change had been cut in half (a share
without its values, one record of a connection, a used admission token without its account, ...). The
checks read the databases the way an operator would after a crash: with their own connections, not
through the services. They return readable violations (ids and reasons, never values) instead of
raising, so a test can show all of them at once.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from strongroom.kit.db import create_engine

__all__ = ["CRYPPO_AES_PREFIX", "check_all", "rows"]

CRYPPO_AES_PREFIX = "Aes256Gcm."


async def rows(conn: AsyncConnection, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """The rows ``sql`` answers, as plain tuples."""
    return [tuple(row) for row in (await conn.execute(text(sql), params)).all()]


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _values(raw: Any) -> Any:
    # A JSON column reads back as an object on PostgreSQL and may read back as text on SQLite.
    return json.loads(raw) if isinstance(raw, str) else raw


# Vault: (what is wrong, query returning the ids of offending rows).
VAULT_CHECKS: tuple[tuple[str, str], ...] = (
    (
        "connection without its twin record",
        "SELECT pair_id FROM connections GROUP BY pair_id HAVING COUNT(*) <> 2",
    ),
    (
        "connection records of one pair that do not mirror each other",
        "SELECT a.id FROM connections a LEFT JOIN connections b ON b.pair_id = a.pair_id AND b.id <> a.id"
        " AND b.user_id = a.other_user_id AND b.other_user_id = a.user_id WHERE b.id IS NULL",
    ),
    (
        "used admission token without an account",
        "SELECT t.id FROM admission_tokens t LEFT JOIN users u ON u.admission_token_id = t.id"
        " WHERE t.used AND u.id IS NULL",
    ),
    (
        "account whose admission token is not marked used",
        "SELECT u.id FROM users u JOIN admission_tokens t ON t.id = u.admission_token_id WHERE NOT t.used",
    ),
    (
        "accepted invitation without both connection records",
        "SELECT i.id FROM invitations i WHERE i.state = 'accepted' AND (i.accepted_by_user_id IS NULL OR"
        " (SELECT COUNT(*) FROM connections c WHERE (c.user_id = i.user_id AND"
        " c.other_user_id = i.accepted_by_user_id) OR (c.user_id = i.accepted_by_user_id AND"
        " c.other_user_id = i.user_id)) <> 2)",
    ),
    (
        "connection made from an invitation that is not marked accepted",
        "SELECT c.id FROM connections c JOIN invitations i ON i.id = c.invitation_id"
        " WHERE i.state <> 'accepted'",
    ),
    (
        "invitation with an email but no outbox mail",
        "SELECT i.id FROM invitations i WHERE i.email IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM outbox_mails m WHERE m.invitation_id = i.id)",
    ),
    (
        "share whose encryption space the sender never linked",
        "SELECT s.id FROM shares s WHERE NOT EXISTS (SELECT 1 FROM encryption_spaces e"
        " WHERE e.id = s.encryption_space_id AND e.user_id = s.sender_id)",
    ),
    (
        "share whose connection records do not belong together",
        "SELECT s.id FROM shares s JOIN connections a ON a.id = s.sender_connection_id"
        " JOIN connections b ON b.id = s.recipient_connection_id"
        " WHERE a.pair_id <> b.pair_id OR a.user_id <> s.sender_id OR b.user_id <> s.recipient_id",
    ),
)

KEYSTORE_CHECKS: tuple[tuple[str, str], ...] = (
    (
        "encryption space without its creator's wrapped key",
        "SELECT s.id FROM encryption_spaces s WHERE NOT EXISTS (SELECT 1 FROM encryption_space_keys k"
        " WHERE k.encryption_space_id = s.id AND k.user_id = s.creator_id)",
    ),
)


async def _share_values(conn: AsyncConnection) -> list[str]:
    """Every share row carries a non-empty set of well-formed values for slots of its own item."""
    problems: list[str] = []
    slots: dict[uuid.UUID, set[uuid.UUID]] = {}
    for slot_id, item_id in await rows(conn, "SELECT id, item_id FROM slots"):
        slots.setdefault(_uuid(item_id), set()).add(_uuid(slot_id))
    for share_id, item_id, slot_id, raw in await rows(
        conn, "SELECT id, item_id, slot_id, encrypted_values FROM shares"
    ):
        values = _values(raw)
        if not isinstance(values, dict) or not values:
            problems.append(f"share without its values: {share_id}")
            continue
        keys = {_uuid(k) for k in values}
        allowed = {_uuid(slot_id)} if slot_id is not None else slots.get(_uuid(item_id), set())
        if not keys <= allowed:
            problems.append(f"share with values for slots outside what it shares: {share_id}")
        if not all(isinstance(v, str) and v.startswith(CRYPPO_AES_PREFIX) for v in values.values()):
            problems.append(f"share with a value that is not an Aes256Gcm cryppo string: {share_id}")
    return problems


async def _run(url: str, checks: Sequence[tuple[str, str]], *, shares: bool) -> tuple[list[str], set[str]]:
    engine = create_engine(url, pool_size=1)
    problems: list[str] = []
    spaces: set[str] = set()
    try:
        async with engine.connect() as conn:
            for what, sql in checks:
                problems.extend(f"{what}: {row[0]}" for row in await rows(conn, sql))
            if shares:
                problems.extend(await _share_values(conn))
                found = await rows(conn, "SELECT DISTINCT encryption_space_id FROM shares")
                spaces = {str(_uuid(r[0])) for r in found}
            else:
                spaces = {str(_uuid(r[0])) for r in await rows(conn, "SELECT id FROM encryption_spaces")}
            await conn.rollback()
    finally:
        await engine.dispose()
    return problems, spaces


async def check_all(keystore_url: str, vault_url: str) -> list[str]:
    """Every violation found in the two databases (empty when both are consistent).

    Across the services: every share's encryption space still exists in the Keystore (the client creates
    the Keystore space before the Vault share and deletes the Vault share before the Keystore space, so a
    crash between two calls may leave an unused Keystore space, never a share whose key is gone).
    """
    vault_problems, shared_spaces = await _run(vault_url, VAULT_CHECKS, shares=True)
    keystore_problems, keystore_spaces = await _run(keystore_url, KEYSTORE_CHECKS, shares=False)
    missing = sorted(shared_spaces - keystore_spaces)
    return [
        *(f"vault: {p}" for p in vault_problems),
        *(f"keystore: {p}" for p in keystore_problems),
        *(f"share whose encryption space is missing from the Keystore: {s}" for s in missing),
    ]
