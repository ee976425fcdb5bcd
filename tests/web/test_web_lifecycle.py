"""The Security screen against a real ``strongroom serve``: a wrong passphrase changes nothing, a new
passphrase and a new secret key each replace the old one at the next log-in, a key rotation keeps every card
and a received share open, and deleting the account leaves no row of it in either database.

The tests run in file order on one account (Erin), as a person would do these things one after another."""

from __future__ import annotations

import asyncio
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, Route, expect
from pydantic import BaseModel

from strongroom.keystore.lifecycle.schemas import (
    CredentialsUpdate,
    KeyRotation,
    RewrappedDataKey,
    RewrappedKeypair,
    RewrappedSpaceKey,
)
from tests.security.dump import DatabaseDump, DatabaseReader
from tests.web.conftest import Pages
from tests.web.pages import (
    SLOW,
    Person,
    accept_invitation,
    create_card,
    invitation_link,
    invite,
    log_in,
    nav,
    open_card,
    open_incoming,
    share_card,
    shared_values,
    shot,
    sign_up,
)
from tests.web.server import WebServer, wait_for_mail

pytestmark = pytest.mark.e2e

ERIN = Person("Erin Web", "erin@example.test", "erin's first passphrase")
FRANK = Person("Frank Web", "frank@example.test", "frank's own passphrase")
NEW_PASSPHRASE = "erin's second, longer passphrase"
OWN = "canary-erins-own-note-5b1c77"
RECEIVED = "canary-from-frank-2ad4e0"


@dataclass
class Account:
    """Erin's page and what opens her account now (the tests change both)."""

    page: Page
    secret_key: str
    passphrase: str
    # Every request Erin's page sent (method, URL, body) and every secret she used: none may be in one.
    sent: list[tuple[str, str, str]] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)


@pytest.fixture(scope="module")
def erin(pages: Pages, server: WebServer) -> Account:
    """Frank invites Erin; she signs up from the mailed link and accepts; Frank shares a card with her, and
    she has one card of her own."""
    frank, page = pages.new(accept_downloads=True), pages.new(accept_downloads=True)
    sent: list[tuple[str, str, str]] = []
    page.on("request", lambda r: sent.append((r.method, r.url, r.post_data or "")))
    frank.goto(f"{server.url}/")
    sign_up(frank, FRANK)
    invite(frank, ERIN.email, "Erin")
    page.goto(invitation_link(wait_for_mail(server.mail_dir, ERIN.email)))
    key = sign_up(page, ERIN, then="Accept an invitation")
    accept_invitation(page, "Frank")
    expect(page.get_by_role("heading", name="Frank")).to_be_visible(timeout=SLOW)
    create_card(frank, "Note", "From Frank", {"Note": RECEIVED})
    share_card(frank, "From Frank", "Erin")
    create_card(page, "Note", "Erin's locker", {"Note": OWN})
    return Account(page, key, ERIN.passphrase, sent, {key, ERIN.passphrase, NEW_PASSPHRASE})


def security_form(page: Page, name: str) -> Locator:
    nav(page, "Security")
    return page.get_by_role("form", name=name)


def logs_in(browser: Browser, server: WebServer, secret_key: str, passphrase: str) -> bool:
    """Whether a fresh browser logs in with these credentials (it shows the cards, or a wrong-passphrase
    message)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{server.url}/")
        log_in(page, secret_key, passphrase)
        cards = page.get_by_role("heading", name="Cards")
        refused = page.get_by_role("form", name="Log in").get_by_role("alert")
        expect(cards.or_(refused)).to_be_visible(timeout=SLOW)
        if refused.is_visible():
            expect(refused).to_have_text(re.compile("Wrong passphrase"))
            return False
        return True
    finally:
        context.close()


def dump(path: Path) -> DatabaseDump:
    """Every row of the SQLite database at ``path`` (the dump helper of the SDK lifecycle tests; asyncio in a
    thread of its own, away from Playwright's loop)."""

    async def read() -> DatabaseDump:
        reader = DatabaseReader(f"sqlite+aiosqlite:///{path}")
        try:
            return await reader.dump()
        finally:
            await reader.aclose()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, read()).result()


