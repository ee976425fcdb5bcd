"""``strongroom users change-passphrase | rotate-secret-key | rotate-keys | delete`` against a real server."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from strongroom.cli._auth import load_auth, write_auth
from strongroom.client import Strongroom
from tests.cli.conftest import PASSPHRASE, Cli
from tests.cli.test_cli_users import one_error_line

NEW = "a new cli passphrase"


@pytest.fixture
def user(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An account whose auth file is ``.user.yaml`` here, named by ``STRONGROOM_AUTH`` for every command."""
    assert cli("users", "create", "-o", ".user.yaml").code == 0
    monkeypatch.setenv("STRONGROOM_AUTH", str(Path(".user.yaml").resolve()))
    Path("car.yaml").write_text(
        yaml.safe_dump(
            {
                "kind": "Item",
                "metadata": {"template": "vehicle"},
                "spec": {"label": "My car", "slots": [{"name": "vin", "value": "VIN-42"}]},
            }
        )
    )
    assert cli("items", "create", "-i", "car.yaml").code == 0
    return Path(".user.yaml")


def _vin(cli: Cli, passphrase: str = PASSPHRASE) -> str:
    listed = cli("items", "list", "--reveal", "--output", "json", passphrase=passphrase)
    assert listed.code == 0, listed.stderr
    return str(listed.stdout)


def test_change_passphrase(cli: Cli, user: Path) -> None:
    same = cli("users", "change-passphrase", env={"STRONGROOM_NEW_PASSPHRASE": PASSPHRASE})
    assert same.code == 2
    one_error_line(same.stderr)
    changed = cli("users", "change-passphrase", "--log-out-others", env={"STRONGROOM_NEW_PASSPHRASE": NEW})
    assert changed.code == 0, changed.stderr
    assert "Changed the passphrase" in changed.stderr
    old = cli("users", "get")
    assert old.code == 3
    assert "wrong passphrase" in one_error_line(old.stderr)
    assert "VIN-42" in _vin(cli, NEW)
    # Piped: the new passphrase is one line of stdin.
    piped = cli("users", "change-passphrase", input="third passphrase\n", passphrase=NEW)
    assert piped.code == 0, piped.stderr
    assert cli("users", "get", passphrase="third passphrase").code == 0


def test_rotate_secret_key_writes_and_shows_the_new_key(cli: Cli, user: Path) -> None:
    old = load_auth(user).secret_key
    rotated = cli("users", "rotate-secret-key")
    assert rotated.code == 0, rotated.stderr
    new = rotated.stdout.strip()
    auth = load_auth(user)
    assert auth.secret_key == new != old
    assert auth.pending_secret_key is None
    assert "VIN-42" in _vin(cli)
    login_old = cli("users", "login", "-a", "old-device.yaml", input=f"{old}\n")  # a new device
    assert login_old.code == 3


def test_an_interrupted_secret_key_rotation_keeps_the_key_that_works(cli: Cli, user: Path) -> None:
    """The new key was saved as pending and the Keystore switched, but the auth file was not finished:
    the next command opens the account with the pending key and makes it the secret key."""
    auth = load_auth(user)

    async def switch() -> str:
        async with Strongroom(keystore_url=auth.keystore_url or "", vault_url=auth.vault_url or "") as client:
            credentials = auth.credentials
            assert credentials is not None
            await client.resume(credentials, PASSPHRASE)
            new = client.new_secret_key()
            await client.rotate_secret_key(PASSPHRASE, new)
            return new

    new = asyncio.run(switch())
    write_auth(replace(auth, pending_secret_key=new), user)
    assert "VIN-42" in _vin(cli)
    assert load_auth(user).secret_key == new
    assert load_auth(user).pending_secret_key is None
    # And a pending key the Keystore never saw changes nothing.
    write_auth(replace(load_auth(user), pending_secret_key=auth.secret_key), user)
    assert "VIN-42" in _vin(cli)
    assert load_auth(user).secret_key == new


def test_rotate_keys(cli: Cli, user: Path) -> None:
    rotated = cli("users", "rotate-keys")
    assert rotated.code == 0, rotated.stderr
    assert "keys re-wrapped" in rotated.stderr
    assert "VIN-42" in _vin(cli)


