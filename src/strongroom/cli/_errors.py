"""Every failure becomes one clear line on stderr and a non-zero exit code, never a traceback.

Exit codes: 1 a refusal or failure, 2 bad input (options, files), 3 authentication (wrong passphrase,
expired or revoked session, malformed secret key), 4 server unreachable, 130 interrupted.
Set ``STRONGROOM_DEBUG=1`` to get the traceback of an unexpected error.

The SDK's exception classes are imported only when a failure is described: start-up stays light.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import typer
from typer import Abort
from typer._click.exceptions import ClickException

from strongroom.cli._config import ConfigError

__all__ = [
    "EXIT_AUTH",
    "EXIT_FAILURE",
    "EXIT_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_UNREACHABLE",
    "CliError",
    "describe",
    "fail",
    "guarded",
    "using_auth",
]

EXIT_FAILURE = 1
EXIT_INPUT = 2
EXIT_AUTH = 3
EXIT_UNREACHABLE = 4
EXIT_INTERRUPTED = 130

P = ParamSpec("P")
T = TypeVar("T")

# The auth file of the command being run, so that messages can name the command that fixes things.
_current_auth: list[Path] = []
_current_flag: list[str] = []


class CliError(Exception):
    """A failure with the exact line to print and an exit code."""

    def __init__(self, message: str, code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def using_auth(path: Path, flag: str | None = None) -> None:
    """Record the auth file the command acts with, and the option that names it in a suggested command
    (`` -a FILE`` by default, `` --profile NAME`` or nothing when that is how it was chosen)."""
    _current_auth[:] = [path]
    _current_flag[:] = [f" -a {path}" if flag is None else flag]


def _auth_hint() -> str:
    return _current_flag[0] if _current_flag else ""


def describe(exc: BaseException) -> tuple[str, int]:
    """The one line and exit code for ``exc``."""
    if isinstance(exc, CliError):
        return exc.message, exc.code
    if isinstance(exc, ConfigError):
        return str(exc), EXIT_INPUT
    if isinstance(exc, KeyboardInterrupt | Abort):
        return "interrupted", EXIT_INTERRUPTED
    from strongroom.client import (
        AcceptanceRequired,
        ApiError,
        Conflict,
        CryptoError,
        Forbidden,
        Gone,
        InvalidArgument,
        InvalidSecretKey,
        NotFound,
        NotLoggedIn,
        ProtocolError,
        RateLimited,
        ShareUnavailable,
        StrongroomError,
        TransportError,
        Unauthorized,
        ValidationFailed,
        WrongPassphrase,
    )

    hint = _auth_hint()
    match exc:
        case WrongPassphrase():
            return (
                f"wrong passphrase or secret key{(' for ' + str(_current_auth[0])) if _current_auth else ''}",
                EXIT_AUTH,
            )
        case InvalidSecretKey():
            return "the secret key is malformed: expected 1.<username>.<secret>", EXIT_AUTH
        case Unauthorized():
            return (
                f"the session has expired or was revoked ({exc.code}): "
                f"log in again with `strongroom users login{hint}`",
                EXIT_AUTH,
            )
        case NotLoggedIn():
            return f"not logged in: run `strongroom users login{hint}`", EXIT_AUTH
        case TransportError():
            return (
                f"cannot reach the server at {exc.url} ({exc.reason}); is `strongroom serve` running? "
                "Choose the server with --url or STRONGROOM_URL",
                EXIT_UNREACHABLE,
            )
        case AcceptanceRequired():
            return (
                f"share {exc.share_id} awaits acceptance of its terms: review and accept them with "
                f"`strongroom shares accept {exc.share_id}{hint}`",
                EXIT_FAILURE,
            )
        case ShareUnavailable():
            return f"share {exc.share_id} is not available: it has expired or was revoked", EXIT_FAILURE
        case RateLimited():
            wait = f" in {exc.retry_after} s" if exc.retry_after is not None else " later"
            return f"too many requests: try again{wait}", EXIT_FAILURE
        case NotFound():
            return f"not found: {exc.message}", EXIT_FAILURE
        case Gone() | Conflict() | Forbidden() | ValidationFailed():
            return f"{exc.message} ({exc.code})", EXIT_FAILURE
        case ApiError():
            return (
                f"the {exc.service or 'server'} failed: {exc.message} ({exc.code}, HTTP {exc.status})",
                EXIT_FAILURE,
            )
        case InvalidArgument():
            return str(exc), EXIT_INPUT
        case CryptoError() | ProtocolError() | StrongroomError():
            return str(exc), EXIT_FAILURE
        case FileNotFoundError() | PermissionError() | IsADirectoryError():
            name = getattr(exc, "filename", None)
            return f"{name or 'file'}: {exc.strerror or exc}", EXIT_INPUT
        case _:
            return f"unexpected error: {type(exc).__name__}: {exc}", EXIT_FAILURE


def fail(exc: BaseException) -> typer.Exit:
    """Print ``exc`` as one line on stderr; returns the Exit to raise."""
    message, code = describe(exc)
    error_line(message)
    return typer.Exit(code)


def error_line(message: str) -> None:
    """``error: message`` as one line on stderr (newlines in a server's message are folded)."""
    sys.stderr.write("error: " + " ".join(message.split()) + "\n")
    sys.stderr.flush()


def _expected(exc: BaseException) -> bool:
    """A failure with a message written for the person (no traceback wanted even when debugging)."""
    if isinstance(exc, CliError | ConfigError | KeyboardInterrupt | Abort):
        return True
    from strongroom.client import StrongroomError

    return isinstance(exc, StrongroomError)


def guarded(fn: Callable[P, T]) -> Callable[P, T]:
    """Wrap a command so that any failure ends as one line on stderr and an exit code."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, ClickException):
            raise
        except (Exception, KeyboardInterrupt, Abort) as exc:
            if os.environ.get("STRONGROOM_DEBUG") and not _expected(exc):
                raise
            raise fail(exc) from None
        finally:
            _current_auth.clear()
            _current_flag.clear()

    return wrapper
