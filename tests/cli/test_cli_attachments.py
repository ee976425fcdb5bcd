"""``strongroom items get-attachment`` and ``strongroom shares get-attachment`` against a real server,
in-process: the owner and the recipient each get the file back byte for byte, and a slot that is not there or
holds no attachment is refused with one error line, exit 1 and nothing written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from tests.cli.test_cli_fingerprints import connected
from tests.cli.test_cli_sharing import make_card, spec
from tests.cli.test_cli_users import one_error_line

CONTENT = b"attached " + os.urandom(3000)


@pytest.fixture
def shared(cli: Cli) -> str:
    """Alice's card Locker (a note slot and a file in slot ``contract``), shared with Bob; the share's id."""
    alice_conn, _ = connected(cli)
    card = make_card(cli, "alice.yaml")
    Path("contract.bin").write_bytes(CONTENT)
    attached = cli(
        "items", "attach-file", card, "--file", "contract.bin", "--label", "Contract", "-a", "alice.yaml"
    )
    assert attached.code == 0, attached.stderr
    assert "contract" in {s["name"] for s in spec(attached.stdout, "Item")["slots"]}
    config = cli("shares", "create-config", "--item-id", card, "--connection-id", alice_conn)
    assert config.code == 0, config.stderr
    Path("share.yaml").write_text(config.stdout)
    created = cli("shares", "create", "-c", "share.yaml", "-a", "alice.yaml")
    assert created.code == 0, created.stderr
    return str(spec(created.stdout, "Share")["id"])


def test_owner_and_recipient_get_the_file(cli: Cli, shared: str) -> None:
    own = cli("items", "get-attachment", "Locker", "--slot", "contract", "-o", "mine.bin", "-a", "alice.yaml")
    assert own.code == 0, own.stderr
    assert spec(own.stdout, "Attachment") == {"path": "mine.bin", "size": len(CONTENT)}
    assert Path("mine.bin").read_bytes() == CONTENT

    got = cli("shares", "get-attachment", shared, "--slot", "contract", "-o", "bob.bin", "-a", "bob.yaml")
    assert got.code == 0, got.stderr
    assert spec(got.stdout, "Attachment") == {"path": "bob.bin", "size": len(CONTENT)}
    assert Path("bob.bin").read_bytes() == CONTENT


@pytest.mark.parametrize(
    ("slot", "problem"),
    [("nope", "{where} has no slot 'nope'"), ("note", "slot 'note' of {where} holds no attachment")],
)
def test_a_slot_without_a_file_is_refused(cli: Cli, shared: str, slot: str, problem: str) -> None:
    own = cli("items", "get-attachment", "Locker", "--slot", slot, "-o", "x.bin", "-a", "alice.yaml")
    assert own.code == 1
    assert one_error_line(own.stderr) == f"error: {problem.format(where='card Locker')}"

    got = cli("shares", "get-attachment", shared, "--slot", slot, "-o", "x.bin", "-a", "bob.yaml")
    assert got.code == 1
    assert one_error_line(got.stderr) == f"error: {problem.format(where=f'share {shared}')}"
    assert not Path("x.bin").exists()
