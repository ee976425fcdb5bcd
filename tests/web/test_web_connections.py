"""The page against the SDK's behaviour for connections, one browser user (Alice) and CLI peers (the SDK):
"your fingerprint" comes from Alice's own keypair and a Vault that serves another key as hers gets a warning
instead of fingerprints; a deleted connection (by Alice, by the peer, or with the peer's account) has its key
clean-up tasks run in the page, and its keypair and share keys leave the Keystore; a custom template and a
card from it; renaming a connection; an expired invitation link refused before any key is made."""

from __future__ import annotations

import contextlib
import re
import sqlite3
import time
import uuid
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Browser, Page, expect

from strongroom import crypto
from tests.e2e.conftest import Shell
from tests.web.conftest import Pages
from tests.web.pages import (
    SLOW,
    Person,
    accept_invitation,
    create_card,
    fingerprints,
    invitation_link,
    invite,
    nav,
    share_card,
    sign_up,
)
from tests.web.server import WebServer, wait_for_mail

pytestmark = pytest.mark.e2e

ALICE = Person("Alice Keys", "alice.keys@example.test", "alice keeps her own keys 1")
BOB = Person("Bob Late", "bob.late@example.test", "bob arrives too late 22")
TASKS_DONE = re.compile(r"Keystore cleaned up \([1-9]\d* key\(s\) deleted\)")


@pytest.fixture(scope="module")
def alice(pages: Pages) -> Page:
    page, _ = pages.signed_up(ALICE)
    return page


def cli_peer(server: WebServer, alice: Page, folder: Path, name: str) -> tuple[Shell, str]:
    """A CLI user who accepts Alice's mailed invitation; returns their shell and their connection's id."""
    shell = Shell(server.e2e, folder)
    address = f"{name.lower()}@example.test"
    created = shell("users", "create", "-o", "me.yaml", "--name", f"{name} Cli", "--email", address)
    assert created.code == 0, created.stderr
    invite(alice, address, name)
    mail = wait_for_mail(server.mail_dir, address)
    command = next(line.strip() for line in mail.splitlines() if "strongroom connections accept" in line)
    accepted = shell(*command.split()[1:], "--nickname", "Alice", "-a", "me.yaml")
    assert accepted.code == 0, accepted.stderr
    listed = yaml.safe_load(shell("connections", "list", "-a", "me.yaml").stdout)["spec"]
    return shell, next(c["id"] for c in listed if c["nickname"] == "Alice")


@pytest.fixture(scope="module")
def carol(server: WebServer, alice: Page, tmp_path_factory: pytest.TempPathFactory) -> tuple[Shell, str]:
    return cli_peer(server, alice, tmp_path_factory.mktemp("carol"), "Carol")


def vault_db(server: WebServer) -> contextlib.closing[sqlite3.Connection]:
    return contextlib.closing(sqlite3.connect(server.data_dir / "vault.sqlite3", timeout=30))


def keystore_count(server: WebServer, sql: str, *args: str) -> int:
    with contextlib.closing(sqlite3.connect(server.data_dir / "keystore.sqlite3", timeout=30)) as db:
        (count,) = db.execute(sql, args).fetchone()
    return int(count)


def keypair_rows(server: WebServer, keypair: str) -> int:
    return keystore_count(server, "SELECT count(*) FROM keypairs WHERE id = ?", keypair)


def space_rows(server: WebServer, space: str) -> tuple[int, int]:
    """(encryption_spaces rows, encryption_space_keys rows) of one share's space in the Keystore."""
    return (
        keystore_count(server, "SELECT count(*) FROM encryption_spaces WHERE id = ?", space),
        keystore_count(
            server, "SELECT count(*) FROM encryption_space_keys WHERE encryption_space_id = ?", space
        ),
    )


def vault_public_key(server: WebServer, fingerprint: str) -> tuple[str, str, str]:
    """(row id, PEM, Keystore keypair id) of the Vault's public key with this fingerprint."""
    with vault_db(server) as db:
        rows = db.execute("SELECT id, public_key, key_store_id FROM public_keys").fetchall()
    found = [(str(i), str(pem), str(k)) for i, pem, k in rows if crypto.fingerprint(pem) == fingerprint]
    assert len(found) == 1
    return found[0]


