"""Unlock once (``strongroom unlock`` / ``lock``), profiles and auth files under ``$XDG_CONFIG_HOME``, and the
passphrase rules (empty refused, short warned)."""

from __future__ import annotations

import re
import stat
import time
from pathlib import Path

import yaml

from tests.cli.conftest import PASSPHRASE, Cli
from tests.cli.test_cli_users import one_error_line

SESSION = re.compile(r"^export STRONGROOM_SESSION=(v1\.\w+\.[\w-]+)$")


def unlock(cli: Cli, *args: str) -> str:
    result = cli("unlock", *args)
    assert result.code == 0, result.stderr
    found = SESSION.match(result.stdout.strip())
    assert found, result.stdout
    return found.group(1)


def test_unlock_opens_the_account_once_and_lock_ends_it(cli: Cli) -> None:
    assert cli("users", "create").code == 0
    # Without a session and without a passphrase (nothing on stdin) a command cannot open the account.
    asked = cli("items", "list", passphrase=None)
    assert asked.code == 3
    assert "no passphrase given" in one_error_line(asked.stderr)

    value = unlock(cli)
    session = {"STRONGROOM_SESSION": value}
    listed = cli("items", "list", passphrase=None, env=session)
    assert listed.code == 0, listed.stderr
    shown = cli("users", "get", "--output", "json", passphrase=None, env=session)
    assert shown.code == 0, shown.stderr

    # The session file holds neither the passphrase nor the session key; it opens nothing on its own.
    [path] = Path("state/strongroom/sessions").glob("*.json")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert PASSPHRASE not in text
    assert value.rsplit(".", 1)[1] not in text
    forged = value.rsplit(".", 1)[0] + "." + "A" * 43
    refused = cli("items", "list", passphrase=None, env={"STRONGROOM_SESSION": forged})
    assert refused.code == 3
    assert "does not open" in one_error_line(refused.stderr)

    locked = cli("lock", env=session)
    assert locked.code == 0, locked.stderr
    assert locked.stdout.strip() == "unset STRONGROOM_SESSION"
    assert not path.exists()
    after = cli("items", "list", passphrase=None, env=session)
    assert after.code == 3
    assert "strongroom unlock" in one_error_line(after.stderr)


def test_an_unlocked_session_expires(cli: Cli) -> None:
    assert cli("users", "create").code == 0
    value = unlock(cli, "--for", "1s")
    time.sleep(1.2)
    expired = cli("items", "list", passphrase=None, env={"STRONGROOM_SESSION": value})
    assert expired.code == 3
    assert "expired" in one_error_line(expired.stderr)
    bad = cli("unlock", "--for", "soon")
    assert bad.code == 2
    assert "not a duration" in one_error_line(bad.stderr)


def test_a_session_of_another_account_is_not_used(cli: Cli) -> None:
    assert cli("users", "create").code == 0
    assert cli("--profile", "other", "users", "create", passphrase="another passphrase").code == 0
    value = unlock(cli)
    # The other profile's account is not the unlocked one: its passphrase is asked as usual.
    other = cli("--profile", "other", "items", "list", passphrase=None, env={"STRONGROOM_SESSION": value})
    assert other.code == 3
    assert "no passphrase given" in one_error_line(other.stderr)


def test_auth_files_live_under_xdg_config_home_with_profiles(cli: Cli) -> None:
    created = cli("users", "create")
    assert created.code == 0, created.stderr
    default = Path("config/strongroom/default.yaml")
    assert default.exists()
    assert stat.S_IMODE(default.stat().st_mode) == 0o600
    assert not Path(".user.yaml").exists()  # nothing in the current folder

    assert cli("--profile", "work", "users", "create").code == 0
    work = Path("config/strongroom/work.yaml")
    work_user = yaml.safe_load(work.read_text())["metadata"]["username"]
    assert work_user != yaml.safe_load(default.read_text())["metadata"]["username"]

    def username(result_stdout: str) -> str:
        return str(yaml.safe_load(result_stdout)["spec"]["username"])

    by_env = cli("users", "get", env={"STRONGROOM_PROFILE": "work"})
    assert by_env.code == 0, by_env.stderr
    assert username(by_env.stdout) == work_user
    by_auth = cli("users", "get", env={"STRONGROOM_AUTH": str(work)})
    assert username(by_auth.stdout) == work_user
    by_flag = cli("users", "get", "-a", str(work))
    assert username(by_flag.stdout) == work_user
    missing = cli("--profile", "nobody", "users", "get")
    assert missing.code == 2
    assert "config/strongroom/nobody.yaml" in one_error_line(missing.stderr)
    odd = cli("--profile", "../escape", "users", "get")
    assert odd.code == 2


def test_empty_passphrases_are_refused_and_short_ones_warned(cli: Cli) -> None:
    empty = cli("users", "create", "-o", "e.yaml", input="\n", passphrase=None)
    assert empty.code == 2
    assert "must not be empty" in one_error_line(empty.stderr)
    assert not Path("e.yaml").exists()
    short = cli("users", "create", "-o", "s.yaml", input="short\n", passphrase=None)
    assert short.code == 0, short.stderr
    assert "warning: a passphrase of 5 characters is easy to guess" in short.stderr


def test_save_passphrase_says_what_it_costs(cli: Cli) -> None:
    helped = cli("users", "create", "--help")
    assert helped.code == 0
    text = " ".join(helped.stdout.split())
    assert "--save-passphrase" in text
    assert "in plaintext" in text
    assert "anyone who can read the file opens the account" in text
