"""Encrypted file attachments in the page against a real ``strongroom serve``, with a CLI user on the other
side: a file attached in the browser (after the card was shared: the page's client tasks carry the file key)
is downloaded byte-identical at the shell by the recipient and in the page by its owner; a file attached at
the shell is downloaded byte-identical in the page by the share's recipient; a revoked share's file gives a
clear message; no plaintext of either file is in any server file."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Shell
from tests.web.conftest import Pages
from tests.web.pages import SLOW, Person, create_card, invite, open_card, open_incoming, share_card
from tests.web.server import WebServer, wait_for_mail

pytestmark = pytest.mark.e2e

ALICE = Person("Alice Files", "alice.files@example.test", "alice's attachment passphrase")
CANARY_WEB = b"canary-attached-in-the-page-5a1c33"
CANARY_CLI = b"canary-attached-at-the-shell-9e07b2"
SIZE = 3 << 19  # 1.5 MiB: two blocks, the second one short


def _file(canary: bytes) -> bytes:
    """Random bytes with the canary at the start and across the block boundary."""
    data = bytearray(os.urandom(SIZE))
    data[: len(canary)] = canary
    edge = (1 << 20) - len(canary) // 2
    data[edge : edge + len(canary)] = canary
    return bytes(data)


WEB_FILE = _file(CANARY_WEB)
CLI_FILE = _file(CANARY_CLI)


@pytest.fixture(scope="module")
def alice(pages: Pages) -> Page:
    page, _ = pages.signed_up(ALICE, accept_downloads=True)
    return page


@pytest.fixture(scope="module")
def carol(alice: Page, server: WebServer, tmp_path_factory: pytest.TempPathFactory) -> Shell:
    """Carol, at the shell, accepts Alice's mailed invitation (her auth file carol.yaml)."""
    shell = Shell(server.e2e, tmp_path_factory.mktemp("carol"))
    created = shell("users", "create", "-o", "carol.yaml", "--name", "Carol", "--email", "carol@example.test")
    assert created.code == 0, created.stderr
    invite(alice, "carol@example.test", "Carol")
    mail = wait_for_mail(server.mail_dir, "carol@example.test")
    command = next(line.strip() for line in mail.splitlines() if "strongroom connections accept" in line)
    accepted = shell(*command.split()[1:], "--nickname", "Alice", "-a", "carol.yaml")
    assert accepted.code == 0, accepted.stderr
    return shell


def _incoming_share(shell: Shell, label: str) -> str:
    listed = yaml.safe_load(shell("shares", "list", "--incoming", "-a", "carol.yaml").stdout)["spec"]
    found: str = next(s["id"] for s in listed if s.get("item_label") == label or s.get("label") == label)
    return found


def _save(page: Page, name: str, folder: Path) -> bytes:
    """Click "Download <name>", then the "Save <name>" link; the bytes the browser saved."""
    page.get_by_role("button", name=f"Download {name}").click()
    link = page.get_by_role("link", name=f"Save {name}")
    expect(link).to_be_visible(timeout=SLOW)
    assert link.get_attribute("href", timeout=1000).startswith("blob:")  # type: ignore[union-attr]
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == name
    target = folder / f"saved-{name}"
    download.value.save_as(target)
    return target.read_bytes()


def test_attached_in_the_page_read_at_the_shell(alice: Page, carol: Shell, tmp_path: Path) -> None:
    create_card(alice, "Note", "Scans", {"Note": "two pages"})
    share_card(alice, "Scans", "Carol")

    open_card(alice, "Scans")
    form = alice.get_by_role("form", name="Attach a file")
    form.get_by_label("File to attach").set_input_files(
        {"name": "scan.bin", "mimeType": "application/octet-stream", "buffer": WEB_FILE}
    )
    form.get_by_role("button", name="Attach file").click()
    expect(form.get_by_role("status")).to_have_text("Attached scan.bin.", timeout=SLOW)
    # The new slot reached the share by the page's own client task (Carol gets the file key).
    expect(alice.get_by_role("status", name="Client tasks")).to_have_text(
        re.compile(r"Shared copies up to date \(1 share\(s\) updated\)"), timeout=SLOW
    )
    assert _save(alice, "scan.bin", tmp_path) == WEB_FILE

    share_id = _incoming_share(carol, "Scans")
    got_share = carol("shares", "get", share_id, "-a", "carol.yaml")
    assert got_share.code == 0, got_share.stderr
    read = yaml.safe_load(got_share.stdout)["spec"]
    slot = next(s for s in read["slots"] if s["label"] == "scan.bin")
    got = carol(
        "shares", "get-attachment", share_id, "--slot", slot["id"], "-o", "got.bin", "-a", "carol.yaml"
    )
    assert got.code == 0, got.stderr
    assert (carol.folder / "got.bin").read_bytes() == WEB_FILE


def test_attached_at_the_shell_read_in_the_page_then_revoked(
    alice: Page, carol: Shell, tmp_path: Path
) -> None:
    (carol.folder / "report.bin").write_bytes(CLI_FILE)
    (carol.folder / "item.yaml").write_text(
        yaml.safe_dump(
            {
                "kind": "Item",
                "metadata": {"template": "note"},
                "spec": {"label": "Shell report", "slots": [{"name": "note", "value": "see the file"}]},
            }
        )
    )
    made = yaml.safe_load(carol("items", "create", "-i", "item.yaml", "-a", "carol.yaml").stdout)["spec"]
    attached = carol("items", "attach-file", made["id"], "--file", "report.bin", "-a", "carol.yaml")
    assert attached.code == 0, attached.stderr
    connections = yaml.safe_load(carol("connections", "list", "-a", "carol.yaml").stdout)["spec"]
    to_alice = next(c["id"] for c in connections if c["nickname"] == "Alice")
    (carol.folder / "share.yaml").write_text(
        yaml.safe_dump({"kind": "Share", "spec": {"item_id": made["id"], "connection_id": to_alice}})
    )
    shared = carol("shares", "create", "-c", "share.yaml", "-a", "carol.yaml")
    assert shared.code == 0, shared.stderr

    open_incoming(alice, "Shell report")
    expect(alice.get_by_role("heading", name="Shell report")).to_be_visible(timeout=SLOW)
    assert _save(alice, "report.bin", tmp_path) == CLI_FILE

    # Carol revokes; the page still shows the card, and its download now says why it cannot.
    outgoing = yaml.safe_load(carol("shares", "list", "--outgoing", "-a", "carol.yaml").stdout)["spec"]
    share_id = next(s["id"] for s in outgoing if s.get("outgoing") and s.get("item_id") == made["id"])
    revoked = carol("shares", "delete", share_id, "-y", "-a", "carol.yaml")
    assert revoked.code == 0, revoked.stderr
    alice.get_by_role("button", name="Download report.bin").click()
    expect(alice.get_by_role("alert")).to_have_text(
        re.compile("This file is no longer available to you"), timeout=SLOW
    )
    expect(alice.get_by_role("link", name="Save report.bin")).to_have_count(0)


def test_no_plaintext_of_either_file_on_the_server(alice: Page, carol: Shell, server: WebServer) -> None:
    files = [p for p in sorted(server.data_dir.rglob("*")) if p.is_file()]
    stored = b"".join(p.read_bytes() for p in files) + server.log_path.read_bytes()
    assert len(stored) > 2 * SIZE, "the blobs are not in the data folder: nothing to audit"
    assert CANARY_WEB not in stored
    assert CANARY_CLI not in stored
    storage = alice.evaluate(
        "async () => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage),"
        " await indexedDB.databases()])"
    )
    assert storage == "[[],[],[]]"
