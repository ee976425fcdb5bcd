"""The plaintext canary audit (security.md, "What each party can learn").

Three users go through the whole life of a share with the SDK, in-process against both services: sign up,
connect, share with terms and expiry, accept, read, edit (carried to the recipients by client tasks),
on-share, revoke, log in again, disconnect. Slot values, nicknames and passphrases are unique canary
strings. Afterwards every table of both databases, the mail outbox and the delivered mails, and every log
record must hold none of them, nor any key the clients made (KEK, DEKs, share DEKs, private keys, PDKs,
SRP passwords) in any spelling, nor the secret keys. Every column must be on the reviewed allowlist, and
every ciphertext column must hold ciphertext only.
"""

from __future__ import annotations

import io
import json
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from strongroom import crypto
from strongroom.client import AcceptanceRequired, CardSlot, ShareUnavailable, Strongroom
from strongroom.kit.clock import FrozenClock
from strongroom.kit.settings import Settings
from strongroom.server import create_app
from strongroom.vault.mail.worker import MailWorker
from tests.security.allowlist import ALLOWED, CIPHERTEXT, JSON_CIPHERTEXT
from tests.security.capture import capturing_logs
from tests.security.dump import DatabaseDump, DatabaseReader, cell_bytes
from tests.security.keys import KeyRecorder, recording_keys
from tests.security.leaks import NeedleSet

BASE_URL = "http://testserver"
SERVICES = ("keystore", "vault")


def canary(what: str) -> str:
    """A unique string that must never reach a server (the random part makes a chance match impossible)."""
    return f"canary-{what}-{secrets.token_hex(12)}"


@dataclass
class Session:
    """What the scripted session leaves behind: the secrets to search for, and the ones it must not find
    in mails (invitation tokens are meant to travel by mail)."""

    needles: NeedleSet = field(default_factory=NeedleSet)
    tokens: NeedleSet = field(default_factory=NeedleSet)
    invitation_tokens: NeedleSet = field(default_factory=NeedleSet)
    mails_delivered: int = 0


@pytest.fixture
async def server(
    settings: Settings, clock: FrozenClock
) -> AsyncIterator[tuple[httpx.AsyncBaseTransport, object]]:
    app = create_app(settings, clock=clock)
    async with LifespanManager(app, startup_timeout=60) as manager:
        yield httpx.ASGITransport(app=manager.app), app


def _client(transport: httpx.AsyncBaseTransport, clock: FrozenClock) -> Strongroom:
    return Strongroom(BASE_URL, transport=transport, clock=clock.now)


def _values(slots: Iterable[CardSlot]) -> set[tuple[str | None, str | None]]:
    """A card's (or shared card's) slots as (name, value) pairs, for subset checks."""
    return {(s.name, s.value) for s in slots}


def _remember_ring(client: Strongroom, name: str, needles: NeedleSet) -> list[bytes]:
    """The keys the client holds in memory right now (its key ring), added as needles; returns the raw
    symmetric keys so the caller can check the recorder saw them too."""
    ring = client._keys
    assert ring is not None, f"{name} is not logged in"
    raw = [ring.kek, ring.private_dek, *ring.space_keys.values()]
    needles.key(f"{name}'s KEK (key ring)", ring.kek)
    needles.key(f"{name}'s private DEK (key ring)", ring.private_dek)
    for space_id, dek in ring.space_keys.items():
        needles.key(f"{name}'s share DEK of space {space_id} (key ring)", dek)
    for keypair_id, (private_key, _) in ring.connection_keys.items():
        needles.private_key(f"{name}'s connection private key {keypair_id} (key ring)", private_key)
    return raw


