"""End-to-end fixtures: a real ``strongroom serve --port 0`` process and the ``strongroom`` command run as a
person would run it (a subprocess of the installed console script, in a working folder of its own)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import loopback_env

READY = re.compile(r"^Keystore:\s+(\S+)/keystore$", re.M)


def strongroom_command() -> str:
    """The installed console script next to this interpreter (else the one on PATH)."""
    script = Path(sys.executable).parent / "strongroom"
    if script.exists():
        return str(script)
    found = shutil.which("strongroom")
    assert found, "the strongroom console script is not installed"
    return found


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any STRONGROOM_* setting of the developer's shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRONGROOM_")}
    env.update(loopback_env())
    env.update(extra)
    return env


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    def error_line(self) -> str:
        """The one ``error:`` line of stderr (asserting there is exactly one and no traceback)."""
        lines = [line for line in self.stderr.splitlines() if line.startswith("error:")]
        assert len(lines) == 1, self.stderr
        assert "Traceback" not in self.stderr
        return lines[0]


@dataclass(frozen=True)
class E2EServer:
    url: str
    data_dir: Path

    @property
    def mail_dir(self) -> Path:
        return self.data_dir / "mail"


@contextmanager
def serving(data_dir: Path, **env: str) -> Iterator[E2EServer]:
    """``strongroom serve --port 0 --data-dir DATA_DIR`` with ``env`` added, stopped after the block; the
    URL parsed from what it prints. Mail verification is off unless ``env`` turns it on: the CLI's email
    verification has its own test (tests/cli/test_cli_verify_email.py)."""
    process = subprocess.Popen(
        [strongroom_command(), "serve", "--port", "0", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=clean_env(
            **{"STRONGROOM_MAIL_POLL_INTERVAL": "0.2", "STRONGROOM_REQUIRE_VERIFIED_EMAIL": "false", **env}
        ),
    )
    try:
        assert process.stdout is not None
        printed = ""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not READY.search(printed):
            line = process.stdout.readline()
            if not line:
                break
            printed += line
        found = READY.search(printed)
        assert found, f"strongroom serve did not print its URL: {printed!r}"
        yield E2EServer(found.group(1), data_dir)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def e2e_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[E2EServer]:
    """A ``strongroom serve`` for the module (see :func:`serving`)."""
    with serving(tmp_path_factory.mktemp("e2e-data")) as server:
        yield server


class Shell:
    """Runs ``strongroom ARGS`` in ``folder`` against the e2e server, the passphrase from the environment."""

    def __init__(self, server: E2EServer, folder: Path) -> None:
        self.server = server
        self.folder = folder
        self.command = strongroom_command()

    def __call__(
        self,
        *args: str,
        input: str | None = None,
        passphrase: str | None = "e2e passphrase",  # noqa: S107 -- a test account's passphrase
        url: str | None = None,
        env: dict[str, str] | None = None,
    ) -> Run:
        # Profiles and unlocked sessions live in the test's folder, never the developer's home.
        env = {
            # url="" runs without STRONGROOM_URL (the command must name its server itself).
            **clean_env(**({"STRONGROOM_URL": url or self.server.url} if url != "" else {})),
            "XDG_CONFIG_HOME": str(self.folder / "config"),
            "XDG_STATE_HOME": str(self.folder / "state"),
            **(env or {}),
        }
        env.pop("XDG_RUNTIME_DIR", None)
        if passphrase is not None:
            env["STRONGROOM_PASSPHRASE"] = passphrase
        done = subprocess.run(
            [self.command, *args],
            cwd=self.folder,
            input=input if input is not None else "",
            capture_output=True,
            text=True,
            env=env,
            timeout=180,
            check=False,
        )
        return Run(done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="module")
def shell(e2e_server: E2EServer, tmp_path_factory: pytest.TempPathFactory) -> Shell:
    return Shell(e2e_server, tmp_path_factory.mktemp("e2e-home"))
