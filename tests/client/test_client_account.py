"""Sign up, log in, resume and log out through the SDK against both services in-process."""

from __future__ import annotations

import logging

import pytest

from strongroom import crypto
from strongroom.client import (
    Credentials,
    InvalidSecretKey,
    NotLoggedIn,
    Step,
    Strongroom,
    Unauthorized,
    WrongPassphrase,
)
from tests.client.conftest import PASSPHRASES, ClientFactory


async def test_sign_up_reports_the_guide_steps_and_returns_a_secret_key(make_client: ClientFactory) -> None:
    steps: list[Step] = []
    async with make_client() as client:
        client.progress = steps.append
        credentials = await client.sign_up("a passphrase", full_name="Dana", email="dana@example.test")
        me = await client.me()
    parsed = crypto.parse_secret_key(credentials.secret_key)
    assert parsed.username == credentials.username == me.username
    assert me.id == credentials.vault_user_id
    assert (me.full_name, me.email) == ("Dana", "dana@example.test")
    numbers = [s.number for s in steps if s.flow == "sign_up"]
    assert {"1", "2", "3", "4", "5", "6", "7", "8"} <= set(numbers)
    assert any(s.slow for s in steps)


async def test_log_in_from_the_secret_key_opens_the_same_cards(make_client: ClientFactory) -> None:
    async with make_client() as first:
        credentials = await first.sign_up(PASSPHRASES["alice"])
        card = await first.create_card("note", "Diary", {"note": "dear diary"})
    async with make_client() as second:
        again = await second.log_in(credentials.secret_key, PASSPHRASES["alice"])
        assert again.username == credentials.username
        assert again.keystore_token != credentials.keystore_token
        assert (await second.card(card.id)).values["note"] == "dear diary"


async def test_wrong_passphrase_is_refused_at_log_in_and_at_resume(make_client: ClientFactory) -> None:
    async with make_client() as client:
        credentials = await client.sign_up(PASSPHRASES["alice"])
    async with make_client() as other:
        with pytest.raises(WrongPassphrase):
            await other.log_in(credentials.secret_key, "not the passphrase")
        with pytest.raises(WrongPassphrase):
            await other.resume(credentials, "not the passphrase")
        assert not other.logged_in


async def test_malformed_secret_key_is_refused_before_any_request(make_client: ClientFactory) -> None:
    async with make_client() as client:
        with pytest.raises(InvalidSecretKey):
            await client.log_in("not-a-secret-key", "x")


async def test_resume_with_stored_tokens_needs_only_the_passphrase(make_client: ClientFactory) -> None:
    async with make_client() as client:
        credentials = await client.sign_up(PASSPHRASES["bob"])
        card = await client.create_card("note", "Shopping", {"note": "milk"})
    async with make_client() as resumed:
        await resumed.resume(credentials, PASSPHRASES["bob"])
        assert resumed.credentials == credentials
        assert (await resumed.card(card.id)).values["note"] == "milk"


async def test_log_out_ends_both_sessions(make_client: ClientFactory) -> None:
    async with make_client() as client:
        credentials = await client.sign_up(PASSPHRASES["alice"])
        await client.log_out()
        with pytest.raises(NotLoggedIn):
            await client.cards()
    async with make_client() as stale:
        with pytest.raises(Unauthorized):
            await stale.resume(credentials, PASSPHRASES["alice"])


async def test_calls_before_log_in_raise_not_logged_in(make_client: ClientFactory) -> None:
    async with make_client() as client:
        with pytest.raises(NotLoggedIn):
            await client.cards()
        with pytest.raises(NotLoggedIn):
            _ = client.credentials


async def test_nothing_secret_reaches_the_logs_or_reprs(
    make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    passphrase = "canary-passphrase-5f1e"
    async with make_client() as client:
        credentials = await client.sign_up(passphrase)
        await client.create_card("note", "Canary", {"note": "canary-value-91ab"})
        secrets = [
            passphrase,
            credentials.secret_key,
            crypto.parse_secret_key(credentials.secret_key).secret,
            credentials.keystore_token,
            credentials.vault_token,
            "canary-value-91ab",
        ]
        shown = caplog.text + repr(credentials) + repr(client._keys)
    for secret in secrets:
        assert secret not in shown
    assert isinstance(credentials, Credentials)


async def test_context_manager_forgets_keys(make_client: ClientFactory) -> None:
    client: Strongroom
    async with make_client() as client:
        await client.sign_up(PASSPHRASES["carol"])
        assert client.logged_in
    assert not client.logged_in
