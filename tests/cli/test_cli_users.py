"""``strongroom users``: auth files with mode 0600, log in again, errors as one line with an exit code."""

from __future__ import annotations

import socket
import stat
from pathlib import Path

import yaml

from strongroom import crypto
from tests.cli.conftest import PASSPHRASE, Cli


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_create_writes_a_private_auth_file_and_get_shows_the_user(cli: Cli) -> None:
    created = cli("users", "create", "-o", ".alice.yaml", "--name", "Alice", "--email", "alice@example.test")
    assert created.code == 0, created.stderr
    assert created.stdout == ""
    assert "mode 0600" in created.stderr
    auth = Path(".alice.yaml")
    assert mode(auth) == 0o600
    document = yaml.safe_load(auth.read_text())
    assert document["kind"] == "Authentication"
    username = document["metadata"]["username"]
    assert crypto.parse_secret_key(document["spec"]["secret_key"]).username == username
    assert "passphrase" not in document["spec"]
    assert PASSPHRASE not in auth.read_text()

    shown = cli("users", "get", "-a", ".alice.yaml")
    assert shown.code == 0, shown.stderr
    user = yaml.safe_load(shown.stdout)
    assert user["kind"] == "User"
    assert user["spec"]["username"] == username
    assert user["spec"]["full_name"] == "Alice"


def test_create_to_stdout_prints_the_auth_document(cli: Cli) -> None:
    created = cli("users", "create", "-o", "-", "--save-passphrase")
    assert created.code == 0, created.stderr
    document = yaml.safe_load(created.stdout)
    assert document["kind"] == "Authentication"
    assert document["spec"]["passphrase"] == PASSPHRASE
    assert "keep it private" in created.stderr


def test_passphrase_can_come_from_stdin(cli: Cli) -> None:
    created = cli("users", "create", "-o", "u.yaml", input="piped passphrase\n", passphrase=None)
    assert created.code == 0, created.stderr
    shown = cli("users", "get", "-a", "u.yaml", input="piped passphrase\n", passphrase=None)
    assert shown.code == 0, shown.stderr
    wrong = cli("users", "get", "-a", "u.yaml", input="another one\n", passphrase=None)
    assert wrong.code == 3
    assert "wrong passphrase" in one_error_line(wrong.stderr)


def test_wrong_passphrase_is_one_line_with_exit_code_3(cli: Cli) -> None:
    assert cli("users", "create", "-o", "me.yaml").code == 0
    result = cli("users", "get", "-a", "me.yaml", passphrase="not it")
    assert result.code == 3
    assert result.stdout == ""
    assert "wrong passphrase" in one_error_line(result.stderr)
    relogin = cli("users", "login", "-a", "me.yaml", passphrase="not it")
    assert relogin.code == 3
    assert "wrong passphrase" in one_error_line(relogin.stderr)


def test_revoked_session_names_the_login_command_and_login_restores_it(cli: Cli) -> None:
    assert cli("users", "create", "-o", "me.yaml").code == 0
    before = yaml.safe_load(Path("me.yaml").read_text())
    logged_out = cli("users", "logout", "-a", "me.yaml")
    assert logged_out.code == 0, logged_out.stderr
    assert yaml.safe_load(Path("me.yaml").read_text())["spec"]["vault_access_token"] is None

    # Put the old (now revoked) tokens back: the server refuses them.
    Path("me.yaml").write_text(yaml.safe_dump(before))
    refused = cli("items", "list", "-a", "me.yaml")
    assert refused.code == 3
    line = one_error_line(refused.stderr)
    assert "expired or was revoked" in line
    assert "strongroom users login -a me.yaml" in line

    again = cli("users", "login", "-a", "me.yaml")
    assert again.code == 0, again.stderr
    assert mode(Path("me.yaml")) == 0o600
    assert cli("items", "list", "-a", "me.yaml").code == 0


def test_login_on_a_new_device_from_the_secret_key(cli: Cli) -> None:
    assert cli("users", "create", "-o", "first.yaml").code == 0
    secret = yaml.safe_load(Path("first.yaml").read_text())["spec"]["secret_key"]
    on_the_line = cli("users", "login", "-a", "second.yaml", "--secret-key", secret)
    assert on_the_line.code == 2  # never on the command line (shell history, ps)
    assert not Path("second.yaml").exists()
    # The secret key comes from the hidden prompt: here the first line of piped stdin.
    result = cli("users", "login", "-a", "second.yaml", input=secret + "\n")
    assert result.code == 0, result.stderr
    assert secret not in result.stderr
    assert mode(Path("second.yaml")) == 0o600
    assert yaml.safe_load(Path("second.yaml").read_text())["spec"]["secret_key"] == secret


def test_missing_auth_file_says_how_to_make_one(cli: Cli) -> None:
    result = cli("items", "list", "-a", "nobody.yaml")
    assert result.code == 2
    assert "strongroom users create" in one_error_line(result.stderr)


def test_malformed_auth_file_names_the_line(cli: Cli) -> None:
    Path("bad.yaml").write_text("kind: Authentication\nspec:\n  secret_key: [unclosed\n")
    result = cli("users", "get", "-a", "bad.yaml")
    assert result.code == 2
    line = one_error_line(result.stderr)
    assert "bad.yaml:" in line
    assert "malformed YAML" in line


def test_unreachable_server_names_the_url(cli: Cli) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    result = cli("users", "create", "-o", "x.yaml", "--url", url, url=False)
    assert result.code == 4
    line = one_error_line(result.stderr)
    assert f"{url}/keystore" in line
    assert not Path("x.yaml").exists()


def test_create_refuses_to_overwrite_an_auth_file(cli: Cli) -> None:
    assert cli("users", "create", "-o", "keep.yaml").code == 0
    before = Path("keep.yaml").read_text()
    again = cli("users", "create", "-o", "keep.yaml")
    assert again.code == 2
    assert "--force" in one_error_line(again.stderr)
    assert Path("keep.yaml").read_text() == before
    assert cli("users", "login", "-a", "keep.yaml").code == 0  # logs in as the file's own account
    assert (
        yaml.safe_load(Path("keep.yaml").read_text())["spec"]["secret_key"]
        == (yaml.safe_load(before)["spec"]["secret_key"])
    )
