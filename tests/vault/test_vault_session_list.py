"""The Vault's session list: ``GET /sessions``, ``DELETE /sessions/{id}`` and ``/sessions``.

Only used tokens have rows (vault/sessions.py): the list shows those, and "all but this one" also ends
tokens issued but not yet used (the epoch bump), even one whose first use races it.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from strongroom.crypto import decrypt_with_private_key
from strongroom.kit.clock import FrozenClock
from strongroom.kit.sessions import CLIENT_NAME_MAX_LENGTH
from strongroom.kit.settings import Settings
from strongroom.vault import sessions
from strongroom.vault.models import VaultSession
from tests.vault.helpers import KeyPool, VaultUser, sign_up


async def _login(
    vault: httpx.AsyncClient, user: VaultUser, *, name: str | None = None, agent: str | None = None
) -> httpx.Response:
    body: dict[str, Any] = {"public_key": user.login.public_pem}
    if name is not None:
        body["client_name"] = name
    return await vault.post("/session", json=body, headers={"User-Agent": agent} if agent else None)


async def _token(vault: httpx.AsyncClient, user: VaultUser, **kwargs: Any) -> dict[str, str]:
    r = await _login(vault, user, **kwargs)
    assert r.status_code == 200, r.text
    encrypted = r.json()["session"]["encrypted_session_authentication_string"]
    return {"Authorization": decrypt_with_private_key(user.login.private_pem, encrypted).decode()}


async def _list(vault: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    r = await vault.get("/sessions", headers=headers, params=params)
    assert r.status_code == 200, r.text
    found: list[dict[str, Any]] = r.json()["sessions"]
    return found


async def _status(vault: httpx.AsyncClient, headers: dict[str, str]) -> int:
    return (await vault.get("/me", headers=headers)).status_code


async def _current_id(vault: httpx.AsyncClient, headers: dict[str, str]) -> str:
    return str(next(s for s in await _list(vault, headers) if s["current"])["id"])


def _time(value: str) -> str:
    return value.replace("+00:00", "Z")


async def test_the_list_shows_ones_own_used_sessions_with_names(
    vault: httpx.AsyncClient, keys: KeyPool, clock: FrozenClock, settings: Settings
) -> None:
    alice = await sign_up(vault, keys)
    assert await _status(vault, alice.headers) == 200
    phone = await _token(vault, alice, name="Alice's phone — Zoë")
    curl = await _token(vault, alice, agent="curl/8.5.0")
    await _token(vault, alice, name="never used")  # no row: not listed
    assert await _status(vault, curl) == 200
    bob = await sign_up(vault, keys)
    assert await _status(vault, bob.headers) == 200
    listed = await _list(vault, phone)  # the phone's first use
    # Oldest (issued) first: the sign-up's session (httpx's User-Agent), the phone, curl; none of bob's.
    assert [s["client_name"] for s in listed][1:] == ["Alice's phone — Zoë", "curl/8.5.0"]
    assert listed[0]["client_name"].startswith("python-httpx/")
    assert [s["current"] for s in listed] == [False, True, False]
    for s in listed:
        assert s["last_used_at"] == s["created_at"]  # the frozen clock: issued and used at once
        assert _time(s["expires_at"]) == _time(
            (clock.now() + timedelta(seconds=settings.session_lifetime)).isoformat()
        )
    assert len(await _list(vault, bob.headers)) == 1


async def test_the_list_is_paged_and_leaves_out_ended_and_expired_sessions(
    vault: httpx.AsyncClient, keys: KeyPool, clock: FrozenClock, settings: Settings
) -> None:
    alice = await sign_up(vault, keys)
    assert await _status(vault, alice.headers) == 200
    tokens = [await _token(vault, alice) for _ in range(2)]
    for headers in tokens:
        assert await _status(vault, headers) == 200
    r = await vault.get("/sessions", headers=alice.headers, params={"per_page": 2})
    first = r.json()
    assert len(first["sessions"]) == 2
    assert first["next_page_after"] == first["sessions"][1]["id"]
    rest = await _list(vault, alice.headers, per_page=2, next_page_after=first["next_page_after"])
    assert len(rest) == 1
    assert (await vault.delete("/session", headers=tokens[0])).status_code == 204  # logged out: not live
    assert len(await _list(vault, alice.headers)) == 2
    clock.advance(settings.session_lifetime - 1)
    late = await _token(vault, alice)
    clock.advance(1)
    assert [s["current"] for s in await _list(vault, late)] == [True]


async def test_client_names_are_bounded_and_control_characters_refused(
    vault: httpx.AsyncClient, keys: KeyPool
) -> None:
    alice = await sign_up(vault, keys)
    for bad in ("x" * (CLIENT_NAME_MAX_LENGTH + 1), "evil\x1b[2Jname", "two\nlines", "c1\x9bcontrol"):
        r = await _login(vault, alice, name=bad)
        assert (r.status_code, r.json()["errors"][0]["error"]) == (422, "validation_failed"), bad
    headers = await _token(vault, alice, agent="ua\x1b[31m red " + "y" * 100)
    assert (await _list(vault, headers))[-1]["client_name"] == ("ua[31m red " + "y" * 100)[
        :CLIENT_NAME_MAX_LENGTH
    ]
    # A name of many-byte characters is cut to what the token carries, at a character.
    wide = await _token(vault, alice, name="ü" * CLIENT_NAME_MAX_LENGTH)
    assert (await _list(vault, wide))[-1]["client_name"] == "ü" * (sessions.NAME_BYTES // 2)


async def test_a_version_1_token_issued_before_names_still_opens_its_session(
    vault: httpx.AsyncClient, vault_app: FastAPI, keys: KeyPool, clock: FrozenClock
) -> None:
    alice = await sign_up(vault, keys)
    key: bytes = vault_app.state.session_signing_key
    v2 = sessions.verify(key, alice.token)
    assert v2 is not None
    body = sessions._BODY.pack(
        1,
        uuid.uuid4().bytes,
        v2.user_id.bytes,
        v2.epoch,
        sessions._micros(clock.now()),
        sessions._micros(v2.expires_at),
    )
    legacy = {"Authorization": sessions._encode(body + sessions._mac(key, body))}
    assert await _status(vault, legacy) == 200
    assert (await _list(vault, legacy))[-1]["client_name"] is None


async def test_last_used_is_refreshed_at_most_once_per_interval(
    vault: httpx.AsyncClient, vault_app: FastAPI, keys: KeyPool, clock: FrozenClock, settings: Settings
) -> None:
    alice = await sign_up(vault, keys)
    first_use = clock.now()
    assert await _status(vault, alice.headers) == 200
    clock.advance(settings.session_touch_interval - 1)
    assert _time((await _list(vault, alice.headers))[0]["last_used_at"]) == _time(first_use.isoformat())
    clock.advance(1)
    assert await _status(vault, alice.headers) == 200  # a GET: written through its own short transaction
    touched = clock.now()
    clock.advance(10)
    assert await _status(vault, alice.headers) == 200
    async with vault_app.state.sessions() as db:
        row = (await db.execute(select(VaultSession))).scalar_one()
    assert row.last_used_at == touched
    assert row.created_at == first_use


async def test_ending_one_session(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    alice = await sign_up(vault, keys)
    other = await _token(vault, alice)
    assert await _status(vault, other) == 200
    bob = await sign_up(vault, keys)
    other_id = await _current_id(vault, other)
    bob_id = await _current_id(vault, bob.headers)
    for refused in (bob_id, str(uuid.uuid4())):  # someone else's, unknown: the same 404
        r = await vault.delete(f"/sessions/{refused}", headers=alice.headers)
        assert (r.status_code, r.json()["errors"][0]["error"]) == (404, "not_found")
    assert await _status(vault, bob.headers) == 200
    assert (await vault.delete("/sessions/nope", headers=alice.headers)).status_code == 422
    assert (await vault.delete(f"/sessions/{other_id}", headers=alice.headers)).status_code == 204
    r = await vault.get("/me", headers=other)
    assert (r.status_code, r.json()["errors"][0]["error"]) == (401, "unauthorized")
    assert (await vault.delete(f"/sessions/{other_id}", headers=alice.headers)).status_code == 404
    assert [s["current"] for s in await _list(vault, alice.headers)] == [True]
    own = await _current_id(vault, alice.headers)
    assert (await vault.delete(f"/sessions/{own}", headers=alice.headers)).status_code == 204
    assert await _status(vault, alice.headers) == 401


async def test_ending_all_but_this_one_ends_unused_tokens_too(
    vault: httpx.AsyncClient, keys: KeyPool
) -> None:
    alice = await sign_up(vault, keys)
    current = await _token(vault, alice)
    used = [await _token(vault, alice) for _ in range(2)]
    for headers in used:
        assert await _status(vault, headers) == 200
    unused = await _token(vault, alice)
    bob = await sign_up(vault, keys)
    r = await vault.delete("/sessions", headers=current)
    # The two used ones are counted; the sign-up's token and ``unused`` (never used) end uncounted.
    assert (r.status_code, r.json()) == (200, {"ended": 2})
    for headers in [*used, unused, alice.headers]:
        assert await _status(vault, headers) == 401
    assert await _status(vault, current) == 200
    assert await _status(vault, bob.headers) == 200
    assert [s["current"] for s in await _list(vault, current)] == [True]
    fresh = await _token(vault, alice)  # a login after it works
    assert await _status(vault, fresh) == 200
    assert (await vault.delete("/sessions", headers=current)).json() == {"ended": 1}


async def test_two_end_others_at_once_leave_exactly_one_session(
    vault: httpx.AsyncClient, keys: KeyPool
) -> None:
    alice = await sign_up(vault, keys)
    for _ in range(5):
        first, second = await _token(vault, alice), await _token(vault, alice)
        assert await _status(vault, first) == 200
        assert await _status(vault, second) == 200
        a, b = await asyncio.gather(
            vault.delete("/sessions", headers=first), vault.delete("/sessions", headers=second)
        )
        assert sorted((a.status_code, b.status_code)) == [200, 401], (a.text, b.text)
        winner = first if a.status_code == 200 else second
        assert [s["current"] for s in await _list(vault, winner)] == [True]


async def test_a_first_use_racing_end_others_stays_ended(vault: httpx.AsyncClient, keys: KeyPool) -> None:
    alice = await sign_up(vault, keys)
    assert await _status(vault, alice.headers) == 200
    for _ in range(5):
        unused = await _token(vault, alice)
        results = await asyncio.gather(
            vault.get("/me", headers=unused), vault.delete("/sessions", headers=alice.headers)
        )
        assert results[0].status_code in (200, 401)
        assert results[1].status_code == 200
        assert await _status(vault, unused) == 401
        assert [s["current"] for s in await _list(vault, alice.headers)] == [True]


async def test_a_session_ended_while_in_use_answers_401_after(
    vault: httpx.AsyncClient, keys: KeyPool
) -> None:
    alice = await sign_up(vault, keys)
    for _ in range(5):
        victim = await _token(vault, alice)
        victim_id = await _current_id(vault, victim)
        results = await asyncio.gather(
            *(vault.get("/sessions", headers=victim) for _ in range(4)),
            vault.delete(f"/sessions/{victim_id}", headers=alice.headers),
        )
        assert {r.status_code for r in results[:-1]} <= {200, 401}
        assert results[-1].status_code == 204
        assert await _status(vault, victim) == 401
    assert len(await _list(vault, alice.headers)) == 1
