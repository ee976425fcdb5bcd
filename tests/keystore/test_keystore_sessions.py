"""The session list: ``GET /sessions``, ``DELETE /sessions/{id}`` and ``/sessions`` (own sessions only)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from strongroom.crypto import SrpClient
from strongroom.keystore.models import Session
from strongroom.kit.clock import FrozenClock, isoformat
from strongroom.kit.sessions import CLIENT_NAME_MAX_LENGTH
from strongroom.kit.settings import Settings
from tests.keystore.helpers import Account, register, sign_up
from tests.support import auth


async def _login(
    client: httpx.AsyncClient, account: Account, *, name: str | None = None, agent: str | None = None
) -> httpx.Response:
    srp = SrpClient(account.username, account.password)
    r = await client.post("/srp/challenges", json={"username": account.username, "srp_a": srp.public_a_hex()})
    assert r.status_code == 200, r.text
    challenge = r.json()["challenge"]
    body: dict[str, Any] = {
        "username": account.username,
        "srp_a": srp.public_a_hex(),
        "srp_m": srp.process_challenge(challenge["challenge_salt"], challenge["challenge_b"]),
    }
    if name is not None:
        body["client_name"] = name
    return await client.post("/srp/session", json=body, headers={"User-Agent": agent} if agent else None)


async def _token(client: httpx.AsyncClient, account: Account, **kwargs: Any) -> dict[str, Any]:
    r = await _login(client, account, **kwargs)
    assert r.status_code == 200, r.text
    return auth(r.json()["session"]["session_authentication_string"])


async def _list(client: httpx.AsyncClient, headers: dict[str, Any], **params: Any) -> dict[str, Any]:
    r = await client.get("/sessions", headers=headers, params=params)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def _ok(client: httpx.AsyncClient, headers: dict[str, Any]) -> int:
    return (await client.get("/sessions", headers=headers)).status_code


async def test_the_list_shows_ones_own_live_sessions_with_names(
    client: httpx.AsyncClient, clock: FrozenClock, settings: Settings
) -> None:
    alice = await sign_up(client)
    phone = await _token(client, alice, name="Alice's phone — Zoë")
    await _token(client, alice, agent="curl/8.5.0")
    bob = await sign_up(client)
    sessions = (await _list(client, phone))["sessions"]
    assert len(sessions) == 3  # sign-up's login (httpx's User-Agent), the phone, curl; none of bob's
    assert [s["current"] for s in sessions] == [False, True, False]
    assert sessions[0]["client_name"].startswith("python-httpx/")
    assert sessions[1]["client_name"] == "Alice's phone — Zoë"
    assert sessions[2]["client_name"] == "curl/8.5.0"
    now = isoformat(clock.now())
    for s in sessions:
        assert s["created_at"] == s["last_used_at"] == now
        assert s["expires_at"] == isoformat(clock.now() + timedelta(seconds=settings.session_lifetime))
    assert len((await _list(client, bob.headers))["sessions"]) == 1
    clock.advance(settings.session_lifetime - 1)
    late = await _token(client, alice)
    clock.advance(1)  # the first three expire: listed no more
    assert [s["current"] for s in (await _list(client, late))["sessions"]] == [True]


async def test_the_list_is_paged(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client)
    for _ in range(2):
        await _token(client, alice)
    first = await _list(client, alice.headers, per_page=2)
    assert len(first["sessions"]) == 2
    assert first["next_page_after"] == first["sessions"][1]["id"]
    rest = await _list(client, alice.headers, per_page=2, next_page_after=first["next_page_after"])
    assert len(rest["sessions"]) == 1
    assert rest["next_page_after"] is None
    assert rest["sessions"][0]["id"] not in {s["id"] for s in first["sessions"]}


async def test_client_names_are_bounded_and_control_characters_refused(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client)
    for bad in ("x" * (CLIENT_NAME_MAX_LENGTH + 1), "evil\x1b[2Jname", "two\nlines", "c1\x9bcontrol"):
        r = await _login(client, alice, name=bad)
        assert (r.status_code, r.json()["errors"][0]["error"]) == (422, "validation_failed"), bad
    headers = await _token(client, alice, agent="ua\x1b[31m red " + "y" * 100)
    names = [s["client_name"] for s in (await _list(client, headers))["sessions"]]
    assert names[-1] == ("ua[31m red " + "y" * 100)[:CLIENT_NAME_MAX_LENGTH]
    assert len((await _list(client, headers))["sessions"]) == 2  # the refused logins opened nothing


async def test_last_used_is_refreshed_at_most_once_per_interval(
    client: httpx.AsyncClient, app: FastAPI, clock: FrozenClock, settings: Settings
) -> None:
    alice = await sign_up(client)
    opened = clock.now()
    clock.advance(settings.session_touch_interval - 1)
    first = (await _list(client, alice.headers))["sessions"][0]
    assert first["last_used_at"] == isoformat(opened)  # not stale yet: no write
    clock.advance(1)
    assert (await client.get("/sessions", headers=alice.headers)).status_code == 200  # a GET writes it
    touched = clock.now()
    clock.advance(10)
    assert (await _list(client, alice.headers))["sessions"][0]["last_used_at"] == isoformat(touched)
    async with app.state.sessions() as db:
        row = (await db.execute(select(Session))).scalar_one()
    assert row.last_used_at == touched
    assert row.created_at == opened


async def test_ending_one_session(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client)
    other = await _token(client, alice)
    bob = await sign_up(client)
    sessions = (await _list(client, alice.headers))["sessions"]
    other_id = sessions[1]["id"]
    bob_id = (await _list(client, bob.headers))["sessions"][0]["id"]
    for refused in (bob_id, str(uuid.uuid4())):  # someone else's, unknown: the same 404
        r = await client.delete(f"/sessions/{refused}", headers=alice.headers)
        assert (r.status_code, r.json()["errors"][0]["error"]) == (404, "not_found")
    assert await _ok(client, bob.headers) == 200
    assert (await client.delete("/sessions/not-an-id", headers=alice.headers)).status_code == 422
    assert (await client.delete(f"/sessions/{other_id}", headers=alice.headers)).status_code == 204
    r = await client.get("/sessions", headers=other)
    assert (r.status_code, r.json()["errors"][0]["error"]) == (401, "unauthorized")
    assert (await client.delete(f"/sessions/{other_id}", headers=alice.headers)).status_code == 404
    assert [s["current"] for s in (await _list(client, alice.headers))["sessions"]] == [True]
    # Ending the current one is a log-out.
    assert (await client.delete(f"/sessions/{sessions[0]['id']}", headers=alice.headers)).status_code == 204
    assert await _ok(client, alice.headers) == 401


async def test_ending_all_but_this_one(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client)
    others = [await _token(client, alice) for _ in range(3)]
    bob = await sign_up(client)
    r = await client.delete("/sessions", headers=alice.headers)
    assert (r.status_code, r.json()) == (200, {"ended": 3})
    for headers in others:
        assert await _ok(client, headers) == 401
    assert await _ok(client, alice.headers) == 200
    assert await _ok(client, bob.headers) == 200
    assert (await client.delete("/sessions", headers=alice.headers)).json() == {"ended": 0}


async def test_two_end_others_at_once_leave_exactly_one_session(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client)
    for _ in range(5):
        first, second = await _token(client, alice), await _token(client, alice)
        a, b = await asyncio.gather(
            client.delete("/sessions", headers=first), client.delete("/sessions", headers=second)
        )
        assert sorted((a.status_code, b.status_code)) == [200, 401], (a.text, b.text)
        winner = first if a.status_code == 200 else second
        assert [s["current"] for s in (await _list(client, winner))["sessions"]] == [True]
        alice = Account(alice.username, alice.password, winner["Authorization"])


async def test_a_session_ended_while_in_use_answers_401_after(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client)
    for _ in range(5):
        victim = await _token(client, alice)
        victim_id = next(s for s in (await _list(client, victim))["sessions"] if s["current"])["id"]
        results = await asyncio.gather(
            *(client.get("/sessions", headers=victim) for _ in range(4)),
            client.delete(f"/sessions/{victim_id}", headers=alice.headers),
        )
        assert {r.status_code for r in results[:-1]} <= {200, 401}
        assert results[-1].status_code == 204
        assert await _ok(client, victim) == 401
    assert len((await _list(client, alice.headers))["sessions"]) == 1


async def test_a_username_without_sessions_lists_nothing_of_anyone(client: httpx.AsyncClient) -> None:
    await register(client)
    r = await client.get("/sessions")
    assert (r.status_code, r.json()["errors"][0]["error"]) == (401, "unauthorized")