def set_vault_public_key(server: WebServer, row_id: str, pem: str) -> None:
    with vault_db(server) as db, db:
        assert db.execute("UPDATE public_keys SET public_key = ? WHERE id = ?", (pem, row_id)).rowcount == 1


def open_connection(page: Page, name: str) -> None:
    nav(page, "Connections")
    page.get_by_role("list", name="Your connections").get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()


def test_own_fingerprint_is_from_my_keypair_and_a_swapped_key_is_flagged(
    alice: Page, carol: tuple[Shell, str], server: WebServer
) -> None:
    shell, carols_connection = carol
    mine, theirs = fingerprints(alice, "Carol")
    seen_by_carol = yaml.safe_load(shell("connections", "verify", carols_connection, "-a", "me.yaml").stdout)
    assert seen_by_carol["spec"]["their_key"] == mine  # what the SDK computes, on the other side
    assert seen_by_carol["spec"]["your_key"] == theirs
    assert mine != theirs

    # The Vault's copy of Alice's key is replaced (as a key-swapping Vault would serve it).
    row_id, honest, _ = vault_public_key(server, mine)
    set_vault_public_key(server, row_id, crypto.generate_keypair().public_pem)
    try:
        nav(alice, "Connections")
        row = alice.get_by_role("list", name="Your connections").get_by_role("listitem")
        expect(row).to_contain_text("the server shows a key that is not yours")
        open_connection(alice, "Carol")
        warning = alice.get_by_role("alert", name="Key mismatch")
        expect(warning).to_contain_text("Do not trust this connection.")
        expect(alice.get_by_label("Your fingerprint")).to_have_count(0)
        expect(alice.get_by_label("Their fingerprint")).to_have_count(0)
    finally:
        set_vault_public_key(server, row_id, honest)
    assert fingerprints(alice, "Carol") == (mine, theirs)
    expect(alice.get_by_role("alert")).to_have_count(0)


def test_custom_template_and_a_card_from_it(alice: Page, server: WebServer) -> None:
    nav(alice, "Cards")
    alice.get_by_role("button", name="New card").click()
    form = alice.get_by_role("form", name="New template")
    form.get_by_label("Template label").fill("Bike lock")
    form.get_by_label("Template name").fill("bike_lock")
    form.get_by_label("Template slot 1 label").fill("Combination")
    form.get_by_label("Template slot 1 type").select_option("password")
    form.get_by_role("button", name="Add a template slot").click()
    form.get_by_label("Template slot 2 label").fill("Frame colour")
    form.get_by_label("Template slot 2 type").select_option("color")
    form.get_by_role("button", name="Create template").click()
    expect(form.get_by_role("status")).to_have_text("Template Bike lock made.")
    with vault_db(server) as db:
        slots = db.execute(
            "SELECT s.name, s.label, s.slot_type_name FROM template_slots s "
            "JOIN item_templates t ON t.id = s.item_template_id WHERE t.name = 'bike_lock' ORDER BY s.ordinal"
        ).fetchall()
    assert slots == [("combination", "Combination", "password"), ("frame_colour", "Frame colour", "color")]

    create_card(alice, "Bike lock", "My bike", {"Combination": "4-1-2-9", "Frame colour": "#ff0000"})
    card = alice.get_by_role("form", name="Edit card")
    expect(card.get_by_label("Combination", exact=True)).to_have_value("4-1-2-9")
    expect(card.get_by_label("Frame colour", exact=True)).to_have_value("#ff0000")
    expect(alice.get_by_text("Bike lock", exact=True)).to_be_visible()  # the card's template


