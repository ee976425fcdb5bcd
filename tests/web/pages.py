"""What a person does in the page, by role and accessible name (never CSS): one function per task."""

from __future__ import annotations

import email
import re
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.web.browser import SCREENSHOTS

SLOW = 90_000  # ms: RSA-4096 generation in the page, on a shared machine
LINK = re.compile(r"(http://\S+/#/accept\?invitation=\S+&token=\S+)")


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    passphrase: str


def shot(page: Page, name: str) -> None:
    """Save a screenshot of the current screen for review (var/screenshots/<name>.png)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def mail_body(raw: str) -> str:
    message: Message = email.message_from_string(raw)
    part = next((p for p in message.walk() if p.get_content_type() == "text/plain"), message)
    payload = part.get_payload(decode=True)
    return (
        payload.decode(part.get_content_charset() or "utf-8") if isinstance(payload, bytes) else str(payload)
    )


def invitation_link(raw_mail: str) -> str:
    found = LINK.search(mail_body(raw_mail))
    assert found, "the invitation mail has no web link"
    return found.group(1)


def sign_up(
    page: Page, person: Person, *, kit_dir: Path | None = None, screenshots: bool = False, then: str = "Cards"
) -> str:
    """Create an account from the welcome screen; returns the secret key the page showed once. ``then``: the
    heading shown next."""
    page.get_by_role("tab", name="Create account").click()
    form = page.get_by_role("form", name="Create account")
    form.get_by_label("Passphrase", exact=True).fill(person.passphrase)
    form.get_by_label("Repeat passphrase").fill(person.passphrase)
    form.get_by_label("Your name").fill(person.name)
    form.get_by_label("Email").fill(person.email)
    if screenshots:
        shot(page, "01-sign-up")
    form.get_by_role("button", name="Create account").click()
    secret = page.get_by_label("Your secret key")
    expect(secret).to_be_visible(timeout=SLOW)
    key = secret.input_value()
    assert key.startswith("1.")
    proceed = page.get_by_role("button", name="Continue to my vault")
    expect(proceed).to_be_disabled()
    if screenshots:
        shot(page, "02-emergency-kit")
    if kit_dir is not None:
        with page.expect_download() as download:
            page.get_by_role("button", name="Download emergency kit").click()
        kit = kit_dir / download.value.suggested_filename
        download.value.save_as(kit)
        assert key in kit.read_text()
        assert person.passphrase not in kit.read_text()
    page.get_by_label("I have saved my emergency kit").check()
    proceed.click()
    expect(page.get_by_role("heading", name=then)).to_be_visible()
    return key


def log_in(page: Page, secret_key: str, passphrase: str) -> None:
    page.get_by_role("tab", name="Log in").click()
    form = page.get_by_role("form", name="Log in")
    form.get_by_label("Secret key", exact=True).fill(secret_key)
    form.get_by_label("Passphrase", exact=True).fill(passphrase)
    form.get_by_role("button", name="Log in").click()


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def create_card(page: Page, template_label: str, label: str, values: dict[str, str]) -> None:
    """A new card from the template shown as ``template_label``; ``values`` by slot label."""
    nav(page, "Cards")
    page.get_by_role("button", name="New card").click()
    form = page.get_by_role("form", name="New card")
    form.get_by_label("Template").select_option(label=template_label)
    form.get_by_label("Label", exact=True).fill(label)
    for slot, value in values.items():
        form.get_by_label(slot, exact=True).fill(value)
    form.get_by_role("button", name="Create card").click()
    expect(page.get_by_role("heading", name=label)).to_be_visible()


def invite(page: Page, email_address: str, nickname: str) -> None:
    nav(page, "Invitations")
    form = page.get_by_role("form", name="Send an invitation")
    form.get_by_label("Their email").fill(email_address)
    form.get_by_label("Nickname").fill(nickname)
    form.get_by_role("button", name="Send invitation").click()
    expect(form.get_by_text(f"Invitation sent to {email_address}.")).to_be_visible(timeout=SLOW)


def accept_invitation(page: Page, nickname: str) -> None:
    form = page.get_by_role("form", name="Accept the invitation")
    form.get_by_label("Nickname for the sender").fill(nickname)
    form.get_by_role("button", name="Accept invitation").click()


def fingerprints(page: Page, connection: str) -> tuple[str, str]:
    """(mine, theirs) as the connection screen shows them."""
    nav(page, "Connections")
    page.get_by_role("link", name=connection).click()
    mine = page.get_by_label("Your fingerprint")
    expect(mine).to_have_text(re.compile(r"^(\d{5} ){11}\d{5}$"))
    return mine.inner_text(), page.get_by_label("Their fingerprint").inner_text()


def open_card(page: Page, label: str) -> None:
    nav(page, "Cards")
    page.get_by_role("link", name=label).click()
    expect(page.get_by_role("heading", name=label)).to_be_visible()


def share_card(
    page: Page,
    label: str,
    connection: str,
    *,
    slot: str | None = None,
    terms: str = "",
    distributable: bool = False,
) -> None:
    open_card(page, label)
    form = page.get_by_role("form", name="Share this card")
    form.get_by_label("Share with").select_option(label=connection)
    if slot is not None:
        form.get_by_label("What to share").select_option(label=f"Only {slot}")
    if terms:
        form.get_by_label("Terms").fill(terms)
    if distributable:
        form.get_by_label("Allow the recipient to share it on").check()
    form.get_by_role("button", name="Share").click()
    expect(form.get_by_text(f"Shared with {connection}.")).to_be_visible(timeout=SLOW)


def open_incoming(page: Page, label: str) -> None:
    nav(page, "Shared with me")
    page.get_by_role("list", name="Shares you received").get_by_role("link", name=label).first.click()


def shared_values(page: Page) -> dict[str, str]:
    values = page.get_by_role("definition")
    terms = page.get_by_role("term")
    expect(page.get_by_label("Shared values")).to_be_visible()
    return dict(zip(terms.all_inner_texts(), values.all_inner_texts(), strict=True))
