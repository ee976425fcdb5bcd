"""Unlocked sessions (``strongroom unlock``): the account's key encryption key, kept so that commands need
no passphrase until the session ends.

``unlock`` draws a random 256-bit session key and prints it, with the session's name, as
``STRONGROOM_SESSION=v1.<name>.<key>``. The session file (``<name>.json``, mode 0600, in
``$XDG_RUNTIME_DIR/strongroom/sessions`` or else ``$XDG_STATE_HOME/strongroom/sessions``) holds the KEK
encrypted under that key (AES-256-GCM) together with the username and the end of the session, so the
file alone opens nothing and a changed end date does not decrypt. ``lock`` deletes the file; an expired
session is deleted when next seen.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from strongroom.cli._errors import EXIT_AUTH, CliError

__all__ = ["SESSION_ENV", "Unlocked", "lock", "open_session", "sessions_dir", "unlocked"]

SESSION_ENV = "STRONGROOM_SESSION"
_VERSION = "v1"
_AGAIN = 'unlock again with `eval "$(strongroom unlock)"`, or unset STRONGROOM_SESSION to be asked'


@dataclass(frozen=True, repr=False)
class Unlocked:
    username: str
    kek: bytes
    expires_at: datetime


def sessions_dir() -> Path:
    """Where session files live (created with mode 0700)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        base = Path(runtime) / "strongroom"
    else:
        state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
        base = Path(state) / "strongroom"
    folder = base / "sessions"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _parse(value: str) -> tuple[str, bytes]:
    parts = value.strip().split(".")
    if len(parts) != 3 or parts[0] != _VERSION or not parts[1].isalnum():
        raise CliError(f"{SESSION_ENV} is malformed: {_AGAIN}", EXIT_AUTH)
    try:
        key = _unb64(parts[2])
    except ValueError:
        key = b""
    if len(key) != 32:
        raise CliError(f"{SESSION_ENV} is malformed: {_AGAIN}", EXIT_AUTH)
    return parts[1], key


def open_session(username: str, kek: bytes, lifetime: timedelta, now: datetime | None = None) -> str:
    """Store ``kek`` for ``lifetime``; returns the value of ``STRONGROOM_SESSION``."""
    from strongroom import crypto

    name = secrets.token_hex(8)
    key = secrets.token_bytes(32)
    expires_at = (now or datetime.now(UTC)) + lifetime
    sealed = {"username": username, "expires_at": expires_at.isoformat(), "kek": _b64(kek)}
    record = {
        "username": username,
        "expires_at": expires_at.isoformat(),
        "sealed": crypto.encrypt_with_key(key, json.dumps(sealed).encode()),
    }
    path = sessions_dir() / f"{name}.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(record, handle)
    return f"{_VERSION}.{name}.{_b64(key)}"


def unlocked(username: str, now: datetime | None = None) -> Unlocked | None:
    """The unlocked session of ``username`` named by ``STRONGROOM_SESSION``.

    None when the variable is unset or the session is another account's (that account's passphrase is
    then asked as usual). CliError (exit 3) when it was locked, has expired or does not open.
    """
    value = os.environ.get(SESSION_ENV)
    if not value:
        return None
    name, key = _parse(value)
    path = sessions_dir() / f"{name}.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CliError(f"the unlocked session was locked or has expired: {_AGAIN}", EXIT_AUTH) from None
    except (OSError, ValueError):
        raise CliError(f"the unlocked session cannot be read: {_AGAIN}", EXIT_AUTH) from None
    if not isinstance(record, dict) or record.get("username") != username:
        return None
    from strongroom import crypto

    try:
        sealed = json.loads(crypto.decrypt_with_key(key, str(record.get("sealed"))))
        kek = _unb64(sealed["kek"])
        expires_at = datetime.fromisoformat(sealed["expires_at"])
    except (crypto.CryptoError, ValueError, KeyError, TypeError):
        raise CliError(f"{SESSION_ENV} does not open its session: {_AGAIN}", EXIT_AUTH) from None
    if sealed.get("username") != username:
        return None
    if expires_at <= (now or datetime.now(UTC)):
        path.unlink(missing_ok=True)
        raise CliError(f"the unlocked session has expired: {_AGAIN}", EXIT_AUTH)
    return Unlocked(username, kek, expires_at)


def lock(*, every: bool = False) -> int:
    """End the session named by ``STRONGROOM_SESSION`` (or every one); returns how many ended."""
    folder = sessions_dir()
    if every:
        paths = list(folder.glob("*.json"))
    else:
        value = os.environ.get(SESSION_ENV)
        paths = [folder / f"{_parse(value)[0]}.json"] if value else []
    ended = 0
    for path in paths:
        if path.exists():
            path.unlink(missing_ok=True)
            ended += 1
    return ended
