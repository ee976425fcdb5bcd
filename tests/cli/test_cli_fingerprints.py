"""``strongroom connections verify --their-key``: the fingerprint the other person reads out must be the key
the Vault gives you for them; any mismatch exits 1."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Cli
from tests.cli.test_cli_sharing import spec
from tests.cli.test_cli_users import one_error_line


def test_verify_with_their_key_exits_1_on_a_mismatch(cli: Cli) -> None:
    assert cli("users", "create", "-o", "alice.yaml").code == 0
    assert cli("users", "create", "-o", "bob.yaml").code == 0
    Path("c.yaml").write_text(
        cli("connections", "create-config", "--from", "alice.yaml", "--to", "bob.yaml").stdout
    )
    pair = spec(cli("connections", "create", "-c", "c.yaml").stdout, "Connection")
    alice_conn, bob_conn = pair["from"]["connection"]["id"], pair["to"]["connection"]["id"]
    bobs_key = spec(
        cli("connections", "verify", bob_conn, "-a", "bob.yaml").stdout, "ConnectionFingerprints"
    )["your_key"]

    heard = bobs_key.replace(" ", "-")  # read out over the phone, written down with dashes
    checked = cli("connections", "verify", alice_conn, "--their-key", heard, "-a", "alice.yaml")
    assert checked.code == 0, checked.stderr
    assert spec(checked.stdout, "ConnectionFingerprints")["their_key_matches"] is True

    wrong = ("1" if bobs_key[0] != "1" else "2") + bobs_key[1:]
    refused = cli("connections", "verify", alice_conn, "--their-key", wrong, "-a", "alice.yaml")
    assert refused.code == 1
    assert spec(refused.stdout, "ConnectionFingerprints")["their_key_matches"] is False
    assert "do not share over this connection" in one_error_line(refused.stderr)
