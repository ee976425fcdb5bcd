"""The ``strongroom`` command as a person runs it, against a real ``strongroom serve`` process: three users,
an invitation taken from the delivered mail, shares of a whole card and of one slot, terms and acceptance,
expiry, on-sharing and its limits, an owner edit carried by client tasks, revocation, and the error lines."""

from __future__ import annotations

import shlex
import socket
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.conftest import Run, Shell

pytestmark = pytest.mark.e2e


def spec(run: Run, kind: str) -> Any:
    assert run.code == 0, run.stderr
    document = yaml.safe_load(run.stdout)
    assert document["kind"] == kind, run.stdout
    return document["spec"]


def wait_for_mail(folder: Path, recipient: str, patience: float = 60.0) -> str:
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        for path in sorted((folder / "new").glob("*")) if (folder / "new").exists() else []:
            text = path.read_text(encoding="utf-8", errors="replace")
            if recipient in text:
                return text
        time.sleep(0.2)
    raise AssertionError(f"no mail to {recipient} in {folder}")


@dataclass(frozen=True)
class World:
    """Alice, Bob and Carol: Alice–Bob connected by a mailed invitation, the others in one go each."""

    shell: Shell
    mail: str
    alice_bob: str
    bob_alice: str
    alice_carol: str
    carol_alice: str
    bob_carol: str


def connect_locally(shell: Shell, first: str, second: str) -> tuple[str, str]:
    config = shell("connections", "create-config", "--from", first, "--to", second)
    assert config.code == 0, config.stderr
    path = shell.folder / f"connection-{Path(first).stem}-{Path(second).stem}.yaml"
    path.write_text(config.stdout)
    pair = spec(shell("connections", "create", "-c", path.name), "Connection")
    return pair["from"]["connection"]["id"], pair["to"]["connection"]["id"]


@pytest.fixture(scope="module")
def world(shell: Shell) -> World:
    for name in ("alice", "bob", "carol"):
        created = shell(
            "users", "create", "-o", f"{name}.yaml", "--name", name.title(), "--email", f"{name}@example.test"
        )
        assert created.code == 0, created.stderr
        assert created.stdout == ""
        assert stat.S_IMODE((shell.folder / f"{name}.yaml").stat().st_mode) == 0o600

    invitation = spec(
        shell(
            "connections", "invite", "--email", "bob@example.test", "--nickname", "Bob", "-a", "alice.yaml"
        ),
        "Invitation",
    )
    mail = wait_for_mail(shell.server.mail_dir, "bob@example.test")
    command = next(line.strip() for line in mail.splitlines() if "strongroom connections accept" in line)
    assert invitation["token"] in command
    assert f"--url {shell.server.url} " in command
    # Bob runs exactly what the mail says (his auth file named by STRONGROOM_AUTH, not by a flag).
    argv = shlex.split(command)[1:]
    accepted = spec(shell(*argv, url="", env={"STRONGROOM_AUTH": "bob.yaml"}), "Connection")
    assert accepted["nickname"] == "Alice"  # the inviter's name, by default
    bob_alice = accepted["id"]
    alice_bob = next(
        c["id"]
        for c in spec(shell("connections", "list", "-a", "alice.yaml"), "Connections")
        if c["nickname"] == "Bob"
    )
    alice_carol, carol_alice = connect_locally(shell, "alice.yaml", "carol.yaml")
    bob_carol, _ = connect_locally(shell, "bob.yaml", "carol.yaml")
    return World(shell, mail, alice_bob, bob_alice, alice_carol, carol_alice, bob_carol)


def new_card(shell: Shell, auth: str, label: str, slots: dict[str, str]) -> str:
    path = shell.folder / f"item-{label.replace(' ', '-')}.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "kind": "Item",
                "metadata": {"template": "note"},
                "spec": {"label": label, "slots": [{"name": k, "value": v} for k, v in slots.items()]},
            }
        )
    )
    return str(spec(shell("items", "create", "-i", path.name, "-a", auth), "Item")["id"])


def share(
    shell: Shell, auth: str, connection: str, item: str | None = None, parent: str | None = None, **extra: Any
) -> Run:
    """Write a share config (what `shares create-config` prints) and run `shares create -c FILE`."""
    body: dict[str, Any] = {"item_id": item} if item else {"share_id": parent}
    body.update(connection_id=connection, **extra)
    path = shell.folder / f"share-{time.monotonic_ns()}.yaml"
    path.write_text(yaml.safe_dump({"kind": "Share", "spec": body}))
    return shell("shares", "create", "-c", path.name, "-a", auth)