def sent_body(erin: Account, method: str, path: str) -> dict[str, Any]:
    """The body of the last ``method path`` request of Erin's page."""
    bodies = [b for m, u, b in erin.sent if m == method and urllib.parse.urlsplit(u).path == path]
    assert bodies, f"no {method} {path}"
    body = json.loads(bodies[-1])
    assert isinstance(body, dict)
    return body


def fields(model: type[BaseModel]) -> set[str]:
    return set(model.model_fields)


def keystore_sessions(server: WebServer, username: str) -> int:
    """How many Keystore sessions the user has (rows of ``sessions``)."""
    keystore = dump(server.data_dir / "keystore.sqlite3")
    users, sessions = keystore.columns["users"], keystore.columns["sessions"]
    (user_id,) = [
        r[users.index("id")] for r in keystore.rows["users"] if r[users.index("username")] == username
    ]
    return sum(1 for r in keystore.rows["sessions"] if r[sessions.index("user_id")] == user_id)


def credential_rows(server: WebServer) -> tuple[object, ...]:
    keystore = dump(server.data_dir / "keystore.sqlite3")
    return keystore.rows["users"], keystore.rows["key_encryption_keys"]


def test_change_passphrase_wrong_then_right(browser: Browser, server: WebServer, erin: Account) -> None:
    page = erin.page
    before = credential_rows(server)
    form = security_form(page, "Change passphrase")
    form.get_by_label("Current passphrase").fill("not erin's passphrase")
    form.get_by_label("New passphrase", exact=True).fill(NEW_PASSPHRASE)
    form.get_by_label("Repeat new passphrase").fill(NEW_PASSPHRASE)
    form.get_by_role("button", name="Change passphrase").click()
    expect(form.get_by_role("alert")).to_have_text(re.compile("Wrong passphrase"), timeout=SLOW)
    expect(page.get_by_role("dialog", name="Session ended")).to_have_count(0)  # a refused proof is no expiry
    assert credential_rows(server) == before

    # Rate limited, then the server out of reach: a message each, and still nothing changed.
    limited = '{"errors": [{"error": "rate_limited", "message": "too many requests; try again later"}]}'
    page.route(
        "**/keystore/srp/challenges",
        lambda route: route.fulfill(status=429, content_type="application/json", body=limited),
    )
    form.get_by_role("button", name="Change passphrase").click()
    expect(form.get_by_role("alert")).to_have_text(re.compile("Too many attempts"), timeout=SLOW)
    page.unroute("**/keystore/srp/challenges")
    page.route("**/keystore/users/me/credentials", lambda route: route.abort())
    form.get_by_label("Current passphrase").fill(erin.passphrase)
    form.get_by_role("button", name="Change passphrase").click()
    expect(form.get_by_role("alert")).to_have_text(
        re.compile("Cannot reach the Strongroom server"), timeout=SLOW
    )
    page.unroute("**/keystore/users/me/credentials")
    assert credential_rows(server) == before

    form.get_by_label("Repeat new passphrase").fill("a different one")
    form.get_by_role("button", name="Change passphrase").click()
    expect(form.get_by_role("alert")).to_have_text("The two new passphrases differ.")
    form.get_by_label("Repeat new passphrase").fill(NEW_PASSPHRASE)
    ends_others = form.get_by_label("Log out my other sessions")
    expect(ends_others).to_have_accessible_name(re.compile(r"\(Keystore and Vault: "))
    ends_others.check()
    username = erin.secret_key.split(".")[1]
    assert logs_in(browser, server, erin.secret_key, erin.passphrase)  # another device, left logged in
    assert keystore_sessions(server, username) >= 2
    form.get_by_role("button", name="Change passphrase").click()
    # The page says what it did: the other sessions of both services ended, not the Keystore's only.
    expect(form.get_by_role("status")).to_have_text(
        "Passphrase changed: use the new one from now on."
        " Your other sessions, Keystore and Vault, were ended.",
        timeout=SLOW,
    )
    shot(page, "20-passphrase-changed")
    assert credential_rows(server) != before
    assert keystore_sessions(server, username) == 1  # the others ended with the change
    # The request the SDK sends, field for field.
    body = sent_body(erin, "PUT", "/keystore/users/me/credentials")
    assert set(body) == fields(CredentialsUpdate)
    assert body["end_other_sessions"] is True
    # ... and the Vault's other sessions end too, right after.
    assert "DELETE" in [m for m, u, _ in erin.sent if urllib.parse.urlsplit(u).path == "/vault/sessions"]

    assert not logs_in(browser, server, erin.secret_key, erin.passphrase)
    assert logs_in(browser, server, erin.secret_key, NEW_PASSPHRASE)
    erin.passphrase = NEW_PASSPHRASE
    # This page's own session stayed: its vault still opens.
    open_card(page, "Erin's locker")
    expect(page.get_by_label("Note", exact=True)).to_have_value(OWN)


