"""The demo's walk through the seed guide, printed with the guide's step numbers as it goes."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid
from pathlib import Path

from rich.console import Console
from rich.table import Table

from strongroom.cli._connections import parse_invitation_mail
from strongroom.client import ProgressCallback, ShareUnavailable, SlotInput, Step, Strongroom

__all__ = ["run_demo"]

FLOW_TITLES = {
    "sign_up": "Sign up",
    "invite": "Invitation",
    "accept_invitation": "Acceptance",
    "share": "Creating the share",
    "read_share": "Reading the share",
    "update_shares": "Client task",
}


class Narrator:
    """Prints the story on stdout; each SDK step with its guide number."""

    def __init__(self) -> None:
        self.console = Console(highlight=False, soft_wrap=True)

    def section(self, title: str) -> None:
        self.console.print()
        self.console.rule(f"[bold]{title}")

    def say(self, text: str) -> None:
        self.console.print(text, markup=False)

    def progress(self, who: str) -> ProgressCallback:
        def step(event: Step) -> None:
            if event.number is None:
                return
            flow = FLOW_TITLES.get(event.flow, event.flow)
            self.console.print(f"  {who:<5} [{flow}, step {event.number}] {event.text}", markup=False)

        return step


async def wait_for_mail(folder: Path, recipient: str, patience: float = 30.0) -> tuple[Path, str]:
    """The first mail to ``recipient`` delivered into the maildir ``folder`` within ``patience`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    while loop.time() < deadline:
        new = folder / "new"
        for path in sorted(new.glob("*")) if new.exists() else []:
            text = path.read_text(encoding="utf-8", errors="replace")
            if recipient in text:
                return path, text
        await asyncio.sleep(0.2)
    raise TimeoutError(f"no mail to {recipient} in {folder} after {patience:.0f} s")


def vault_rows(database: Path, share_id: str, card_id: str) -> tuple[dict[str, str], dict[str, str]]:
    """Straight from the Vault's SQLite file: the share's ``encrypted_values`` and the card's slot values."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        shared: dict[str, str] = {}
        for row_id, values in connection.execute("SELECT id, encrypted_values FROM shares"):
            if _same_id(row_id, share_id) and values:
                shared = {str(k): str(v) for k, v in json.loads(values).items()}
        own: dict[str, str] = {}
        for slot_id, item_id, value in connection.execute("SELECT id, item_id, encrypted_value FROM slots"):
            if _same_id(item_id, card_id) and value:
                own[_canonical(slot_id)] = str(value)
        return {_canonical(k): v for k, v in shared.items()}, own
    finally:
        connection.close()


def _canonical(value: object) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return str(value)


def _same_id(stored: object, wanted: str) -> bool:
    return _canonical(stored) == _canonical(wanted)


def _short(ciphertext: str, width: int = 46) -> str:
    return ciphertext if len(ciphertext) <= width else ciphertext[: width - 1] + "…"


async def run_demo(url: str, data_dir: Path | None) -> None:
    """Walk the guide with two fresh users on the server at ``url`` (``data_dir``: its folder, if known)."""
    say = Narrator()
    say.section(f"Strongroom demo — server {url}")
    say.say(f"Keystore: {url}/keystore   Vault: {url}/vault" + (f"   Data: {data_dir}" if data_dir else ""))
    suffix = uuid.uuid4().hex[:6]
    bob_email = f"bob-{suffix}@example.test"

    async with (
        Strongroom(url, progress=say.progress("Alice")) as alice,
        Strongroom(url, progress=say.progress("Bob")) as bob,
    ):
        say.section("Sign up (guide: Setting Up Access, steps 1–8)")
        alice_id = await alice.sign_up(f"alice demo passphrase {suffix}", full_name="Alice")
        say.say(f"Alice is {alice_id.username}; her secret key never leaves her client.")
        bob_id = await bob.sign_up(f"bob demo passphrase {suffix}", full_name="Bob", email=bob_email)
        say.say(f"Bob is {bob_id.username}.")

        say.section("Alice makes a card")
        card = await alice.create_card(
            "vehicle",
            "Alice's car",
            [
                SlotInput(label="Secret note", value="the spare key is under the mat"),
                SlotInput(name="vin", value="WVW-1234"),
            ],
        )
        say.say(f"Card {card.id} ({card.template_label}): values encrypted with Alice's private DEK.")

        say.section("Invitation to connect (steps 1–9)")
        invitation = await alice.invite(
            nickname="Bob", email=bob_email, message="Let's share the car details."
        )
        token, invitation_id = invitation.token, invitation.id
        if data_dir is not None:
            path, mail = await wait_for_mail(data_dir / "mail", bob_email)
            token, found_id = parse_invitation_mail(mail)
            invitation_id = found_id or invitation_id
            say.say(f"The Vault mailed Bob: {path}")
            for line in mail.splitlines():
                if "connections accept" in line:
                    say.say(f"  the mail says: {line.strip()}")
        else:
            say.say("(no --data-dir: the token is handed over directly instead of read from the mail)")
        assert token is not None

        say.section("Accepting the invitation (steps 10–16)")
        bobs_connection = await bob.accept_invitation(token, nickname="Alice", invitation_id=invitation_id)
        [alices_connection] = [
            c for c in await alice.connections() if c.other_public_key == bobs_connection.public_key
        ]
        say.say(f"Alice's view of Bob's key: {alices_connection.their_fingerprint}")
        say.say(f"Bob's own key:             {bobs_connection.my_fingerprint}")
        match = alices_connection.their_fingerprint == bobs_connection.my_fingerprint
        say.say("They compare the fingerprints out of band: " + ("they match." if match else "MISMATCH!"))

        say.section("Creating the share (steps 23–31)")
        terms = "For your eyes only; do not forward."
        share = await alice.share(card.id, alices_connection.id, terms=terms)
        say.say(f"Share {share.id} with terms: {terms!r}")

        say.section("Reading the share (steps 33–43)")
        pending = await bob.get_share(share.id)
        say.say(f"Bob sees the share of {pending.card_label!r}; its values stay hidden until he accepts.")
        await bob.accept_share(share.id)
        say.say("Bob accepts the terms.")
        seen = await bob.read_share(share.id)
        for slot in seen.slots:
            say.say(f"  Bob reads {slot.label or slot.name}: {slot.value}")

        say.section("Alice edits the card; a client task carries the change")
        await alice.update_card(card.id, slots={"secret_note": "the spare key is in the glovebox"})
        tasks = await alice.client_tasks(state="todo")
        say.say("The Vault queued: " + ", ".join(f"{t.work_type} for card {t.target_id}" for t in tasks))
        runs = await alice.run_client_tasks()
        say.say(
            "Alice's client ran it: " + ", ".join(f"{r.updated_shares} share(s) re-encrypted" for r in runs)
        )
        seen = await bob.read_share(share.id)
        say.say(f"Bob now reads: {seen.values.get('secret_note')}")

        say.section("What the Vault holds, and what Bob sees")
        if data_dir is not None and (data_dir / "vault.sqlite3").exists():
            shared, _ = vault_rows(data_dir / "vault.sqlite3", share.id, card.id)
            table = Table(show_lines=False)
            table.add_column("slot")
            table.add_column(f"Vault database ({data_dir / 'vault.sqlite3'})")
            table.add_column("Bob sees")
            for slot in seen.slots:
                table.add_row(
                    slot.label or slot.name or slot.id, _short(shared.get(slot.id, "—")), slot.value or ""
                )
            say.console.print(table)
        else:
            say.say("(give --data-dir of a SQLite server to see the Vault's own rows)")

        say.section("Revocation")
        await alice.revoke_share(share.id)
        say.say("Alice revokes the share (and deletes its Keystore encryption space).")
        try:
            await bob.read_share(share.id)
        except ShareUnavailable:
            say.say("Bob's next read: the share is no longer available.")
        else:
            say.say("Bob could still read the share: this should not happen.")
    say.section("Done")
