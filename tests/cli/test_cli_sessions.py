"""``strongroom users sessions`` and ``strongroom users end-session ID | --others`` against a real server."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from strongroom import __version__
from strongroom.cli._auth import load_auth
from tests.cli.conftest import Cli
from tests.cli.test_cli_users import one_error_line

CLI_NAME = f"strongroom-cli/{__version__}"


@pytest.fixture
def devices(cli: Cli) -> tuple[Path, Path]:
    """One account logged in twice: ``me.yaml`` (made by ``users create``) and ``second.yaml``."""
    assert cli("users", "create", "-o", "me.yaml").code == 0
    secret = load_auth(Path("me.yaml")).secret_key
    second = cli("users", "login", "-a", "second.yaml", input=secret + "\n")
    assert second.code == 0, second.stderr
    assert cli("users", "get", "-a", "second.yaml").code == 0
    return Path("me.yaml"), Path("second.yaml")


def _listed(cli: Cli, auth: Path) -> list[dict[str, Any]]:
    result = cli("users", "sessions", "-a", str(auth), "--output", "json")
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["kind"] == "Sessions"
    found: list[dict[str, Any]] = document["spec"]
    return found


def test_sessions_lists_both_services_with_the_current_ones_marked(
    cli: Cli, devices: tuple[Path, Path]
) -> None:
    me, second = devices
    listed = _listed(cli, me)
    assert [(s["service"], s["current"]) for s in listed] == [
        ("keystore", True),
        ("keystore", False),
        ("vault", True),
        ("vault", False),
    ]
    assert {s["client_name"] for s in listed} == {CLI_NAME}
    assert all(s["created_at"] <= s["last_used_at"] < s["expires_at"] for s in listed)
    table = cli("users", "sessions", "-a", str(second), "--output", "table", env={"COLUMNS": "200"})
    assert table.code == 0, table.stderr
    rows = [line for line in table.stdout.splitlines() if CLI_NAME in line]
    assert len(rows) == 4
    assert [row.split()[0] for row in rows] == ["keystore", "keystore", "vault", "vault"]
    assert [row.rstrip().endswith("yes") for row in rows] == [False, True, False, True]


def test_end_session_by_id_prefix_asks_first(cli: Cli, devices: tuple[Path, Path]) -> None:
    me, second = devices
    theirs = next(s for s in _listed(cli, second) if s["current"] and s["service"] == "vault")
    prefix = theirs["id"][:13]
    declined = cli("users", "end-session", prefix, "-a", str(me), input="n\n")
    assert declined.code == 0, declined.stderr
    assert cli("users", "get", "-a", str(second)).code == 0  # a "no" changed nothing
    ended = cli("users", "end-session", prefix, "-a", str(me), "-y")
    assert ended.code == 0, ended.stderr
    assert "Ended the vault session" in ended.stderr
    refused = cli("users", "get", "-a", str(second))
    assert refused.code == 3
    assert "users login" in one_error_line(refused.stderr)
    assert [s["service"] for s in _listed(cli, me)] == ["keystore", "keystore", "vault"]


def test_end_session_others_ends_every_other_device(cli: Cli, devices: tuple[Path, Path]) -> None:
    me, second = devices
    ended = cli("users", "end-session", "--others", "-a", str(me), "-y")
    assert ended.code == 0, ended.stderr
    assert "Ended 1 other Keystore and 1 other Vault sessions." in ended.stderr
    assert cli("users", "get", "-a", str(second)).code == 3
    assert [s["current"] for s in _listed(cli, me)] == [True, True]


def test_end_session_bad_input_and_unknown_ids(cli: Cli, devices: tuple[Path, Path]) -> None:
    me, _ = devices
    for args, code in (
        ((), 2),  # neither an id nor --others
        (("0193", "--others"), 2),  # both
        (("zzzz",), 2),  # matches nothing
        ((str(uuid.uuid4()),), 1),  # a whole id that is no session of ours
    ):
        result = cli("users", "end-session", *args, "-a", str(me), "-y")
        assert result.code == code, (args, result.stderr)
        one_error_line(result.stderr)
    assert len(_listed(cli, me)) == 4
