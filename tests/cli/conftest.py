"""Fixtures for the CLI tests: a real server (uvicorn in a thread, SQLite in a temporary folder) shared by
a module, and a runner that invokes ``strongroom`` in-process with stdout and stderr kept apart."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from strongroom.cli import app
from strongroom.kit.settings import Settings
from tests.client.keypool import use_key_pool
from tests.client.live import live_server
from tests.support import with_loopback_limits

PASSPHRASE = "cli test passphrase"


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Server:
    url: str
    data_dir: Path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real server for the module's tests; RSA keys come from the test key pool."""
    data_dir = tmp_path_factory.mktemp("server")
    settings = with_loopback_limits(
        Settings(
            data_dir=data_dir,
            service_credential=SecretStr("test-service-credential"),
            run_mail_worker=False,
            log_json=True,
            require_verified_email=False,  # invites without verifying; tests of that turn it on
            invitations_per_recipient=1000,
        )
    )
    with pytest.MonkeyPatch.context() as patch:
        use_key_pool(patch)
        with live_server(settings) as url:
            yield Server(url, data_dir)


@pytest.fixture
def cli(server: Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Cli:
    """Run ``strongroom ARGS`` in the test's folder, against the module's server."""
    monkeypatch.chdir(tmp_path)
    for name in (
        "STRONGROOM_PASSPHRASE",
        "STRONGROOM_URL",
        "STRONGROOM_DEBUG",
        "STRONGROOM_AUTH",
        "STRONGROOM_PROFILE",
        "STRONGROOM_SESSION",
        "XDG_RUNTIME_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    # Auth files and unlocked sessions of the test stay in its folder.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setattr("strongroom.cli._context.invocation.profile", None)
    return Cli(server.url)


class Cli:
    def __init__(self, url: str) -> None:
        self.url = url
        self.runner = CliRunner()

    def __call__(
        self,
        *args: str,
        input: str | None = None,
        passphrase: str | None = PASSPHRASE,
        url: bool = True,
        env: dict[str, str] | None = None,
    ) -> Result:
        env = {**({"STRONGROOM_URL": self.url} if url else {}), **(env or {})}
        if passphrase is not None:
            env["STRONGROOM_PASSPHRASE"] = passphrase
        result = self.runner.invoke(app, list(args), input=input, env=env, catch_exceptions=False)
        return Result(result.exit_code, result.stdout, result.stderr)