async def _run_session(
    transport: httpx.AsyncBaseTransport,
    clock: FrozenClock,
    recorder: KeyRecorder,
    deliver_mail: Callable[[], Awaitable[int]],
) -> Session:
    """The scripted session; asserts along the way that each step really did what it should.

    ``deliver_mail`` runs the Vault's mail worker once (an invitation's mail is sent only while the
    invitation is open, so each is delivered before it is accepted)."""
    out = Session()
    passphrases = {name: canary(f"passphrase-{name}") for name in ("alice", "bob", "carol")}
    for name, value in passphrases.items():
        out.needles.text(f"{name}'s passphrase", value)
    nick = {
        ("alice", "bob"): canary("nickname-alice-for-bob"),
        ("bob", "alice"): canary("nickname-bob-for-alice"),
        ("bob", "carol"): canary("nickname-bob-for-carol"),
        ("carol", "bob"): canary("nickname-carol-for-bob"),
    }
    for (who, whom), value in nick.items():
        out.needles.text(f"{who}'s nickname for {whom}", value)
    values = {
        "vin": canary("slot-vin"),
        "make": canary("slot-make"),
        "secret_note": canary("slot-secret-note"),
    }
    edited = {"vin": canary("slot-vin-edited"), "secret_note": canary("slot-secret-note-edited")}
    again = {"make": canary("slot-make-edited-again")}
    for label, value in {**values, **{f"{k} (edited)": v for k, v in edited.items()}}.items():
        out.needles.text(f"slot value {label}", value)
    out.needles.text("slot value make (edited again)", again["make"])
    ring_keys: list[bytes] = []

    async with (
        _client(transport, clock) as alice,
        _client(transport, clock) as bob,
        _client(transport, clock) as carol,
    ):
        users = {"alice": alice, "bob": bob, "carol": carol}
        credentials = {
            name: await client.sign_up(
                passphrases[name], full_name=name.title(), email=f"{name}@example.test"
            )
            for name, client in users.items()
        }
        for name, cred in credentials.items():
            out.needles.text(f"{name}'s secret key", cred.secret_key)
            out.needles.text(
                f"{name}'s secret key (secret part)", crypto.parse_secret_key(cred.secret_key).secret
            )
            out.needles.text(f"{name}'s secret key (as printed)", cred.secret_key.split(".", 2)[2])
            out.tokens.text(f"{name}'s Keystore session token", cred.keystore_token)
            out.tokens.text(f"{name}'s Vault session token", cred.vault_token)

        # A card with canary values; its label and slot labels are allowed to be visible.
        card = await alice.create_card("vehicle", "Alice's car", values)
        assert _values(card.slots) >= values.items()

        # Connect alice ↔ bob and bob ↔ carol (invitations by mail: the outbox must not leak either).
        invitation = await alice.invite(nickname=nick[("alice", "bob")], email="bob@example.test")
        assert invitation.token is not None
        out.invitation_tokens.text("alice's invitation token", invitation.token)
        assert await deliver_mail() == 1
        bob_alice = await bob.accept_invitation(
            invitation.token, nickname=nick[("bob", "alice")], invitation_id=invitation.id
        )
        invitation = await bob.invite(nickname=nick[("bob", "carol")], email="carol@example.test")
        assert invitation.token is not None
        out.invitation_tokens.text("bob's invitation token", invitation.token)
        assert await deliver_mail() == 1
        carol_bob = await carol.accept_invitation(invitation.token, nickname=nick[("carol", "bob")])
        out.mails_delivered = 2
        alice_bob = next(
            c for c in await alice.connections() if c.user_id == credentials["bob"].vault_user_id
        )
        bob_carol = next(
            c for c in await bob.connections() if c.user_id == credentials["carol"].vault_user_id
        )
        assert alice_bob.nickname == nick[("alice", "bob")]
        assert bob_alice.nickname == nick[("bob", "alice")]
        assert carol_bob.nickname == nick[("carol", "bob")]

        # Share with terms and expiry; bob must accept before he can read.
        share = await alice.share(
            card.id,
            alice_bob.id,
            terms="Read only; do not forward outside the family.",
            expires_at=clock.now() + timedelta(days=30),
            distributable=True,
        )
        with pytest.raises(AcceptanceRequired):
            await bob.read_share(share.id)
        await bob.accept_share(share.id)
        read = await bob.read_share(share.id)
        assert _values(read.slots) >= values.items()

        # The owner edits; the client task carries the new values to bob.
        await alice.update_card(card.id, slots=edited)
        runs = await alice.run_client_tasks()
        assert [r.state for r in runs] == ["done"]
        read = await bob.read_share(share.id)
        assert _values(read.slots) >= edited.items()

        # Bob shares it on to carol; a further edit reaches carol through two client tasks.
        onshare = await bob.reshare(share.id, bob_carol.id)
        assert _values((await carol.read_share(onshare.id)).slots) >= edited.items()
        await alice.update_card(card.id, slots=again)
        assert [r.state for r in await alice.run_client_tasks()] == ["done"]
        assert [r.state for r in await bob.run_client_tasks()] == ["done"]
        assert _values((await carol.read_share(onshare.id)).slots) >= again.items()

        # Bob exports (the card shared with him included) and carol restores the file into her account:
        # the file, its passphrase and its content never reach a server.
        export_passphrase = canary("export-passphrase")
        out.needles.text("the export passphrase", export_passphrase)
        exported = io.BytesIO()
        counts = await bob.export(exported, export_passphrase, include_received=True, iterations=1000)
        assert counts["received_cards"] == 1
        out.needles.key("the export file's last chunk", exported.getvalue()[-48:])
        exported.seek(0)
        assert (await carol.import_export(exported, export_passphrase)).cards == 1

        # Keys the clients hold now, before revocation drops the share keys from their rings.
        for name, client in users.items():
            ring_keys.extend(_remember_ring(client, name, out.needles))

        # Revoke: bob and carol lose the card; bob disconnects from carol.
        await alice.revoke_share(share.id)
        with pytest.raises(ShareUnavailable):
            await bob.read_share(share.id)
        with pytest.raises(ShareUnavailable):
            await carol.read_share(onshare.id)
        await bob.delete_connection(bob_carol.id)
        assert [c for c in await carol.connections() if c.id == carol_bob.id] == []

    # Log in again from the secret key and passphrase (a second device): the login path is audited too.
    async with _client(transport, clock) as device:
        cred = await device.log_in(credentials["bob"].secret_key, passphrases["bob"])
        out.tokens.text("bob's second Keystore session token", cred.keystore_token)
        out.tokens.text("bob's second Vault session token", cred.vault_token)
        assert [c.nickname for c in await device.connections()] == [nick[("bob", "alice")]]
        ring_keys.extend(_remember_ring(device, "bob (second device)", out.needles))

    # Everything the SDK made while the session ran, as the recorder saw it being made.
    made = set(recorder.symmetric)
    assert set(ring_keys) <= made, "the key ring holds keys the recorder did not see being made"
    for index, key in enumerate(recorder.symmetric):
        out.needles.key(f"symmetric key #{index} made by a client", key)
    for index, pair in enumerate(recorder.keypairs):
        out.needles.private_key(f"RSA private key #{index} made by a client", pair.private_pem)
    for index, (what, secret) in enumerate(recorder.derived):
        out.needles.key(f"{what} #{index} derived by a client", secret)
    assert len(recorder.keypairs) >= 7  # 3 login keys, 4 connection keys
    assert {what for what, _ in recorder.derived} == {"PDK", "SRP password"}
    return out