def values(run: Run) -> dict[str, str]:
    return {s["name"]: s["value"] for s in spec(run, "SharedItem")["slots"]}


def test_the_invitation_came_by_mail_and_the_fingerprints_match(world: World) -> None:
    shell = world.shell
    assert "Invitation id:" in world.mail
    mine = spec(shell("connections", "verify", world.alice_bob, "-a", "alice.yaml"), "ConnectionFingerprints")
    theirs = spec(shell("connections", "verify", world.bob_alice, "-a", "bob.yaml"), "ConnectionFingerprints")
    assert mine["their_key"] == theirs["your_key"]
    assert mine["your_key"] == theirs["their_key"]
    table = shell("connections", "list", "--output", "table", "-a", "bob.yaml")
    assert table.code == 0
    [row] = [line for line in table.stdout.splitlines() if " Alice " in line]
    shown = row.split()[0]  # the shortest prefix that tells Bob's connections apart
    assert world.bob_alice.startswith(shown)
    assert spec(shell("connections", "get", shown, "-a", "bob.yaml"), "Connection")["id"] == world.bob_alice


def test_whole_card_with_terms_needs_acceptance(world: World) -> None:
    shell = world.shell
    card = new_card(shell, "alice.yaml", "Gate code", {"note": "4321", "hint": "birthday"})
    made = share(shell, "alice.yaml", world.alice_bob, item=card, terms="Only for the dog sitter.")
    share_id = spec(made, "Share")["id"]

    hidden = shell("shares", "get", share_id, "-a", "bob.yaml")
    assert hidden.code == 1
    assert f"strongroom shares accept {share_id}" in hidden.error_line()
    declined = shell("shares", "accept", share_id, "-a", "bob.yaml", input="no\n")
    assert declined.code == 0, declined.stderr
    assert "Only for the dog sitter." in declined.stderr
    assert "nothing changed" in declined.stderr
    assert shell("shares", "get", share_id, "-a", "bob.yaml").code == 1

    accepted = shell("shares", "accept", share_id, "-y", "-a", "bob.yaml")
    assert spec(accepted, "Share")["acceptance"] == "accepted"
    assert values(shell("shares", "get", share_id, "-a", "bob.yaml")) == {"note": "4321", "hint": "birthday"}


def test_one_slot_share_shows_only_that_slot(world: World) -> None:
    shell = world.shell
    card = new_card(shell, "alice.yaml", "Wifi", {"note": "hunter2", "network": "home"})
    config = shell(
        "shares",
        "create-config",
        "--item-id",
        card,
        "--connection-id",
        world.alice_carol,
        "--slot",
        "network",
    )
    assert config.code == 0, config.stderr
    (shell.folder / "wifi-share.yaml").write_text(config.stdout)
    share_id = spec(shell("shares", "create", "-c", "wifi-share.yaml", "-a", "alice.yaml"), "Share")["id"]
    assert values(shell("shares", "get", share_id, "-a", "carol.yaml")) == {"network": "home"}


def test_an_expired_share_is_refused_cleanly(world: World) -> None:
    shell = world.shell
    card = new_card(shell, "alice.yaml", "Short lived", {"note": "soon gone"})
    made = spec(share(shell, "alice.yaml", world.alice_bob, item=card, expires_in="6s"), "Share")
    deadline = time.time() + 8
    while time.time() < deadline:
        time.sleep(0.5)
    expired = shell("shares", "get", made["id"], "-a", "bob.yaml")
    assert expired.code == 1
    assert "expired or was revoked" in expired.error_line()


