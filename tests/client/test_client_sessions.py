"""Sessions through the SDK: both services listed as typed records, one ended by id, all others ended."""

from __future__ import annotations

import httpx
import pytest

from strongroom import __version__
from strongroom.client import InvalidArgument, NotFound, NotLoggedIn, SessionInfo, Strongroom, Unauthorized
from tests.client.conftest import BASE_URL, PASSPHRASES, ClientFactory


async def test_sessions_of_both_services_are_listed_with_the_sdk_name(
    alice: Strongroom, make_client: ClientFactory, transport: httpx.AsyncBaseTransport
) -> None:
    listed = await alice.sessions()
    assert all(isinstance(s, SessionInfo) for s in listed)
    assert [(s.service, s.current) for s in listed] == [("keystore", True), ("vault", True)]
    assert {s.client_name for s in listed} == {f"strongroom-python/{__version__}"}
    assert all(s.created_at <= s.last_used_at < s.expires_at for s in listed)
    async with Strongroom(BASE_URL, transport=transport, client_name="Alice's laptop") as laptop:
        await laptop.log_in(alice.credentials.secret_key, PASSPHRASES["alice"])
        names = [(s.service, s.client_name, s.current) for s in await laptop.sessions()]
    assert names == [
        ("keystore", f"strongroom-python/{__version__}", False),
        ("keystore", "Alice's laptop", True),
        ("vault", f"strongroom-python/{__version__}", False),
        ("vault", "Alice's laptop", True),
    ]


async def test_ending_one_session_by_id_in_whichever_service_has_it(
    alice: Strongroom, make_client: ClientFactory
) -> None:
    async with make_client() as phone:
        await phone.log_in(alice.credentials.secret_key, PASSPHRASES["alice"])
        mine = {s.service: s.id for s in await phone.sessions() if s.current}
        assert await alice.end_session(mine["vault"]) == "vault"
        with pytest.raises(Unauthorized):
            await phone.me()
        assert await alice.end_session(mine["keystore"], service="keystore") == "keystore"
        with pytest.raises(Unauthorized):
            await phone.keystore.key_encryption_key()
    with pytest.raises(NotFound):
        await alice.end_session(mine["keystore"])  # ended already: in neither service now
    with pytest.raises(InvalidArgument):
        await alice.end_session(mine["keystore"], service="elsewhere")
    assert [s.current for s in await alice.sessions()] == [True, True]


async def test_end_other_sessions_in_both_services(alice: Strongroom, make_client: ClientFactory) -> None:
    async with make_client() as phone, make_client() as tablet:
        for device in (phone, tablet):
            await device.log_in(alice.credentials.secret_key, PASSPHRASES["alice"])
        assert await alice.end_other_sessions() == {"keystore": 2, "vault": 2}  # log_in uses its tokens
        for device in (phone, tablet):
            with pytest.raises(Unauthorized):
                await device.me()
            with pytest.raises(Unauthorized):
                await device.keystore.key_encryption_key()
    assert [s.current for s in await alice.sessions()] == [True, True]
    assert await alice.end_other_sessions() == {"keystore": 0, "vault": 0}


async def test_session_calls_need_a_logged_in_user(make_client: ClientFactory) -> None:
    async with make_client() as nobody:
        with pytest.raises(NotLoggedIn):
            await nobody.sessions()
        with pytest.raises(NotLoggedIn):
            await nobody.end_other_sessions()
