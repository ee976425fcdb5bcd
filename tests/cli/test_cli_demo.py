"""``strongroom demo`` walks the guide on its own embedded server; ciphertext shown beside plaintext."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from strongroom.cli import app
from tests.client.keypool import use_key_pool


def test_demo_walks_the_guide_and_shows_what_the_vault_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_key_pool(monkeypatch)
    for name in ("STRONGROOM_URL", "STRONGROOM_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    data_dir = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", "--data-dir", str(data_dir)], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    for marker in (
        "[Setting Up Access guide, step 8]",
        "[Connections and Sharing guide, step 7–9]",
        "[Connections and Sharing guide, step 15–16]",
        "[Connections and Sharing guide, step 30–31]",
        "[Connections and Sharing guide, step 37–38]",
        "$ strongroom --profile alice users create --name Alice",
        "$ strongroom --profile bob connections accept --url http://127.0.0.1:",
        "$ strongroom connections verify Bob",
        "$ strongroom shares create -c share.yaml",
        "The Vault mailed Bob",
        "Carol reads",
        "they match",
        "the spare key is in the glovebox",
        "Aes256Gcm.",
        "Carol's next read: the share is no longer available",
    ):
        assert marker in out, marker
    # Each flow's steps print in the guide's order (step 6's key pair is made while steps 2–5 run).
    alice_sign_up = [
        line.split("step ")[1].split("]")[0]
        for line in out.splitlines()
        if line.lstrip().startswith("Alice [Setting Up Access guide")
    ]
    assert alice_sign_up == sorted(alice_sign_up, key=lambda n: int(n.split("–")[0]))
    assert alice_sign_up[0] == "1"
    assert ":0 " not in out  # the mail cites the port the server really listens on
    assert out.index("Sign up") < out.index("Invitation to connect") < out.index("On-sharing")
    # The mail really went through the maildir of the embedded server's data folder.
    assert any((data_dir / "mail" / "new").iterdir())