def test_on_sharing_to_a_third_user_and_its_limits(world: World) -> None:
    shell = world.shell
    card = new_card(shell, "alice.yaml", "Recipe", {"note": "two eggs"})
    closed = spec(share(shell, "alice.yaml", world.alice_bob, item=card), "Share")["id"]
    refused = share(shell, "bob.yaml", world.bob_carol, parent=closed)
    assert refused.code == 1
    assert "share_not_distributable" in refused.error_line()

    card2 = new_card(shell, "alice.yaml", "Recipe two", {"note": "three eggs"})
    parent = spec(
        share(shell, "alice.yaml", world.alice_bob, item=card2, distributable=True, expires_in="2d"),
        "Share",
    )
    too_long = share(shell, "bob.yaml", world.bob_carol, parent=parent["id"], expires_in="30d")
    assert too_long.code == 1
    assert "expires_after_parent" in too_long.error_line()
    onward = spec(share(shell, "bob.yaml", world.bob_carol, parent=parent["id"]), "Share")
    assert onward["distributable"] is False
    assert onward["parent_share_id"] == parent["id"]
    assert values(shell("shares", "get", onward["id"], "-a", "carol.yaml")) == {"note": "three eggs"}
    again = share(shell, "carol.yaml", world.carol_alice, parent=onward["id"])
    assert again.code == 1
    assert "share_not_distributable" in again.error_line()


def test_owner_edit_reaches_both_recipients_through_client_tasks(world: World) -> None:
    shell = world.shell
    card = new_card(shell, "alice.yaml", "Door", {"note": "blue key", "floor": "3"})
    to_bob = spec(share(shell, "alice.yaml", world.alice_bob, item=card), "Share")["id"]
    to_carol = spec(share(shell, "alice.yaml", world.alice_carol, item=card, slot="note"), "Share")["id"]
    assert values(shell("shares", "get", to_bob, "-a", "bob.yaml"))["note"] == "blue key"

    edit = shell.folder / "edit-door.yaml"
    edit.write_text(
        yaml.safe_dump(
            {"kind": "Item", "spec": {"id": card, "slots": [{"name": "note", "value": "red key"}]}}
        )
    )
    edited = shell("items", "update", "-i", edit.name, "-a", "alice.yaml")
    assert edited.code == 0, edited.stderr
    assert "Updated 2 share(s)." in edited.stderr  # carried by the update itself
    assert spec(shell("client-tasks", "list", "--state", "todo", "-a", "alice.yaml"), "ClientTasks") == []
    assert values(shell("shares", "get", to_bob, "-a", "bob.yaml")) == {"note": "red key", "floor": "3"}
    assert values(shell("shares", "get", to_carol, "-a", "carol.yaml")) == {"note": "red key"}


def test_revocation_makes_the_next_read_fail_cleanly(world: World) -> None:
    shell = world.shell
    card = new_card(shell, "alice.yaml", "Old secret", {"note": "forget me"})
    share_id = spec(share(shell, "alice.yaml", world.alice_bob, item=card), "Share")["id"]
    assert values(shell("shares", "get", share_id, "-a", "bob.yaml")) == {"note": "forget me"}
    revoked = shell("shares", "delete", share_id, "-y", "-a", "alice.yaml")
    assert revoked.code == 0, revoked.stderr
    after = shell("shares", "get", share_id, "-a", "bob.yaml")
    assert after.code == 1
    assert after.stdout == ""
    assert "expired or was revoked" in after.error_line()


def test_error_lines(world: World) -> None:
    shell = world.shell
    wrong = shell("items", "list", "-a", "alice.yaml", passphrase="not alice's passphrase")
    assert wrong.code == 3
    assert "wrong passphrase" in wrong.error_line()

    stale = yaml.safe_load((shell.folder / "alice.yaml").read_text())
    stale["spec"]["vault_access_token"] = "vs_not-a-valid-token"
    (shell.folder / "stale.yaml").write_text(yaml.safe_dump(stale))
    expired = shell("items", "list", "-a", "stale.yaml")
    assert expired.code == 3
    assert "strongroom users login -a stale.yaml" in expired.error_line()

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    down = shell("items", "list", "-a", "alice.yaml", url=f"http://127.0.0.1:{port}")
    assert down.code == 4
    assert f"http://127.0.0.1:{port}/" in down.error_line()

    (shell.folder / "broken.yaml").write_text("kind: Item\nspec:\n  id: x\n  slots: [\n")
    broken = shell("items", "update", "-i", "broken.yaml", "-a", "alice.yaml")
    assert broken.code == 2
    assert "broken.yaml:" in broken.error_line()

    no_passphrase = shell("items", "list", "-a", "alice.yaml", passphrase=None)
    assert no_passphrase.code == 3
    assert "STRONGROOM_PASSPHRASE" in no_passphrase.error_line()
