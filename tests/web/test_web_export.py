"""Export files and share read events in the page against a real ``strongroom serve``, with CLI users on the
other side: a file the page writes imports with ``strongroom import`` into another account (values equal), a
file the CLI writes imports in the page; a wrong passphrase, a tampered file and an unknown version give a
message and create nothing; a share's reads (and its on-share's) show in its owner's page, and the page tells
a recipient that reads are recorded (and its read is recorded)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Shell
from tests.web.conftest import Pages
from tests.web.pages import (
    SLOW,
    Person,
    create_card,
    invite,
    nav,
    open_card,
    open_incoming,
    share_card,
)
from tests.web.server import WebServer, wait_for_mail

pytestmark = pytest.mark.e2e

ALICE = Person("Alice Export", "alice.export@example.test", "alice's export-test passphrase")
FILE_PASSPHRASE = "the file's own passphrase"
CANARY_WEB = "canary-exported-in-the-page-41d7e2"
CANARY_CLI = "canary-exported-at-the-shell-c3090b"
PLANS = 'Ünïcode ✓, "quotes" and a \\ backslash'  # JSON escapes both ways


@pytest.fixture(scope="module")
def alice(pages: Pages) -> Page:
    page, _ = pages.signed_up(ALICE, accept_downloads=True)
    return page


@pytest.fixture(scope="module")
def shell(server: WebServer, tmp_path_factory: pytest.TempPathFactory) -> Shell:
    """Carol and Dave use the CLI (carol.yaml, dave.yaml in the shell's folder)."""
    run = Shell(server.e2e, tmp_path_factory.mktemp("shell"))
    for name in ("carol", "dave"):
        made = run(
            "users", "create", "-o", f"{name}.yaml", "--name", name.title(), "--email", f"{name}@example.test"
        )
        assert made.code == 0, made.stderr
    return run


def _cli_cards(shell: Shell, auth: str) -> dict[str, dict[str, Any]]:
    """The account's cards by label, each {slot name: value} plus its template, as the CLI prints them."""
    listed = shell("items", "list", "--reveal", "--output", "json", "-a", auth)
    assert listed.code == 0, listed.stderr
    spec = json.loads(listed.stdout)["spec"]
    return {c["label"]: {s["name"]: s["value"] for s in c["slots"]} for c in spec}


def _page_cards(page: Page) -> list[str]:
    nav(page, "Cards")
    cards = page.get_by_role("list", name="Your cards").get_by_role("link")
    expect(cards.first).to_be_visible()
    return sorted(cards.all_inner_texts())


def _export_in_page(page: Page, folder: Path, *, received: bool = False) -> tuple[str, bytes]:
    """Export from the page under FILE_PASSPHRASE: (the status line, the file's bytes)."""
    nav(page, "Export")
    form = page.get_by_role("form", name="Export my vault")
    form.get_by_label("Export passphrase", exact=True).fill(FILE_PASSPHRASE)
    form.get_by_label("Repeat export passphrase").fill(FILE_PASSPHRASE)
    if received:
        form.get_by_label("Include the cards shared with me (as plain copies)").check()
    form.get_by_role("button", name="Export").click()
    link = form.get_by_role("link", name=re.compile(r"^Save strongroom-.*\.srx$"))
    expect(link).to_be_visible(timeout=SLOW)
    with page.expect_download() as download:
        link.click()
    saved = folder / download.value.suggested_filename
    download.value.save_as(saved)
    return form.get_by_role("status").inner_text(), saved.read_bytes()


def _import_in_page(page: Page, name: str, data: bytes, passphrase: str) -> None:
    nav(page, "Export")
    form = page.get_by_role("form", name="Import an export file")
    form.get_by_label("Export file", exact=True).set_input_files(
        {"name": name, "mimeType": "application/octet-stream", "buffer": data}
    )
    form.get_by_label("Passphrase of the export file").fill(passphrase)
    form.get_by_role("button", name="Import").click()


def test_export_in_the_page_import_at_the_shell_and_back(alice: Page, shell: Shell, tmp_path: Path) -> None:
    create_card(alice, "Wi-Fi network", "Office wifi", {"Network name": "office-net", "Password": CANARY_WEB})
    create_card(alice, "Note", "Plans", {"Note": PLANS})

    nav(alice, "Export")
    form = alice.get_by_role("form", name="Export my vault")
    form.get_by_label("Export passphrase", exact=True).fill(FILE_PASSPHRASE)
    form.get_by_label("Repeat export passphrase").fill(FILE_PASSPHRASE + "x")
    form.get_by_role("button", name="Export").click()
    expect(form.get_by_role("alert")).to_have_text(re.compile("The two export passphrases differ"))
    expect(form.get_by_role("link")).to_have_count(0)
    form.get_by_label("Repeat export passphrase").fill(FILE_PASSPHRASE)
    form.get_by_role("button", name="Export").click()
    expect(form.get_by_role("status")).to_contain_text(
        "Exported 2 card(s), 0 received card(s) and 0 template(s).", timeout=SLOW
    )
    link = form.get_by_role("link", name=re.compile(r"^Save strongroom-.*\.srx$"))
    assert (link.get_attribute("href") or "").startswith("blob:")
    with alice.expect_download() as download:
        link.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    data = saved.read_bytes()
    assert data.startswith(b'{"format":"strongroom-export","version":1,')
    assert CANARY_WEB.encode() not in data
    storage = alice.evaluate(
        "() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])"
    )
    assert FILE_PASSPHRASE not in storage

    # The CLI (the SDK) restores the page's file into Carol's account, values and templates equal.
    (shell.folder / "from-page.srx").write_bytes(data)
    env = {"STRONGROOM_EXPORT_PASSPHRASE": FILE_PASSPHRASE}
    imported = shell("import", "-i", "from-page.srx", "-a", "carol.yaml", env=env)
    assert imported.code == 0, imported.stderr
    assert "Imported 2 cards" in imported.stderr
    carol_cards = _cli_cards(shell, "carol.yaml")
    assert carol_cards["Office wifi"] == {"network_name": "office-net", "password": CANARY_WEB}
    assert carol_cards["Plans"] == {"note": PLANS}

    # The CLI writes a file (Carol's own card and the two restored ones); the page refuses it when the
    # passphrase is wrong, when a byte changed, or when the version is unknown, and creates nothing.
    (shell.folder / "item.yaml").write_text(
        yaml.safe_dump(
            {
                "kind": "Item",
                "metadata": {"template": "note"},
                "spec": {"label": "From the shell", "slots": [{"name": "note", "value": CANARY_CLI}]},
            }
        )
    )
    assert shell("items", "create", "-i", "item.yaml", "-a", "carol.yaml").code == 0
    (shell.folder / "lock.yaml").write_text(
        yaml.safe_dump(
            {
                "kind": "Template",
                "spec": {"label": "Bike lock", "slots": [{"name": "code", "label": "Lock code"}]},
            }
        )
    )
    made = shell("templates", "create", "-i", "lock.yaml", "-a", "carol.yaml")
    assert made.code == 0, made.stderr
    assert yaml.safe_load(made.stdout)["spec"]["name"] == "bike_lock"
    (shell.folder / "bike.yaml").write_text(
        yaml.safe_dump(
            {
                "kind": "Item",
                "metadata": {"template": "bike_lock"},
                "spec": {"label": "Red bike", "slots": [{"name": "code", "value": "4-7-1-1"}]},
            }
        )
    )
    assert shell("items", "create", "-i", "bike.yaml", "-a", "carol.yaml").code == 0
    exported = shell("export", "-o", "from-shell.srx", "-a", "carol.yaml", env=env)
    assert exported.code == 0, exported.stderr
    cli_file = (shell.folder / "from-shell.srx").read_bytes()
    before = _page_cards(alice)
    assert before == ["Office wifi", "Plans"]

    header_end = cli_file.index(b"\n") + 1
    tampered = bytearray(cli_file)
    tampered[-5] ^= 0x01
    newer = cli_file.replace(b'"version":1', b'"version":2', 1)
    refusals = [
        (cli_file, "not the passphrase", "Wrong export passphrase, or the export file was altered."),
        # One chunk: a changed byte there cannot be told from a wrong passphrase (both fail the first tag).
        (bytes(tampered), FILE_PASSPHRASE, "Wrong export passphrase, or the export file was altered."),
        (cli_file[: header_end + 100], FILE_PASSPHRASE, "The export file is truncated."),
        (newer, FILE_PASSPHRASE, "This export file has version 2, which this Strongroom does not know"),
    ]
    for data_in, passphrase, message in refusals:
        _import_in_page(alice, "from-shell.srx", data_in, passphrase)
        form = alice.get_by_role("form", name="Import an export file")
        expect(form.get_by_role("alert")).to_contain_text(message, timeout=SLOW)
        expect(form.get_by_role("alert")).to_contain_text("Nothing was imported.")
        assert _page_cards(alice) == before, message

    _import_in_page(alice, "from-shell.srx", cli_file, FILE_PASSPHRASE)
    expect(alice.get_by_role("form", name="Import an export file").get_by_role("status")).to_have_text(
        "Imported 4 card(s) and 1 template(s) from from-shell.srx.", timeout=SLOW
    )
    assert _page_cards(alice) == sorted([*before, "From the shell", "Office wifi", "Plans", "Red bike"])
    open_card(alice, "From the shell")
    edit = alice.get_by_role("form", name="Edit card")
    expect(edit.get_by_label("Note", exact=True)).to_have_value(CANARY_CLI)
    # Carol's own template came along, and the card made from it is of it.
    open_card(alice, "Red bike")
    expect(edit.get_by_label("Lock code", exact=True)).to_have_value("4-7-1-1")
    nav(alice, "Cards")
    row = alice.get_by_role("list", name="Your cards").get_by_role("listitem").filter(has_text="Red bike")
    expect(row).to_contain_text("Bike lock")

    # The page's export of an own template (Carol's, imported above) restores at the shell too.
    status, again = _export_in_page(alice, tmp_path)
    assert "and 1 template(s)." in status
    (shell.folder / "again.srx").write_bytes(again)
    restored = shell("import", "-i", "again.srx", "-a", "dave.yaml", env=env)
    assert restored.code == 0, restored.stderr
    assert "Imported 6 cards and 1 templates" in restored.stderr
    assert _cli_cards(shell, "dave.yaml")["Red bike"] == {"code": "4-7-1-1"}
    templates = shell("templates", "list", "--output", "json", "-a", "dave.yaml")
    assert "bike_lock" in [t["name"] for t in json.loads(templates.stdout)["spec"]]


def _share_id(shell: Shell, auth: str, label: str, *, incoming: bool) -> str:
    listed = shell("shares", "list", "--incoming" if incoming else "--outgoing", "-a", auth)
    assert listed.code == 0, listed.stderr
    found: str = next(
        s["id"]
        for s in yaml.safe_load(listed.stdout)["spec"]
        if label in (s.get("item_label"), s.get("label"))
    )
    return found


def test_share_reads_for_the_owner_and_the_note_for_the_recipient(
    alice: Page, shell: Shell, server: WebServer
) -> None:
    invite(alice, "carol@example.test", "Carol")
    mail = wait_for_mail(server.mail_dir, "carol@example.test")
    command = next(line.strip() for line in mail.splitlines() if "strongroom connections accept" in line)
    assert shell(*command.split()[1:], "--nickname", "Alice", "-a", "carol.yaml").code == 0
    (shell.folder / "carol-dave.yaml").write_text(
        yaml.safe_dump(
            {"kind": "Connection", "spec": {"from": "carol.yaml", "to": "dave.yaml", "from_nickname": "Dave"}}
        )
    )
    connected = shell("connections", "create", "-c", "carol-dave.yaml")
    assert connected.code == 0, connected.stderr

    create_card(alice, "Note", "Read me", {"Note": "watched"})
    share_card(alice, "Read me", "Carol", distributable=True)
    nav(alice, "Shared by me")
    row = alice.get_by_role("listitem", name="Read me → Carol")
    row.get_by_role("button", name="Show reads of Read me → Carol").click()
    panel = row.get_by_role("region", name="Reads of Read me → Carol")
    expect(panel).to_contain_text("Not read yet.")

    # Carol reads it: one read, by Carol.
    share_id = _share_id(shell, "carol.yaml", "Read me", incoming=True)
    assert shell("shares", "get", share_id, "-a", "carol.yaml").code == 0
    row.get_by_role("button", name="Hide reads of Read me → Carol").click()
    row.get_by_role("button", name="Show reads of Read me → Carol").click()
    reads = panel.get_by_role("list", name="Who read Read me → Carol").get_by_role("listitem")
    expect(reads).to_have_count(1, timeout=SLOW)
    expect(reads).to_have_text(re.compile(r"^Carol read it on .+"))
    expect(panel.get_by_role("list", name="On-shares of Read me → Carol")).to_have_count(0)

    # Carol shares it on with Dave (reading it again to do so), and Dave reads the on-share once.
    (shell.folder / "on-share.yaml").write_text(
        yaml.safe_dump({"kind": "Share", "spec": {"share_id": share_id, "connection_id": "Dave"}})
    )
    on_shared = shell("shares", "create", "-c", "on-share.yaml", "-a", "carol.yaml")
    assert on_shared.code == 0, on_shared.stderr
    on_share_id = _share_id(shell, "dave.yaml", "Read me", incoming=True)
    assert shell("shares", "get", on_share_id, "-a", "dave.yaml").code == 0

    row.get_by_role("button", name="Hide reads of Read me → Carol").click()
    row.get_by_role("button", name="Show reads of Read me → Carol").click()
    # Each on-share's item holds the list of its reads (list items too): the on-shares are those that say so.
    on_shares = (
        panel.get_by_role("list", name="On-shares of Read me → Carol")
        .get_by_role("listitem")
        .filter(has_text=" shared it on with ")
    )
    expect(on_shares).to_have_count(1, timeout=SLOW)
    # Carol's second read (to pass it on) came within share_read_event_window of the first: one event.
    expect(reads).to_have_count(1)
    assert all(text.startswith("Carol read it on ") for text in reads.all_inner_texts())
    expect(on_shares).to_contain_text("Carol shared it on with someone you are not connected with")
    on_reads = on_shares.get_by_role(
        "list", name=re.compile("^Who read the on-share from Carol")
    ).get_by_role("listitem")
    expect(on_reads).to_have_count(1)
    expect(on_reads).to_have_text(re.compile(r"^someone you are not connected with read it on .+"))

    # Carol shares a card with Alice: the page tells Alice reads are recorded, and her read is.
    (shell.folder / "note.yaml").write_text(
        yaml.safe_dump(
            {
                "kind": "Item",
                "metadata": {"template": "note"},
                "spec": {"label": "For Alice", "slots": [{"name": "note", "value": "hello"}]},
            }
        )
    )
    made = yaml.safe_load(shell("items", "create", "-i", "note.yaml", "-a", "carol.yaml").stdout)["spec"]
    (shell.folder / "to-alice.yaml").write_text(
        yaml.safe_dump({"kind": "Share", "spec": {"item_id": made["id"], "connection_id": "Alice"}})
    )
    assert shell("shares", "create", "-c", "to-alice.yaml", "-a", "carol.yaml").code == 0
    open_incoming(alice, "For Alice")
    expect(alice.get_by_role("heading", name="For Alice")).to_be_visible(timeout=SLOW)
    expect(alice.get_by_role("note")).to_have_text(re.compile("^Reads of this share are recorded"))
    to_alice = _share_id(shell, "carol.yaml", "For Alice", incoming=False)
    events = shell("shares", "events", to_alice, "--output", "json", "-a", "carol.yaml")
    assert events.code == 0, events.stderr
    assert len(json.loads(events.stdout)["spec"]["events"]) == 1

    # An export with the cards shared with Alice carries a plain copy of Carol's card, which restores.
    status, with_received = _export_in_page(alice, shell.folder, received=True)
    assert re.search(r", 1 received card\(s\) and \d+ template\(s\)\.", status), status
    (shell.folder / "with-received.srx").write_bytes(with_received)
    env = {"STRONGROOM_EXPORT_PASSPHRASE": FILE_PASSPHRASE}
    restored = shell("import", "-i", "with-received.srx", "-a", "dave.yaml", env=env)
    assert restored.code == 0, restored.stderr
    assert _cli_cards(shell, "dave.yaml")["For Alice"] == {"note": "hello"}


def test_no_export_passphrase_or_value_on_the_server(alice: Page, server: WebServer) -> None:
    files = [p for p in sorted(server.data_dir.rglob("*")) if p.is_file()]
    stored = b"".join(p.read_bytes() for p in files) + server.log_path.read_bytes()
    assert len(stored) > 10_000, "the databases are not in the data folder: nothing to audit"
    for secret in (FILE_PASSPHRASE, CANARY_WEB, CANARY_CLI):
        assert secret.encode() not in stored, secret
    storage = alice.evaluate(
        "async () => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage),"
        " await indexedDB.databases()])"
    )
    assert storage == "[[],[],[]]"
