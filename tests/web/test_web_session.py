"""Lock on demand and after idling, a session that ends under an open form (what was typed survives), and
the server stopped mid-session: each with a clear message on the page and nothing changed."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import Pages
from tests.web.pages import SLOW, Person, create_card, log_in, nav, shot
from tests.web.server import WebServer

pytestmark = pytest.mark.e2e

DANA = Person("Dana Web", "dana@example.test", "dana's passphrase, long enough")
CANARY = "canary-locker-combination-93e1"


@pytest.fixture(scope="module")
def dana(pages: Pages) -> tuple[Page, str]:
    page, key = pages.signed_up(DANA)
    create_card(page, "Note", "Locker", {"Note": CANARY})
    return page, key


def test_lock_forgets_the_keys_and_the_passphrase_unlocks(dana: tuple[Page, str]) -> None:
    page, _ = dana
    expect(page.get_by_text(CANARY)).to_have_count(0)  # values show in inputs, not text
    expect(page.get_by_label("Note", exact=True)).to_have_value(CANARY)
    page.get_by_role("button", name="Lock").click()
    expect(page.get_by_role("heading", name="Unlock Strongroom")).to_be_visible()
    shot(page, "12-locked")
    assert CANARY not in page.content()
    form = page.get_by_role("form", name="Unlock")
    form.get_by_label("Passphrase", exact=True).fill("not the passphrase")
    form.get_by_role("button", name="Unlock").click()
    expect(form.get_by_role("alert")).to_have_text(re.compile("Wrong passphrase"), timeout=SLOW)
    form.get_by_label("Passphrase", exact=True).fill(DANA.passphrase)
    form.get_by_role("button", name="Unlock").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible(timeout=SLOW)
    nav(page, "Cards")
    expect(page.get_by_role("link", name="Locker")).to_be_visible()


def test_idle_lock_after_the_chosen_minutes(
    browser: Browser, server: WebServer, dana: tuple[Page, str]
) -> None:
    _, key = dana
    context = browser.new_context()
    page = context.new_page()
    try:
        page.clock.install()
        page.goto(f"{server.url}/")
        log_in(page, key, DANA.passphrase)
        expect(page.get_by_role("heading", name="Cards")).to_be_visible(timeout=SLOW)
        nav(page, "Account")
        page.get_by_label("Lock after inactivity").select_option(label="1 minute")
        expect(page.get_by_label("Lock after inactivity")).to_have_value("1")
        page.clock.fast_forward("00:30")
        expect(page.get_by_role("navigation", name="Main")).to_be_visible()
        page.clock.fast_forward("00:40")
        expect(page.get_by_role("heading", name="Unlock Strongroom")).to_be_visible()
        # What is remembered is a preference, never a key or a value.
        stored = json.loads(page.evaluate("JSON.stringify(Object.entries(localStorage))"))
        assert stored == [["strongroom.idle-lock-minutes", "1"]]
    finally:
        context.close()


def test_an_ended_session_keeps_what_was_typed(
    browser: Browser, server: WebServer, dana: tuple[Page, str]
) -> None:
    page, key = dana
    nav(page, "Invitations")
    form = page.get_by_role("form", name="Send an invitation")
    form.get_by_label("Their email").fill("erin@example.test")
    form.get_by_label("Message").fill("A message typed before the session ended")

    # Dana logs out everywhere from another browser: this page's Keystore session ends under the form.
    other = browser.new_context()
    try:
        elsewhere = other.new_page()
        elsewhere.goto(f"{server.url}/")
        log_in(elsewhere, key, DANA.passphrase)
        expect(elsewhere.get_by_role("heading", name="Cards")).to_be_visible(timeout=SLOW)
        nav(elsewhere, "Account")
        elsewhere.get_by_role("button", name="Log out everywhere").click()
        expect(elsewhere.get_by_role("tab", name="Log in")).to_be_visible()
    finally:
        other.close()

    form.get_by_role("button", name="Send invitation").click()
    dialog = page.get_by_role("dialog", name="Session ended")
    expect(dialog).to_be_visible(timeout=SLOW)
    shot(page, "13-session-ended")
    dialog.get_by_label("Passphrase", exact=True).fill(DANA.passphrase)
    dialog.get_by_role("button", name="Unlock").click()
    expect(dialog).to_have_count(0, timeout=SLOW)
    expect(form.get_by_label("Their email")).to_have_value("erin@example.test")
    expect(form.get_by_label("Message")).to_have_value("A message typed before the session ended")
    form.get_by_role("button", name="Send invitation").click()
    expect(form.get_by_text("Invitation sent to erin@example.test.")).to_be_visible(timeout=SLOW)


def test_add_and_remove_a_slot_then_delete_the_card(dana: tuple[Page, str]) -> None:
    page, _ = dana
    create_card(page, "Custom", "Scratch", {})
    form = page.get_by_role("form", name="Edit card")
    form.get_by_label("New slot name").fill("Floor")
    form.get_by_label("New slot value").fill("third")
    form.get_by_role("button", name="Save changes").click()
    expect(form.get_by_label("Floor", exact=True)).to_have_value("third")
    form.get_by_role("button", name="Remove slot Floor").click()
    expect(form.get_by_label("Floor", exact=True)).to_have_count(0)
    form.get_by_role("button", name="Delete card").click()
    form.get_by_role("button", name="Really delete this card").click()
    expect(page.get_by_role("heading", name="Cards")).to_be_visible()
    expect(page.get_by_role("link", name="Scratch")).to_have_count(0)
    expect(page.get_by_role("link", name="Locker")).to_be_visible()


def test_server_stopped_mid_session(server: WebServer, dana: tuple[Page, str]) -> None:
    page, _ = dana
    nav(page, "Cards")
    page.get_by_role("button", name="New card").click()
    form = page.get_by_role("form", name="New card")
    form.get_by_label("Template").select_option(label="Note")
    form.get_by_label("Label", exact=True).fill("Written while the server is down")
    server.stop()
    form.get_by_role("button", name="Create card").click()
    expect(form.get_by_role("alert")).to_have_text(re.compile("Cannot reach the Strongroom server"))
    shot(page, "14-server-stopped")
    expect(form.get_by_label("Label", exact=True)).to_have_value("Written while the server is down")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()  # still unlocked, nothing lost
