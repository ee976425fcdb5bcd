"""What every command shares: the options (-a, --url, ...), which server to talk to, the passphrase, the
progress display, and opening a logged-in SDK session from an auth file."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, TypeVar

import click
import typer
from rich.status import Status

from strongroom.cli._auth import AuthFile, load_auth, write_auth
from strongroom.cli._errors import EXIT_AUTH, CliError, using_auth
from strongroom.cli._output import Format, err_console
from strongroom.client import DEFAULT_URL, Step, Strongroom, WrongPassphrase

__all__ = [
    "AuthOpt",
    "KeystoreUrlOpt",
    "OutputOpt",
    "Progress",
    "Server",
    "UrlOpt",
    "VaultUrlOpt",
    "ask_passphrase",
    "logged_in",
    "run",
]

T = TypeVar("T")

PASSPHRASE_ENV = "STRONGROOM_PASSPHRASE"  # noqa: S105 -- the name of a variable, not a secret

AuthOpt = Annotated[
    Path,
    typer.Option("-a", "--auth", help="Auth file of the user to act as.", show_default=True),
]
UrlOpt = Annotated[
    str | None,
    typer.Option(
        "--url",
        envvar="STRONGROOM_URL",
        help=f"Server running both services (default: the auth file's, else {DEFAULT_URL}).",
    ),
]
KeystoreUrlOpt = Annotated[
    str | None, typer.Option("--keystore-url", help="Keystore base URL (overrides --url).")
]
VaultUrlOpt = Annotated[str | None, typer.Option("--vault-url", help="Vault base URL (overrides --url).")]
OutputOpt = Annotated[Format, typer.Option("--output", help="Output format.", case_sensitive=False)]

DEFAULT_AUTH = Path(".user.yaml")


@dataclass(frozen=True)
class Server:
    """Where the two services are."""

    keystore_url: str
    vault_url: str

    @classmethod
    def choose(
        cls,
        url: str | None,
        keystore_url: str | None,
        vault_url: str | None,
        auth: AuthFile | None = None,
    ) -> Server:
        """Explicit URLs first, then ``--url``/``STRONGROOM_URL``, then the auth file's, then the default."""
        base = url.rstrip("/") if url else None
        ks = keystore_url or (f"{base}/keystore" if base else None) or (auth.keystore_url if auth else None)
        vault = vault_url or (f"{base}/vault" if base else None) or (auth.vault_url if auth else None)
        return cls(ks or f"{DEFAULT_URL}/keystore", vault or f"{DEFAULT_URL}/vault")

    def client(self, progress: Progress | None = None) -> Strongroom:
        return Strongroom(
            keystore_url=self.keystore_url,
            vault_url=self.vault_url,
            progress=progress.step if progress is not None else None,
        )


class Progress:
    """Shows the SDK's steps on stderr: a spinner on a terminal, nothing otherwise (stdout stays clean)."""

    def __init__(self, prefix: str = "") -> None:
        self._console = err_console()
        self._enabled = self._console.is_terminal
        self._status: Status | None = None
        self._prefix = prefix

    def step(self, step: Step) -> None:
        if not self._enabled:
            return
        text = f"{self._prefix}{step.text}…"
        if self._status is None:
            self._status = self._console.status(text)
            self._status.start()
        else:
            self._status.update(text)

    def stop(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a command's coroutine to completion."""
    return asyncio.run(coro)


def _read_line(prompt: str) -> str:
    """One line from a non-terminal stdin (a pipe or a file), for scripted use."""
    err_console().print(prompt, end="", markup=False)
    line = sys.stdin.readline()
    err_console().print()  # the piped line is not echoed: end the prompt's line ourselves
    if not line:
        raise CliError(
            f"no passphrase given: set {PASSPHRASE_ENV} or run the command in a terminal", EXIT_AUTH
        )
    return line.rstrip("\r\n")


def ask_passphrase(label: str, *, confirm: bool = False, saved: str | None = None) -> str:
    """The passphrase: saved in the auth file, else ``STRONGROOM_PASSPHRASE``, else asked (hidden)."""
    if saved:
        return saved
    from_env = os.environ.get(PASSPHRASE_ENV)
    if from_env:
        return from_env
    prompt = f"Passphrase for {label}: "
    if not sys.stdin.isatty():
        return _read_line(prompt)
    value: str = click.prompt(
        prompt.rstrip(": "), hide_input=True, confirmation_prompt=confirm, err=True, type=str
    )
    if not value:
        raise CliError("the passphrase must not be empty", EXIT_AUTH)
    return value


@asynccontextmanager
async def logged_in(
    auth_path: Path,
    url: str | None,
    keystore_url: str | None,
    vault_url: str | None,
    *,
    progress: Progress | None = None,
    passphrase: str | None = None,
) -> AsyncIterator[tuple[Strongroom, AuthFile]]:
    """An SDK session for the user of ``auth_path``, resumed with its stored tokens.

    Asks for the passphrase (unless given, saved or in the environment). A missing or expired session ends
    in an error that names ``strongroom users login``.
    """
    using_auth(auth_path)
    auth = load_auth(auth_path)
    server = Server.choose(url, keystore_url, vault_url, auth)
    credentials = auth.credentials
    if credentials is None:
        raise CliError(
            f"{auth_path} has no session (logged out): run `strongroom users login -a {auth_path}`", EXIT_AUTH
        )
    if passphrase is None:
        passphrase = ask_passphrase(f"{auth.username} ({auth_path})", saved=auth.passphrase)
    progress = progress or Progress()
    client = server.client(progress)
    try:
        try:
            await client.resume(credentials, passphrase)
        except WrongPassphrase:
            if not auth.pending_secret_key:
                raise
            # An interrupted `users rotate-secret-key`: the Keystore may have switched to the new key.
            credentials = replace(credentials, secret_key=auth.pending_secret_key)
            await client.resume(credentials, passphrase)
            auth = replace(auth, secret_key=auth.pending_secret_key, pending_secret_key=None)
            write_auth(auth, auth_path)
        yield client, auth
    finally:
        progress.stop()
        await client.aclose()


def act(
    auth_path: Path,
    url: str | None,
    keystore_url: str | None,
    vault_url: str | None,
    action: Callable[[Strongroom], Awaitable[T]],
) -> T:
    """Run one SDK ``action`` as the user of ``auth_path`` (see :func:`logged_in`) and return its result."""

    async def go() -> T:
        async with logged_in(auth_path, url, keystore_url, vault_url) as (client, _):
            return await action(client)

    return run(go())