def test_delete_asks_and_a_no_changes_nothing(cli: Cli, user: Path) -> None:
    declined = cli("users", "delete", input="n\n")
    assert declined.code == 0, declined.stderr
    assert "nothing was deleted" in declined.stderr
    assert cli("users", "get").code == 0
    secret_key = load_auth(user).secret_key
    deleted = cli("users", "delete", "-y")
    assert deleted.code == 0, deleted.stderr
    assert not user.exists()
    again = cli("users", "login", input=f"{secret_key}\n")  # the auth file is gone: a new device
    assert again.code == 3


def test_export_and_import_into_another_account(cli: Cli, user: Path) -> None:
    env = {"STRONGROOM_EXPORT_PASSPHRASE": "backup passphrase"}
    exported = cli("export", "-o", "backup.srx", env=env)
    assert exported.code == 0, exported.stderr
    assert "1 cards" in exported.stderr
    assert Path("backup.srx").stat().st_mode & 0o777 == 0o600
    assert b"VIN-42" not in Path("backup.srx").read_bytes()
    again = cli("export", "-o", "backup.srx", env=env)
    assert again.code == 2
    one_error_line(again.stderr)

    assert cli("users", "create", "-o", "other.yaml").code == 0
    wrong = cli(
        "import", "-i", "backup.srx", "-a", "other.yaml", env={"STRONGROOM_EXPORT_PASSPHRASE": "nope"}
    )
    assert wrong.code == 1
    assert "wrong export passphrase" in one_error_line(wrong.stderr)
    assert "VIN-42" not in cli("items", "list", "--reveal", "--output", "json", "-a", "other.yaml").stdout
    Path("cut.srx").write_bytes(Path("backup.srx").read_bytes()[:-3])
    cut = cli("import", "-i", "cut.srx", "-a", "other.yaml", env=env)
    assert cut.code == 1
    assert "truncated" in one_error_line(cut.stderr)
    imported = cli("import", "-i", "backup.srx", "-a", "other.yaml", env=env)
    assert imported.code == 0, imported.stderr
    assert "Imported 1 cards" in imported.stderr
    assert "VIN-42" in cli("items", "list", "--reveal", "--output", "json", "-a", "other.yaml").stdout


def test_invitations_profile_and_custom_templates(cli: Cli, user: Path) -> None:
    invited = cli("connections", "invite", "--nickname", "Someone", "--email", "someone@example.test")
    assert invited.code == 0, invited.stderr
    listed = yaml.safe_load(cli("invitations", "list").stdout)
    assert listed["kind"] == "Invitations"
    [invitation] = listed["spec"]
    assert "token" not in invitation
    declined = cli("invitations", "delete", invitation["id"], input="n\n")
    assert declined.code == 0
    assert len(yaml.safe_load(cli("invitations", "list").stdout)["spec"]) == 1
    assert cli("invitations", "delete", invitation["id"], "-y").code == 0
    assert yaml.safe_load(cli("invitations", "list").stdout)["spec"] == []

    updated = cli("users", "update", "--name", "Alice Liddell", "--email", "alice@example.test")
    assert updated.code == 0, updated.stderr
    assert yaml.safe_load(cli("users", "get").stdout)["spec"]["full_name"] == "Alice Liddell"
    assert cli("users", "update").code == 2

    Path("wifi.yaml").write_text(
        yaml.safe_dump(
            {
                "kind": "Template",
                "spec": {
                    "label": "Wi-Fi",
                    "slots": [{"name": "ssid", "label": "SSID"}, {"name": "psk", "label": "Key"}],
                },
            }
        )
    )
    made = cli("templates", "create", "-i", "wifi.yaml")
    assert made.code == 0, made.stderr
    assert yaml.safe_load(made.stdout)["spec"]["name"] == "wi_fi"
    assert cli("templates", "info", "wi_fi").code == 0
    Path("bad.yaml").write_text(yaml.safe_dump({"kind": "Template", "spec": {"slots": []}}))
    bad = cli("templates", "create", "-i", "bad.yaml")
    assert bad.code == 2
    assert "spec.label" in one_error_line(bad.stderr)