def _check_columns(service: str, dump: DatabaseDump) -> list[str]:
    allowed = ALLOWED[service]
    problems = [
        f"{service}.{table}: table not on the allowlist" for table in dump.columns if table not in allowed
    ]
    for table, columns in dump.columns.items():
        if table in allowed:
            problems.extend(
                f"{service}.{table}.{column}: column not on the allowlist"
                for column in columns
                if column not in allowed[table]
            )
            problems.extend(
                f"{service}.{table}.{column}: on the allowlist but not in the database (stale entry)"
                for column in allowed[table]
                if column not in columns
            )
    problems.extend(
        f"{service}.{table}: on the allowlist but not in the database (stale entry)"
        for table in allowed
        if table not in dump.columns
    )
    return problems


def _check_ciphertext(service: str, dump: DatabaseDump) -> tuple[list[str], int]:
    """Every value of a ciphertext column is a cryppo string of its strategy; returns problems and how
    many values were checked."""
    problems: list[str] = []
    checked = 0
    for (table, column), strategy in CIPHERTEXT[service].items():
        index = dump.columns[table].index(column)
        for row in dump.rows[table]:
            value = row[index]
            if value is None:
                continue
            checked += 1
            if not crypto.is_encrypted(cell_bytes(value).decode("utf-8", "replace"), strategy):
                problems.append(f"{service}.{table}.{column}: a value is not a {strategy} cryppo string")
    for (table, column), strategy in JSON_CIPHERTEXT[service].items():
        index = dump.columns[table].index(column)
        for row in dump.rows[table]:
            raw = row[index]
            if raw is None:
                continue
            data = json.loads(raw) if isinstance(raw, str | bytes) else raw
            if not isinstance(data, dict):
                problems.append(f"{service}.{table}.{column}: not a JSON object")
                continue
            for value in data.values():
                checked += 1
                if value is not None and not crypto.is_encrypted(value, strategy):
                    problems.append(f"{service}.{table}.{column}: a value is not a {strategy} cryppo string")
    return problems, checked


