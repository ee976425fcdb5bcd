"""``strongroom connections``, ``shares`` and ``client-tasks`` against a real server, in-process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from tests.cli.conftest import Cli, Server
from tests.cli.test_cli_users import one_error_line


def spec(text: str, kind: str) -> Any:
    document = yaml.safe_load(text)
    assert document["kind"] == kind, text
    return document["spec"]


def make_card(cli: Cli, auth: str) -> str:
    Path("card.yaml").write_text(
        yaml.safe_dump(
            {
                "kind": "Item",
                "metadata": {"template": "note"},
                "spec": {"label": "Locker", "slots": [{"name": "note", "value": "code 1234"}]},
            }
        )
    )
    created = cli("items", "create", "-i", "card.yaml", "-a", auth)
    assert created.code == 0, created.stderr
    return str(spec(created.stdout, "Item")["id"])


def test_connect_two_local_users_verify_share_accept_update_revoke(cli: Cli) -> None:
    assert cli("users", "create", "-o", "alice.yaml", "--name", "Alice").code == 0
    assert cli("users", "create", "-o", "bob.yaml", "--name", "Bob").code == 0

    config = cli("connections", "create-config", "--from", "alice.yaml", "--to", "bob.yaml")
    assert config.code == 0, config.stderr
    Path("connection.yaml").write_text(config.stdout)
    made = cli("connections", "create", "-c", "connection.yaml")
    assert made.code == 0, made.stderr
    pair = spec(made.stdout, "Connection")
    alice_conn = pair["from"]["connection"]["id"]
    bob_conn = pair["to"]["connection"]["id"]

    alice_view = spec(
        cli("connections", "verify", alice_conn, "-a", "alice.yaml").stdout, "ConnectionFingerprints"
    )
    bob_view = spec(cli("connections", "verify", bob_conn, "-a", "bob.yaml").stdout, "ConnectionFingerprints")
    assert alice_view["their_key"] == bob_view["your_key"]
    assert alice_view["your_key"] == bob_view["their_key"]
    assert alice_view["vault_agrees"] is True
    listed = spec(cli("connections", "list", "-a", "bob.yaml").stdout, "Connections")
    assert [c["id"] for c in listed] == [bob_conn]

    card_id = make_card(cli, "alice.yaml")
    share_config = cli(
        "shares",
        "create-config",
        "--item-id",
        card_id,
        "--connection-id",
        alice_conn,
        "--terms",
        "No copies.",
        "--expires-in",
        "7d",
    )
    assert share_config.code == 0, share_config.stderr
    Path("share.yaml").write_text(share_config.stdout)
    created = cli("shares", "create", "-c", "share.yaml", "-a", "alice.yaml")
    assert created.code == 0, created.stderr
    share_id = spec(created.stdout, "Share")["id"]

    incoming = json.loads(cli("shares", "list", "--incoming", "--output", "json", "-a", "bob.yaml").stdout)
    assert [s["id"] for s in incoming["spec"]] == [share_id]
    assert cli("shares", "list", "--outgoing", "-a", "bob.yaml").stdout.count("id:") == 0

    blocked = cli("shares", "get", share_id, "-a", "bob.yaml")
    assert blocked.code == 1
    assert f"strongroom shares accept {share_id}" in one_error_line(blocked.stderr)

    declined = cli("shares", "accept", share_id, "-a", "bob.yaml", input="n\n")
    assert declined.code == 0, declined.stderr  # declining is an answer, not an error
    assert "No copies." in declined.stderr
    assert "nothing changed" in declined.stderr
    assert "error:" not in declined.stderr
    assert cli("shares", "get", share_id, "-a", "bob.yaml").code == 1

    accepted = cli("shares", "accept", share_id, "-a", "bob.yaml", input="y\n")
    assert accepted.code == 0, accepted.stderr
    assert spec(accepted.stdout, "Share")["acceptance"] == "accepted"
    assert "Reads of a share's values are recorded" in accepted.stderr
    read = spec(cli("shares", "get", share_id, "-a", "bob.yaml").stdout, "SharedItem")
    assert {s["name"]: s["value"] for s in read["slots"]} == {"note": "code 1234"}

    Path("edit.yaml").write_text(
        yaml.safe_dump(
            {"kind": "Item", "spec": {"id": card_id, "slots": [{"name": "note", "value": "code 9876"}]}}
        )
    )
    edited = cli("items", "update", "-i", "edit.yaml", "-a", "alice.yaml")
    assert edited.code == 0, edited.stderr
    assert "Updated 1 share(s)." in edited.stderr  # the edit is carried to Bob at once
    read = spec(cli("shares", "get", share_id, "-a", "bob.yaml").stdout, "SharedItem")
    assert read["slots"][0]["value"] == "code 9876"

    Path("edit.yaml").write_text(
        yaml.safe_dump(
            {"kind": "Item", "spec": {"id": "Locker", "slots": [{"name": "note", "value": "code 5555"}]}}
        )
    )
    later = cli("items", "update", "-i", "edit.yaml", "--no-propagate", "-a", "alice.yaml")
    assert later.code == 0, later.stderr
    assert "client-tasks run" in later.stderr
    read = spec(cli("shares", "get", share_id, "-a", "bob.yaml").stdout, "SharedItem")
    assert read["slots"][0]["value"] == "code 9876"  # not carried yet
    todo = spec(cli("client-tasks", "list", "--state", "todo", "-a", "alice.yaml").stdout, "ClientTasks")
    assert [t["work_type"] for t in todo] == ["update_shares"]
    ran = cli("client-tasks", "run", "-a", "alice.yaml")
    assert ran.code == 0, ran.stderr
    assert [r["updated_shares"] for r in spec(ran.stdout, "ClientTaskRuns")] == [1]
    assert cli("shares", "get", "Locker", "--field", "note", "-a", "bob.yaml").stdout == "code 5555\n"

    updated = cli("shares", "update", share_id, "--no-expiry", "-a", "alice.yaml")
    assert updated.code == 0, updated.stderr
    assert spec(updated.stdout, "Share")["expires_at"] is None

    seen = spec(cli("shares", "events", share_id, "-a", "alice.yaml").stdout, "ShareEvents")
    bob_id = yaml.safe_load(cli("users", "get", "-a", "bob.yaml").stdout)["spec"]["id"]
    assert seen["events"]
    assert {e["reader_id"] for e in seen["events"]} == {bob_id}
    assert cli("shares", "events", share_id, "-a", "bob.yaml").code == 1

    assert cli("shares", "delete", share_id, "-y", "-a", "alice.yaml").code == 0
    revoked = cli("shares", "get", share_id, "-a", "bob.yaml")
    assert revoked.code == 1
    assert "expired or was revoked" in one_error_line(revoked.stderr)


def test_worker_delivers_the_invitation_and_accept_reads_the_mail(cli: Cli, server: Server) -> None:
    assert cli("users", "create", "-o", "carol.yaml").code == 0
    assert cli("users", "create", "-o", "dave.yaml").code == 0
    invited = cli("connections", "invite", "--email", "dave@example.test", "-a", "carol.yaml")
    assert invited.code == 0, invited.stderr
    invitation = spec(invited.stdout, "Invitation")
    # This module's server runs no mail worker: `strongroom worker` on the same data folder delivers it.
    mail = run_worker_until_mail(server.data_dir, "dave@example.test")
    assert invitation["token"] in mail.read_text()
    accepted = cli("connections", "accept", "--mail", str(mail), "--nickname", "Carol", "-a", "dave.yaml")
    assert accepted.code == 0, accepted.stderr
    assert spec(accepted.stdout, "Connection")["nickname"] == "Carol"
    again = cli("connections", "accept", "--mail", str(mail), "-a", "dave.yaml")
    assert again.code == 1
    assert "invitation" in one_error_line(again.stderr)


def run_worker_until_mail(data_dir: Path, recipient: str, patience: float = 90.0) -> Path:
    """Run ``strongroom worker --data-dir`` until a mail to ``recipient`` is in the maildir, then stop it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRONGROOM_")}
    env["STRONGROOM_MAIL_POLL_INTERVAL"] = "0.2"
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "strongroom"), "worker", "--data-dir", str(data_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        deadline = time.monotonic() + patience
        while time.monotonic() < deadline:
            for path in sorted((data_dir / "mail" / "new").glob("*")):
                if recipient in path.read_text(errors="replace"):
                    return path
            assert worker.poll() is None, worker.stderr.read() if worker.stderr else b""
            time.sleep(0.2)
        raise AssertionError(f"the worker delivered no mail to {recipient}")
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def test_share_config_errors_are_clear(cli: Cli) -> None:
    assert cli("users", "create", "-o", "erin.yaml").code == 0
    Path("bad-share.yaml").write_text("kind: Share\nspec:\n  connection_id: x\n")
    result = cli("shares", "create", "-c", "bad-share.yaml", "-a", "erin.yaml")
    assert result.code == 2
    assert "exactly one of item_id and share_id" in one_error_line(result.stderr)
    duration = cli(
        "shares", "create-config", "--item-id", "x", "--connection-id", "y", "--expires-in", "soon"
    )
    assert duration.code == 2
    assert "not a duration" in one_error_line(duration.stderr)
