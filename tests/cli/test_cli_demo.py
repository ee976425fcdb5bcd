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
        "[Sign up, step 8]",
        "[Invitation, step 7–9]",
        "[Acceptance, step 15–16]",
        "[Creating the share, step 30–31]",
        "[Reading the share, step 37–38]",
        "The Vault mailed Bob",
        "they match",
        "the spare key is in the glovebox",
        "Aes256Gcm.",
        "no longer available",
    ):
        assert marker in out, marker
    # The mail really went through the maildir of the embedded server's data folder.
    assert any((data_dir / "mail" / "new").iterdir())
