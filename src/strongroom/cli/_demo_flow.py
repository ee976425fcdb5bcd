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

SETUP_GUIDE = "Setting Up Access guide"
SHARING_GUIDE = "Connections and Sharing guide"
FLOW_TITLES = {
    "sign_up": SETUP_GUIDE,
    "invite": SHARING_GUIDE,
    "accept_invitation": SHARING_GUIDE,
    "share": SHARING_GUIDE,
    "read_share": SHARING_GUIDE,
    "update_shares": "client task",
}


def _order(number: str) -> int:
    """The first step number of ``"7–9"`` or ``"30"``, to print a flow's steps in the guide's order."""
    head = number.replace("–", "-").split("-")[0]
    return int(head) if head.isdigit() else 0


class Narrator:
    """Prints the story on stdout: each section with the ``strongroom`` commands that do it, then the SDK's
    steps numbered as in Meeco's guides ("Setting Up Access", "Connections and Sharing"), in the guide's
    order (some run concurrently, e.g. the RSA key is generated while the first steps talk to the server)."""

    def __init__(self) -> None:
        self.console = Console(highlight=False, soft_wrap=True)
        self._steps: list[tuple[str, Step]] = []

    def section(self, title: str, *commands: str) -> None:
        self.flush()
        self.console.print()
        self.console.rule(f"[bold]{title}")
        for command in commands:
            self.console.print(f"  $ {command}", markup=False, style="cyan")

    def say(self, text: str) -> None:
        self.flush()
        self.console.print(text, markup=False)

    def flush(self) -> None:
        steps, self._steps = self._steps, []
        for who, event in sorted(steps, key=lambda item: _order(item[1].number or "0")):
            guide = FLOW_TITLES.get(event.flow, event.flow)
            self.console.print(f"  {who:<5} [{guide}, step {event.number}] {event.text}", markup=False)

    def progress(self, who: str) -> ProgressCallback:
        def step(event: Step) -> None:
            if event.number is not None:
                self._steps.append((who, event))

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
    """Walk the guides with three new users on the server at ``url`` (``data_dir``: its folder, if known)."""
    say = Narrator()
    say.section(
        f"Strongroom demo — server {url}",
        f"export STRONGROOM_URL={url}   # each command below is what a person would type",
    )
    say.say(f"Keystore: {url}/keystore   Vault: {url}/vault" + (f"   Data: {data_dir}" if data_dir else ""))
    suffix = uuid.uuid4().hex[:6]
    bob_email = f"bob-{suffix}@example.test"
    label = "Alice's car"

    async with (
        Strongroom(url, progress=say.progress("Alice")) as alice,
        Strongroom(url, progress=say.progress("Bob")) as bob,
        Strongroom(url, progress=say.progress("Carol")) as carol,
    ):
        say.section(
            f"Sign up ({SETUP_GUIDE}, steps 1–8)",
            "strongroom --profile alice users create --name Alice",
            'eval "$(strongroom --profile alice unlock)"   # the passphrase once per session',
        )
        alice_id = await alice.sign_up(f"alice demo passphrase {suffix}", full_name="Alice")
        say.say(f"Alice is {alice_id.username}; her secret key never leaves her client.")
        bob_id = await bob.sign_up(f"bob demo passphrase {suffix}", full_name="Bob", email=bob_email)
        say.say(f"Bob is {bob_id.username} (the same commands with --profile bob --email {bob_email}).")

        say.section(
            "Alice makes a card",
            "strongroom items create-config vehicle > car.yaml   # fill in the label and values",
            "strongroom items create -i car.yaml",
        )
        card = await alice.create_card(
            "vehicle",
            label,
            [
                SlotInput(label="Secret note", value="the spare key is under the mat"),
                SlotInput(name="vin", value="WVW-1234"),
            ],
        )
        say.say(f"Card {card.id} ({card.template_label}): values encrypted with Alice's private DEK.")

        say.section(
            f"Invitation to connect ({SHARING_GUIDE}, steps 1–9)",
            f'strongroom connections invite --email {bob_email} --message "Let\'s share the car details."',
        )
        invitation = await alice.invite(email=bob_email, message="Let's share the car details.")
        token, invitation_id = invitation.token, invitation.id
        mailed_command = None
        if data_dir is not None:
            path, mail = await wait_for_mail(data_dir / "mail", bob_email)
            token, found_id = parse_invitation_mail(mail)
            invitation_id = found_id or invitation_id
            say.say(f"The Vault mailed Bob: {path}")
            mailed_command = next(
                (line.strip() for line in mail.splitlines() if "connections accept" in line), None
            )
        else:
            say.say("(no --data-dir: the token is handed over directly instead of read from the mail)")
        assert token is not None

        say.section(
            f"Accepting the invitation ({SHARING_GUIDE}, steps 10–16)",
            "strongroom --profile bob "
            + (
                mailed_command.removeprefix("strongroom ")
                if mailed_command
                else f"connections accept --invitation-id {invitation_id} --token {token}"
            ),
            "strongroom connections verify Bob   # Alice; Bob runs `... verify Alice`",
        )
        bobs_connection = await bob.accept_invitation(token, invitation_id=invitation_id)
        [alices_connection] = [
            c for c in await alice.connections() if c.other_public_key == bobs_connection.public_key
        ]
        say.say(f"Bob calls the connection {bobs_connection.nickname!r} (Alice's profile name).")
        say.say(f"Alice's view of Bob's key: {alices_connection.their_fingerprint}")
        say.say(f"Bob's own key:             {bobs_connection.my_fingerprint}")
        match = alices_connection.their_fingerprint == bobs_connection.my_fingerprint
        say.say("They compare the fingerprints out of band: " + ("they match." if match else "MISMATCH!"))

        terms = "For your eyes only; do not forward."
        say.section(
            f"Creating the share ({SHARING_GUIDE}, steps 23–31)",
            f'strongroom shares create-config --item "{label}" --to Bob --terms "{terms}" '
            "--distributable > share.yaml",
            "strongroom shares create -c share.yaml",
        )
        share = await alice.share(card.id, alices_connection.id, terms=terms, distributable=True)
        say.say(f"Share {share.id} with terms: {terms!r}; Bob may share it on.")

        say.section(
            f"Reading the share ({SHARING_GUIDE}, steps 33–43)",
            f'strongroom --profile bob shares accept "{label}"',
            f'strongroom --profile bob shares get "{label}"',
        )
        pending = await bob.get_share(share.id)
        say.say(f"Bob sees the share of {pending.card_label!r}; its values stay hidden until he accepts.")
        await bob.accept_share(share.id)
        say.say("Bob accepts the terms.")
        seen = await bob.read_share(share.id)
        for slot in seen.slots:
            say.say(f"  Bob reads {slot.label or slot.name}: {slot.value}")

        say.section(
            "Alice edits the card; the CLI carries the change to Bob (a client task)",
            "strongroom items update -i edit.yaml   # runs the client tasks it causes",
        )
        await alice.update_card(card.id, slots={"secret_note": "the spare key is in the glovebox"})
        tasks = await alice.client_tasks(state="todo")
        say.say("The Vault queued: " + ", ".join(f"{t.work_type} for card {t.target_id}" for t in tasks))
        runs = await alice.run_client_tasks()
        say.say(
            "Alice's client ran it: " + ", ".join(f"{r.updated_shares} share(s) re-encrypted" for r in runs)
        )
        seen = await bob.read_share(share.id)
        say.say(f"Bob now reads: {seen.values.get('secret_note')}")

        say.section(
            "On-sharing: Bob shares Alice's card on with Carol",
            "strongroom --profile carol users create --name Carol",
            "strongroom --profile bob connections invite   # Bob hands Carol the printed command",
            f'strongroom --profile bob shares create-config --share-id "{label}" --to Carol > on-share.yaml',
            "strongroom --profile bob shares create -c on-share.yaml",
        )
        await carol.sign_up(f"carol demo passphrase {suffix}", full_name="Carol")
        to_carol = await bob.invite()
        assert to_carol.token is not None
        carols_connection = await carol.accept_invitation(to_carol.token, invitation_id=to_carol.id)
        [bobs_to_carol] = [
            c for c in await bob.connections() if c.other_public_key == carols_connection.public_key
        ]
        on_share = await bob.reshare(share.id, bobs_to_carol.id)
        carol_sees = await carol.read_share(on_share.id)
        vin = carol_sees.values.get("vin")
        say.say(f"Carol reads {label!r} from Bob: vin {vin} (an on-share is never distributable again).")

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

        say.section("Revocation", f'strongroom shares delete "{label}" -y')
        await alice.revoke_share(share.id)
        say.say("Alice revokes the share (and deletes its Keystore encryption space).")
        for who, client, share_id in (("Bob", bob, share.id), ("Carol", carol, on_share.id)):
            try:
                await client.read_share(share_id)
            except ShareUnavailable:
                say.say(f"{who}'s next read: the share is no longer available.")
            else:
                say.say(f"{who} could still read the share: this should not happen.")
    say.section("Done")
