"""One-line errors (usage errors too) with the README's exit codes, durations everywhere, URLs checked, the
version, completion scripts, plain help, and a start-up that imports none of the heavy parts."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from strongroom import __version__
from tests.cli.conftest import Cli
from tests.cli.test_cli_users import one_error_line


@pytest.mark.parametrize(
    "args",
    [
        ("items", "get"),  # a missing argument
        ("items", "list", "--no-such-option"),
        ("shares", "list", "--output", "xml"),
        ("no-such-command",),
        ("connections", "invite", "--expires-in", "soon"),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(cli: Cli, args: tuple[str, ...]) -> None:
    result = cli(*args)
    assert result.code == 2, result.stderr
    line = one_error_line(result.stderr)
    assert "--help" in line
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "╭" not in result.stderr


@pytest.mark.parametrize("url", ["127.0.0.1:8000", "localhost", "ftp://example.test", "http://"])
def test_a_url_without_scheme_or_host_is_bad_input(cli: Cli, url: str) -> None:
    result = cli("users", "create", "-o", "x.yaml", "--url", url, url=False)
    assert result.code == 2
    assert "not a server URL" in one_error_line(result.stderr)
    assert not Path("x.yaml").exists()


def test_durations_accept_units_everywhere(cli: Cli) -> None:
    assert cli("users", "create").code == 0
    before = datetime.now(UTC)
    invited = cli("connections", "invite", "--expires-in", "2h")
    assert invited.code == 0, invited.stderr
    expires = datetime.fromisoformat(yaml.safe_load(invited.stdout)["spec"]["expires_at"])
    assert (
        before + timedelta(hours=2) - timedelta(minutes=1)
        <= expires
        <= datetime.now(UTC) + timedelta(hours=2)
    )
    seconds = cli("connections", "invite", "--expires-in", "90s")
    assert seconds.code == 0, seconds.stderr
    config = cli("shares", "create-config", "--item-id", "x", "--connection-id", "y", "--expires-in", "7d")
    assert config.code == 0, config.stderr
    assert yaml.safe_load(config.stdout)["spec"]["expires_in"] == "7d"


def test_a_group_alone_prints_its_help(cli: Cli) -> None:
    for args in ((), ("items",)):
        result = cli(*args, url=False)
        assert result.code == 0
        assert result.stdout.startswith("Usage: strongroom")
        assert "error:" not in result.stderr


def test_version_and_plain_help(cli: Cli) -> None:
    version = cli("--version", url=False)
    assert version.code == 0
    assert version.stdout == f"strongroom {__version__}\n"
    helped = cli("shares", "update", "--help", url=False)
    assert helped.code == 0
    assert "<bool>" not in helped.stdout
    assert "--distributable / --not-distributable" in helped.stdout
    assert "…" not in helped.stdout
    root = cli("--help", url=False)
    for name in ("unlock", "lock", "items", "connections", "shares", "completion"):
        assert f"  {name} " in root.stdout


@pytest.mark.parametrize(
    ("shell", "marker"), [("bash", "complete -o"), ("zsh", "compdef"), ("fish", "complete")]
)
def test_completion_scripts(cli: Cli, shell: str, marker: str) -> None:
    result = cli("completion", shell, url=False)
    assert result.code == 0, result.stderr
    assert marker in result.stdout
    assert "_STRONGROOM_COMPLETE" in result.stdout


def test_completion_completes_commands() -> None:
    env = {"_STRONGROOM_COMPLETE": "complete_bash", "COMP_WORDS": "strongroom conn", "COMP_CWORD": "1"}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "strongroom")],
        env={**env, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stdout.split() == ["connections"], done.stderr


PROBE = """
import json, sys
from strongroom.cli import main
sys.argv = ["strongroom", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit:
    pass
heavy = ["httpx", "pydantic", "cryptography", "rich", "yaml", "sqlalchemy", "fastapi", "uvicorn",
         "strongroom.client", "strongroom.crypto", "strongroom.vault", "strongroom.keystore"]
print("\\n" + json.dumps([m for m in heavy if m in sys.modules]))
"""


@pytest.mark.parametrize(
    ("args", "allowed"),
    [
        (["--help"], []),
        (["--version"], []),
        # Building a command's options makes typer import pydantic (its coercion layer); nothing else.
        (["items", "--help"], ["pydantic"]),
        (["shares", "update", "--help"], ["pydantic"]),
    ],
)
def test_start_up_imports_no_heavy_module(args: list[str], allowed: list[str]) -> None:
    """The start-up budget (≤ 0.3 s, see bench/) comes from importing nothing heavy before a command runs."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == allowed
