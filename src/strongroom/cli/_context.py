"""What every command shares: the options (-a, --url, -y, ...), which auth file and server to use, the
passphrase (or the unlocked session), confirmations, the progress display, and opening a logged-in SDK
session.

Nothing here imports the SDK, ``rich`` or the crypto package at module level: ``strongroom --help`` and
every command's start stay light (the SDK is imported when a command first talks to the server).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar
from urllib.parse import urlsplit

import typer

from strongroom.cli._auth import AuthFile, load_auth, write_auth
from strongroom.cli._errors import EXIT_AUTH, EXIT_INPUT, CliError, using_auth
from strongroom.cli._output import Format

if TYPE_CHECKING:
    from rich.status import Status

    from strongroom.client import Step, Strongroom

__all__ = [
    "DEFAULT_AUTH",
    "DEFAULT_URL",
    "AuthOpt",
    "KeystoreUrlOpt",
    "OutputOpt",
    "Progress",
    "Server",
    "UrlOpt",
    "VaultUrlOpt",
    "YesOpt",
    "act",
    "ask_passphrase",
    "auth_dir",
    "confirm",
    "invocation",
    "logged_in",
    "resolve_auth",
    "run",
]

T = TypeVar("T")

PASSPHRASE_ENV = "STRONGROOM_PASSPHRASE"  # noqa: S105 -- the name of a variable, not a secret
AUTH_ENV = "STRONGROOM_AUTH"
PROFILE_ENV = "STRONGROOM_PROFILE"
DEFAULT_URL = "http://127.0.0.1:8000"  # the SDK's default (strongroom.client.DEFAULT_URL)
DEFAULT_PROFILE = "default"
SHORT_PASSPHRASE = 12

AuthOpt = Annotated[
    Path | None,
    typer.Option(
        "-a",
        "--auth",
        metavar="FILE",
        help="Auth file of the user to act as (default: $STRONGROOM_AUTH, else the profile's file "
        "under $XDG_CONFIG_HOME/strongroom/).",
        show_default=False,
    ),
]
UrlOpt = Annotated[
    str | None,
    typer.Option(
        "--url",
        envvar="STRONGROOM_URL",
        metavar="URL",
        help=f"Server running both services (default: the auth file's, else {DEFAULT_URL}).",
    ),
]
KeystoreUrlOpt = Annotated[
    str | None, typer.Option("--keystore-url", metavar="URL", help="Keystore base URL (overrides --url).")
]
VaultUrlOpt = Annotated[
    str | None, typer.Option("--vault-url", metavar="URL", help="Vault base URL (overrides --url).")
]
OutputOpt = Annotated[Format, typer.Option("--output", help="Output format.", case_sensitive=False)]
YesOpt = Annotated[bool, typer.Option("-y", "--yes", help="Do not ask for confirmation.")]

# Kept for the commands' signatures (``auth_path: AuthOpt = DEFAULT_AUTH``): None means "the default".
DEFAULT_AUTH: Path | None = None


@dataclass
class Invocation:
    """Options of the root command (``strongroom --profile NAME ...``)."""

    profile: str | None = None


invocation = Invocation()


def auth_dir() -> Path:
    """``$XDG_CONFIG_HOME/strongroom`` (``~/.config/strongroom`` when unset)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "strongroom"


def profile_name() -> str:
    name = invocation.profile or os.environ.get(PROFILE_ENV) or DEFAULT_PROFILE
    if not name.replace("-", "").replace("_", "").replace(".", "").isalnum() or name.startswith("."):
        raise CliError(f"not a profile name: {name!r} (letters, digits, '-', '_', '.')", EXIT_INPUT)
    return name


def resolve_auth(path: Path | None) -> Path:
    """The auth file to use: ``-a FILE``, else ``$STRONGROOM_AUTH``, else the profile's file
    (``--profile`` / ``$STRONGROOM_PROFILE``, default ``default``) under :func:`auth_dir`."""
    if path is not None:
        return path
    from_env = os.environ.get(AUTH_ENV)
    if from_env:
        return Path(from_env)
    return auth_dir() / f"{profile_name()}.yaml"