def test_rotate_the_secret_key(browser: Browser, server: WebServer, erin: Account, tmp_path: Path) -> None:
    page = erin.page
    form = security_form(page, "Rotate secret key")
    form.get_by_role("button", name="Make a new secret key").click()
    shown = form.get_by_label("Your new secret key")
    new_key = shown.input_value()
    assert new_key.startswith(f"{erin.secret_key.split('.')[1]}.", 2)
    assert new_key != erin.secret_key
    switch = form.get_by_role("button", name="Switch to the new secret key")
    expect(switch).to_be_disabled()  # not before the new kit is saved
    with page.expect_download() as download:
        form.get_by_role("button", name="Download emergency kit").click()
    kit = tmp_path / download.value.suggested_filename
    download.value.save_as(kit)
    assert new_key in kit.read_text()
    assert erin.passphrase not in kit.read_text()
    form.get_by_label("Current passphrase").fill(erin.passphrase)
    form.get_by_label("I have saved my new emergency kit").check()
    shot(page, "21-new-secret-key")
    switch.click()
    # Other sessions were left alone (the box stayed unchecked), and the page does not claim otherwise.
    expect(form.get_by_role("status")).to_have_text(
        "Your secret key was replaced: the old one no longer opens your account.", timeout=SLOW
    )
    expect(form.get_by_label("Your new secret key")).to_have_count(0)  # shown once

    assert logs_in(browser, server, new_key, erin.passphrase)
    assert not logs_in(browser, server, erin.secret_key, erin.passphrase)
    erin.secret_key = new_key
    erin.secrets.add(new_key)