def _sqlite_files(settings: Settings) -> list[Path]:
    """Every file SQLite wrote for the two databases: the database, its -wal, -shm and -journal files."""
    files: list[Path] = []
    for url in (settings.keystore_database_url, settings.vault_database_url):
        if url.startswith("sqlite"):
            database = Path(url.split("///", 1)[1])
            files.extend(p for p in database.parent.glob(f"{database.name}*") if p.is_file())
    return files


def _mail_files(mail_dir: Path) -> list[bytes]:
    return [p.read_bytes() for p in sorted(mail_dir.rglob("*")) if p.is_file()]


async def test_no_canary_and_no_client_key_reaches_a_database_a_mail_or_a_log(
    server: tuple[httpx.AsyncBaseTransport, object],
    settings: Settings,
    clock: FrozenClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    transport, app = server
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="strongroom")
    worker = MailWorker(app.state.vault.state.sessions, settings, clock=clock)  # type: ignore[attr-defined]
    with capturing_logs() as logs, recording_keys() as recorder:
        session = await _run_session(transport, clock, recorder, worker.run_once)
        assert await worker.run_once() == 0, "a mail was left undelivered"

    readers = {
        "keystore": DatabaseReader(settings.keystore_database_url),
        "vault": DatabaseReader(settings.vault_database_url),
    }
    try:
        dumps = {service: await reader.dump() for service, reader in readers.items()}
    finally:
        for reader in readers.values():
            await reader.aclose()

    problems: list[str] = []
    for service, dump in dumps.items():
        problems.extend(_check_columns(service, dump))
        ciphertext_problems, checked = _check_ciphertext(service, dump)
        problems.extend(ciphertext_problems)
        assert checked > 0, f"no ciphertext found in the {service} database: the audit read nothing"
        cells = dump.cells()
        problems.extend(f"{service} database: {hit}" for hit in session.needles.found_in_cells(cells))
        problems.extend(f"{service} database: {hit}" for hit in session.tokens.found_in_cells(cells))
        # Delivered mails have their bodies blanked, so no invitation token stays in the database.
        problems.extend(
            f"{service} database: {hit}" for hit in session.invitation_tokens.found_in_cells(cells)
        )

    # The audit can see: what the server may know is in the dumps (so an empty dump cannot pass).
    vault_text = b"\n".join(v for _, _, v in dumps["vault"].cells())
    assert b"Alice's car" in vault_text
    assert b"bob@example.test" in vault_text

    # The files themselves, WAL and journals included, while the server still runs: a value deleted or
    # overwritten (a blanked mail body) must not survive in free space or in an older page of the log.
    files = _sqlite_files(settings)
    assert files or not settings.vault_database_url.startswith("sqlite"), "no database file found"
    for path in files:
        assert path.stat().st_mode & 0o077 == 0, f"{path.name} is readable by others"
        data = path.read_bytes()
        for needles in (session.needles, session.tokens, session.invitation_tokens):
            problems.extend(f"file {path.name}: {hit}" for hit in needles.found_in(data))

    mails = _mail_files(settings.resolved_mail_dir)
    assert len(mails) == session.mails_delivered
    for index, mail in enumerate(mails):
        problems.extend(f"mail #{index}: {hit}" for hit in session.needles.found_in(mail))
        problems.extend(f"mail #{index}: {hit}" for hit in session.tokens.found_in(mail))

    logged = logs.by_logger()
    logged["(caplog)"] = caplog.text.encode("utf-8", "replace")
    assert b'"route": "/srp/session"' in logged.get("strongroom.access", b""), (
        "the log audit saw no access log"
    )
    for logger, text in logged.items():
        for needles in (session.needles, session.tokens, session.invitation_tokens):
            problems.extend(f"log of {logger}: {hit}" for hit in needles.found_in(text))

    assert problems == []