def account_flag(path: Path | None) -> str:
    """The option that names the same account in a suggested command (`` -a FILE``, `` --profile P``)."""
    if path is not None:
        return f" -a {path}"
    name = profile_name()
    return "" if name == DEFAULT_PROFILE or os.environ.get(AUTH_ENV) else f" --profile {name}"


def check_url(url: str, what: str = "--url") -> str:
    """``url`` without a trailing slash; CliError (exit 2) unless it is an http(s) URL with a host."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CliError(
            f"{what}: {url!r} is not a server URL (expected e.g. http://127.0.0.1:8000)", EXIT_INPUT
        )
    try:
        parts.port  # noqa: B018 -- raises ValueError for a malformed port
    except ValueError:
        raise CliError(f"{what}: {url!r} has a malformed port", EXIT_INPUT) from None
    return url.strip().rstrip("/")


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
        """Explicit URLs first, then ``--url``/``STRONGROOM_URL``, then the auth file's, then the default.

        A URL without a scheme or host is bad input (exit 2), not an unreachable server.
        """
        base = check_url(url) if url else None
        keystore_url = check_url(keystore_url, "--keystore-url") if keystore_url else None
        vault_url = check_url(vault_url, "--vault-url") if vault_url else None
        ks = keystore_url or (f"{base}/keystore" if base else None) or (auth.keystore_url if auth else None)
        vault = vault_url or (f"{base}/vault" if base else None) or (auth.vault_url if auth else None)
        return cls(ks or f"{DEFAULT_URL}/keystore", vault or f"{DEFAULT_URL}/vault")

    @property
    def base_url(self) -> str:
        """The URL of both services (what ``--url`` takes), when they share one."""
        if self.keystore_url.endswith("/keystore") and self.vault_url.endswith("/vault"):
            root = self.keystore_url.removesuffix("/keystore")
            if root == self.vault_url.removesuffix("/vault"):
                return root
        return self.vault_url

    def client(self, progress: Progress | None = None) -> Strongroom:
        from strongroom import __version__
        from strongroom.client import Strongroom

        return Strongroom(
            keystore_url=self.keystore_url,
            vault_url=self.vault_url,
            progress=progress.step if progress is not None else None,
            client_name=f"strongroom-cli/{__version__}",
        )


class Progress:
    """Shows the SDK's steps on stderr: a spinner on a terminal, nothing otherwise (stdout stays clean)."""

    def __init__(self, prefix: str = "") -> None:
        self._enabled = sys.stderr.isatty()
        self._status: Status | None = None
        self._prefix = prefix

    def step(self, step: Step) -> None:
        if not self._enabled:
            return
        text = f"{self._prefix}{step.text}…"
        if self._status is None:
            from strongroom.cli._output import err_console

            self._status = err_console().status(text)
            self._status.start()
        else:
            self._status.update(text)

    def stop(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a command's coroutine to completion.

    asyncio.run would turn the first Ctrl-C into a cancellation that a blocking prompt never sees; with
    this handler Ctrl-C interrupts at once, at a prompt too (the command then exits 130).
    """
    main = threading.current_thread() is threading.main_thread()
    if not main or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        return asyncio.run(coro)
    previous = signal.signal(signal.SIGINT, _interrupt)
    try:
        return asyncio.run(coro)
    finally:
        signal.signal(signal.SIGINT, previous)


def _read_line(prompt: str, what: str) -> str:
    """One line from a non-terminal stdin (a pipe or a file), for scripted use."""
    sys.stderr.write(prompt)
    line = sys.stdin.readline()
    sys.stderr.write("\n")  # the piped line is not echoed: end the prompt's line ourselves
    sys.stderr.flush()
    if not line:
        raise CliError(f"no {what} given: set {PASSPHRASE_ENV} or run the command in a terminal", EXIT_AUTH)
    return line.rstrip("\r\n")


def ask_passphrase(label: str, *, confirm: bool = False, saved: str | None = None) -> str:
    """The passphrase: saved in the auth file, else ``STRONGROOM_PASSPHRASE``, else asked (hidden).

    Empty passphrases are refused (exit 2) however they come; with ``confirm`` (a new passphrase) one
    shorter than 12 characters gets a warning.
    """
    if saved:
        return saved
    value = os.environ.get(PASSPHRASE_ENV)
    if not value:
        prompt = f"Passphrase for {label}: "
        if not sys.stdin.isatty():
            value = _read_line(prompt, "passphrase")
        else:
            value = str(
                typer.prompt(
                    prompt.rstrip(": "), hide_input=True, confirmation_prompt=confirm, err=True, type=str
                )
            )
    if not value.strip():
        raise CliError("the passphrase must not be empty", EXIT_INPUT)
    if confirm and len(value) < SHORT_PASSPHRASE:
        from strongroom.cli._output import note

        note(
            f"warning: a passphrase of {len(value)} characters is easy to guess; "
            f"{SHORT_PASSPHRASE} or more (a few words) are better"
        )
    return value


def ask_secret(prompt: str, what: str) -> str:
    """A secret other than the passphrase (a secret key): hidden prompt, or one line of piped stdin."""
    if not sys.stdin.isatty():
        value = _read_line(f"{prompt}: ", what)
    else:
        value = str(typer.prompt(prompt, hide_input=True, err=True, type=str))
    if not value.strip():
        raise CliError(f"the {what} must not be empty", EXIT_INPUT)
    return value.strip()


def confirm(question: str, *, yes: bool = False) -> bool:
    """Ask ``question`` (default no) unless ``yes``; a pipe answers with its next line (EOF is no)."""
    if yes:
        return True
    if not sys.stdin.isatty():
        sys.stderr.write(f"{question} [y/N]: ")
        sys.stderr.flush()
        answer = sys.stdin.readline().strip().lower()
        sys.stderr.write("\n")
        return answer in ("y", "yes")
    return bool(typer.confirm(question, default=False, err=True))


def declined(what: str) -> None:
    """Say that nothing happened (the caller then returns: declining is not an error)."""
    from strongroom.cli._output import note

    note(f"Not confirmed: {what}.")


@asynccontextmanager
async def logged_in(
    auth_path: Path | None,
    url: str | None,
    keystore_url: str | None,
    vault_url: str | None,
    *,
    progress: Progress | None = None,
    passphrase: str | None = None,
) -> AsyncIterator[tuple[Strongroom, AuthFile]]:
    """An SDK session for the user of ``auth_path`` (see :func:`resolve_auth`), resumed with its tokens.

    With ``STRONGROOM_SESSION`` naming an unlocked session of that user no passphrase is needed; else it
    is asked (unless saved or in the environment). A missing or expired session ends in an error that
    names ``strongroom users login``.
    """
    from strongroom.cli._session import unlocked

    path = resolve_auth(auth_path)
    using_auth(path, account_flag(auth_path))
    auth = load_auth(path)
    server = Server.choose(url, keystore_url, vault_url, auth)
    credentials = auth.credentials
    if credentials is None:
        raise CliError(
            f"{path} has no session (logged out): run `strongroom users login -a {path}`", EXIT_AUTH
        )
    session = unlocked(auth.username) if passphrase is None and not auth.passphrase else None
    if session is None and passphrase is None:
        passphrase = ask_passphrase(f"{auth.username} ({path})", saved=auth.passphrase)
    progress = progress or Progress()
    client = server.client(progress)
    try:
        if session is not None:
            await client.resume_unlocked(credentials, session.kek)
        else:
            from strongroom.client import WrongPassphrase

            assert passphrase is not None
            try:
                await client.resume(credentials, passphrase)
            except WrongPassphrase:
                if not auth.pending_secret_key:
                    raise
                # An interrupted `users rotate-secret-key`: the Keystore may have switched to the new key.
                credentials = replace(credentials, secret_key=auth.pending_secret_key)
                await client.resume(credentials, passphrase)
                auth = replace(auth, secret_key=auth.pending_secret_key, pending_secret_key=None)
                write_auth(auth, path)
        yield client, auth
    finally:
        progress.stop()
        await client.aclose()


def act(
    auth_path: Path | None,
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