def test_rotate_keys_keeps_cards_and_a_received_share(
    browser: Browser, server: WebServer, erin: Account
) -> None:
    page = erin.page
    before = dump(server.data_dir / "keystore.sqlite3").rows["key_encryption_keys"]
    form = security_form(page, "Rotate keys")
    form.get_by_label("Current passphrase").fill("not erin's passphrase")
    form.get_by_role("button", name="Rotate keys").click()
    expect(form.get_by_role("alert")).to_have_text(re.compile("Wrong passphrase"), timeout=SLOW)
    assert dump(server.data_dir / "keystore.sqlite3").rows["key_encryption_keys"] == before

    # A key stored by this same session just after the swap, wrapped under the old KEK (what a client task
    # of the page could do): the page finds it and rotates again, so no key is left under a KEK now gone.
    old_dek = sent_body(erin, "POST", "/keystore/data_encryption_keys")  # from sign-up: under the old KEK
    strays: list[str] = []

    def swap_then_store_a_stale_key(route: Route) -> None:
        if route.request.method != "PUT":
            route.continue_()
            return
        answer = route.fetch()
        if not strays:
            stored = page.request.post(
                f"{server.url}/keystore/data_encryption_keys",
                headers={"Authorization": route.request.headers["authorization"]},
                data=old_dek,
            )
            assert stored.status == 201, stored.text()
            strays.append(stored.json()["data_encryption_key"]["id"])
        route.fulfill(response=answer)

    page.route("**/keystore/key_encryption_key", swap_then_store_a_stale_key)
    form.get_by_label("Current passphrase").fill(erin.passphrase)
    form.get_by_role("button", name="Rotate keys").click()
    status = form.get_by_role("status")
    expect(status).to_have_text(
        re.compile(r"Rotated the key encryption key: \d+ keys re-wrapped"), timeout=SLOW
    )
    page.unroute("**/keystore/key_encryption_key")
    swaps = [b for m, u, b in erin.sent if m == "PUT" and u.endswith("/keystore/key_encryption_key")]
    assert len(swaps) == 2
    assert strays[0] in {d["id"] for d in json.loads(swaps[1])["data_encryption_keys"]}
    rotated = int(re.search(r"(\d+) keys", status.inner_text()).group(1))  # type: ignore[union-attr]
    assert rotated >= 3  # at least the private DEK, the login keypair and the connection keypair
    assert dump(server.data_dir / "keystore.sqlite3").rows["key_encryption_keys"] != before
    body = sent_body(erin, "PUT", "/keystore/key_encryption_key")
    assert set(body) == fields(KeyRotation)
    kinds: dict[str, type[BaseModel]] = {
        "data_encryption_keys": RewrappedDataKey,
        "keypairs": RewrappedKeypair,
        "encryption_spaces": RewrappedSpaceKey,
    }
    assert sum(len(body[k]) for k in kinds) == rotated
    for key, model in kinds.items():
        assert all(set(item) == fields(model) for item in body[key]), key

    # This page keeps working with the new KEK in memory...
    open_incoming(page, "From Frank")
    assert shared_values(page) == {"Note": RECEIVED}
    # ...and a fresh log-in opens every re-wrapped key from the server.
    context = browser.new_context()
    try:
        fresh = context.new_page()
        fresh.goto(f"{server.url}/")
        log_in(fresh, erin.secret_key, erin.passphrase)
        expect(fresh.get_by_role("heading", name="Cards")).to_be_visible(timeout=SLOW)
        open_card(fresh, "Erin's locker")
        expect(fresh.get_by_label("Note", exact=True)).to_have_value(OWN)
        open_incoming(fresh, "From Frank")
        assert shared_values(fresh) == {"Note": RECEIVED}
    finally:
        context.close()


def test_list_and_end_sessions(browser: Browser, server: WebServer, erin: Account) -> None:
    page = erin.page
    context = browser.new_context()
    try:
        device = context.new_page()
        device.goto(f"{server.url}/")
        log_in(device, erin.secret_key, erin.passphrase)
        expect(device.get_by_role("heading", name="Cards")).to_be_visible(timeout=SLOW)

        nav(page, "Security")
        keystore = page.get_by_role("list", name="Keystore sessions").get_by_role("listitem")
        vault = page.get_by_role("list", name="Vault sessions").get_by_role("listitem")
        expect(keystore.filter(has_text="this browser")).to_have_count(1)
        expect(vault.filter(has_text="this browser")).to_have_count(1)
        # The page names itself at log-in, in both services.
        expect(keystore.filter(has_text="this browser")).to_contain_text("Strongroom Web")
        expect(vault.filter(has_text="this browser")).to_contain_text("Strongroom Web")
        assert keystore.count() >= 2
        assert vault.count() >= 2
        shot(page, "24-sessions")
        # The newest Keystore session (oldest first) is the other device's: ending it logs it out there.
        keystore.last.get_by_role("button", name=re.compile("^End the Keystore session")).click()
        expect(page.get_by_role("status").filter(has_text="Ended the Keystore session")).to_be_visible()
        nav(device, "Security")
        ended = device.get_by_role("dialog", name="Session ended")
        expect(ended).to_be_visible(timeout=SLOW)
        ended.get_by_label("Passphrase", exact=True).fill(erin.passphrase)
        ended.get_by_role("button", name="Unlock").click()
        expect(ended).to_have_count(0, timeout=SLOW)

        nav(page, "Security")
        page.get_by_role("button", name="End all other sessions").click()
        expect(page.get_by_role("status").filter(has_text="Ended every other session")).to_be_visible()
        expect(keystore).to_have_count(1)
        expect(vault).to_have_count(1)
        expect(keystore.filter(has_text="this browser")).to_have_count(1)
        nav(device, "Cards")
        expect(device.get_by_role("dialog", name="Session ended")).to_be_visible(timeout=SLOW)
    finally:
        context.close()
    # This page's own sessions live on.
    open_card(page, "Erin's locker")
    expect(page.get_by_label("Note", exact=True)).to_have_value(OWN)