def test_expired_invitation_link_is_refused_before_any_key_is_made(
    alice: Page, browser: Browser, server: WebServer
) -> None:
    invite(alice, BOB.email, "Bob")
    link = invitation_link(wait_for_mail(server.mail_dir, BOB.email))
    with vault_db(server) as db, db:
        expired = db.execute(
            "UPDATE invitations SET expires_at = '2000-01-01 00:00:00.000000' WHERE email = ?", (BOB.email,)
        )
        assert expired.rowcount == 1
    context = browser.new_context()
    context.set_default_timeout(30_000)
    try:
        bob = context.new_page()
        bob.goto(link)
        sign_up(bob, BOB, then="Accept an invitation")
        keypairs = keystore_count(server, "SELECT count(*) FROM keypairs")
        accept_invitation(bob, "Alice")
        expect(bob.get_by_role("alert")).to_have_text(re.compile("has expired"), timeout=SLOW)
        assert keystore_count(server, "SELECT count(*) FROM keypairs") == keypairs  # no orphan keypair
        expect(bob.get_by_role("button", name="Accept invitation")).to_be_enabled()
    finally:
        context.close()


def test_rename_then_delete_a_connection_cleans_the_keystore(
    alice: Page, carol: tuple[Shell, str], server: WebServer
) -> None:
    shell, _ = carol
    mine, _ = fingerprints(alice, "Carol")
    _, _, keypair_id = vault_public_key(server, mine)
    keypair = uuid.UUID(keypair_id).hex
    create_card(alice, "Note", "Spare key", {"Note": "under the third pot"})
    share_card(alice, "Spare key", "Carol")
    listed = yaml.safe_load(shell("shares", "list", "--incoming", "-a", "me.yaml").stdout)["spec"]
    assert shell("shares", "get", listed[0]["id"], "-a", "me.yaml").code == 0  # Carol joins the space too
    with vault_db(server) as db:
        (space,) = db.execute("SELECT encryption_space_id FROM shares").fetchone()
    assert keypair_rows(server, keypair) == 1
    assert space_rows(server, space) == (1, 2)  # Alice made it; Carol joined it

    open_connection(alice, "Carol")
    rename = alice.get_by_role("form", name="Rename connection")
    rename.get_by_label("Your name for them").fill("Carol from the shell")
    rename.get_by_role("button", name="Rename").click()
    expect(rename.get_by_role("status")).to_have_text("Renamed.")
    expect(alice.get_by_role("heading", name="Carol from the shell")).to_be_visible()
    listed_by_carol = yaml.safe_load(shell("connections", "list", "-a", "me.yaml").stdout)["spec"]
    assert [c["nickname"] for c in listed_by_carol] == ["Alice"]  # a nickname is private to its writer

    alice.get_by_role("button", name="Delete connection").click()
    alice.get_by_role("button", name="Really delete this connection and its shares").click()
    expect(alice.get_by_role("status", name="Client tasks")).to_have_text(TASKS_DONE, timeout=SLOW)
    assert keypair_rows(server, keypair) == 0
    assert space_rows(server, space) == (0, 0)
    with vault_db(server) as db:
        states = db.execute(
            "SELECT work_type, state FROM client_tasks WHERE work_type LIKE 'delete_%'"
        ).fetchall()
    assert ("delete_keypair", "done") in states


@pytest.mark.parametrize(
    ("peer", "deletes"),
    [("Dave", ("connections", "delete", "Alice", "-y")), ("Erin", ("users", "delete", "-y"))],
    ids=["the peer deletes the connection", "the peer deletes their account"],
)
def test_a_connection_the_peer_ends_is_cleaned_by_the_page(
    alice: Page,
    server: WebServer,
    tmp_path_factory: pytest.TempPathFactory,
    peer: str,
    deletes: tuple[str, ...],
) -> None:
    shell, _ = cli_peer(server, alice, tmp_path_factory.mktemp(peer.lower()), peer)
    mine, _ = fingerprints(alice, peer)
    keypair = uuid.UUID(vault_public_key(server, mine)[2]).hex
    assert keypair_rows(server, keypair) == 1
    deleted = shell(*deletes, "-a", "me.yaml")
    assert deleted.code == 0, deleted.stderr
    # The page polls its task queue: the delete_keypair task the Vault queued for Alice runs there (only her
    # page holds her keys and tokens, so nothing else can delete it).
    deadline = time.monotonic() + 90
    while keypair_rows(server, keypair) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert keypair_rows(server, keypair) == 0
    expect(alice.get_by_role("status", name="Client tasks")).to_have_text(TASKS_DONE)
    nav(alice, "Connections")
    expect(alice.get_by_role("list", name="Your connections").get_by_role("listitem")).to_have_count(0)