def test_delete_the_account_everywhere(browser: Browser, server: WebServer, erin: Account) -> None:
    page = erin.page
    databases = {s: server.data_dir / f"{s}.sqlite3" for s in ("keystore", "vault")}
    username = erin.secret_key.split(".")[1]
    form = security_form(page, "Delete account")
    delete = form.get_by_role("button", name="Delete my account everywhere")
    form.get_by_label("Current passphrase").fill(erin.passphrase)
    expect(delete).to_be_disabled()
    form.get_by_label('Type "delete my account" to confirm').fill("delete my acount")
    expect(delete).to_be_disabled()
    form.get_by_label('Type "delete my account" to confirm').fill("delete my account")

    before = {s: dump(p) for s, p in databases.items()}
    form.get_by_label("Current passphrase").fill("not erin's passphrase")
    delete.click()
    expect(form.get_by_role("alert")).to_have_text(re.compile("Wrong passphrase"), timeout=SLOW)
    for service, path in databases.items():
        assert not dump(path).differences(before[service]), service

    form.get_by_label("Current passphrase").fill(erin.passphrase)
    shot(page, "22-delete-account")
    delete.click()
    notice = page.get_by_role("status").filter(has_text="Your account was deleted")
    expect(notice).to_be_visible(timeout=SLOW)
    expect(page.get_by_role("tab", name="Log in")).to_be_visible()
    shot(page, "23-account-deleted")
    after = {s: dump(p) for s, p in databases.items()}

    # Exactly one user row went from each service; no cell anywhere names it any more.
    marks = [username.encode()]
    for service in databases:
        gone = set(before[service].rows["users"]) - set(after[service].rows["users"])
        assert len(gone) == 1, service
        assert len(after[service].rows["users"]) == len(before[service].rows["users"]) - 1
        user_id = str(gone.pop()[before[service].columns["users"].index("id")])
        marks += [user_id.encode(), user_id.replace("-", "").encode()]
    left = [
        (service, table, column)
        for service, d in after.items()
        for table, column, cell in d.cells()
        if any(m in cell for m in marks)
    ]
    assert left == []
    stored = page.evaluate("JSON.stringify([localStorage, sessionStorage])")
    assert not any(m.decode() in stored for m in marks)
    # The passphrases, the secret keys (and their secret parts) never left the page.
    parts = {k.split(".")[2] for k in erin.secrets if k.startswith("1.")}
    needles = erin.secrets | parts | {p.replace("-", "") for p in parts}
    assert erin.sent
    assert not [n for n in needles for request in erin.sent if n in f"{request[1]}\n{request[2]}"]
    assert not [n for n in needles if n in stored or n in server.log_path.read_text()]
    assert not logs_in(browser, server, erin.secret_key, erin.passphrase)
