"""The auth file: who the CLI acts as. ``-a FILE``, else ``$STRONGROOM_AUTH``, else the profile's
``$XDG_CONFIG_HOME/strongroom/<profile>.yaml`` (``--profile`` / ``$STRONGROOM_PROFILE``, default
``default``).

It holds the secret key and both session tokens, and the server's URLs; never a derived key. The
passphrase is asked for on each command (prompt, or ``STRONGROOM_PASSPHRASE``) unless an unlocked
session (``strongroom unlock``) is active or the user chose ``--save-passphrase``, which stores it here
in plaintext. Because the file holds secrets it is always written
with mode 0600 (also when the result goes to stdout and stdout is redirected to a file).

::

    kind: Authentication
    metadata:
      username: Q6r8k2LmZpd
      vault_user_id: 0193…
      keystore_url: http://127.0.0.1:8000/keystore
      vault_url: http://127.0.0.1:8000/vault
    spec:
      secret_key: 1.Q6r8k2LmZpd.xxxxxx-…
      keystore_access_token: ks_…
      vault_access_token: …
      passphrase: …            # only with --save-passphrase
      pending_secret_key: …    # only while `users rotate-secret-key` runs (or if it was interrupted)
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from strongroom.cli._config import ConfigError, load_document, optional_str, require_str
from strongroom.cli._output import note, to_yaml

if TYPE_CHECKING:
    from strongroom.client import Credentials

__all__ = ["AUTH_KIND", "AuthFile", "load_auth", "write_auth"]

AUTH_KIND = "Authentication"
PRIVATE_MODE = 0o600


@dataclass(frozen=True, repr=False)
class AuthFile:
    """An auth file's content; tokens are None after ``users logout``."""

    username: str
    secret_key: str
    keystore_token: str | None
    vault_token: str | None
    vault_user_id: str | None
    keystore_url: str | None
    vault_url: str | None
    passphrase: str | None = None
    # A new secret key written before the Keystore is asked to switch to it, so that a crash in between
    # loses neither: whichever of the two opens the account is kept (``promote_pending``).
    pending_secret_key: str | None = None

    def __repr__(self) -> str:
        return f"AuthFile(username={self.username!r}, <secrets redacted>)"

    @property
    def credentials(self) -> Credentials | None:
        """The session to resume, or None when the file has no tokens (logged out)."""
        if not (self.keystore_token and self.vault_token and self.vault_user_id):
            return None
        from strongroom.client import Credentials

        return Credentials(
            username=self.username,
            secret_key=self.secret_key,
            keystore_token=self.keystore_token,
            vault_token=self.vault_token,
            vault_user_id=self.vault_user_id,
        )

    @classmethod
    def from_credentials(
        cls, credentials: Credentials, *, keystore_url: str, vault_url: str, passphrase: str | None = None
    ) -> AuthFile:
        return cls(
            username=credentials.username,
            secret_key=credentials.secret_key,
            keystore_token=credentials.keystore_token,
            vault_token=credentials.vault_token,
            vault_user_id=credentials.vault_user_id,
            keystore_url=keystore_url,
            vault_url=vault_url,
            passphrase=passphrase,
        )

    def logged_out(self) -> AuthFile:
        return replace(self, keystore_token=None, vault_token=None)

    def document(self) -> dict[str, Any]:
        metadata = {
            "username": self.username,
            "vault_user_id": self.vault_user_id,
            "keystore_url": self.keystore_url,
            "vault_url": self.vault_url,
        }
        spec: dict[str, Any] = {
            "secret_key": self.secret_key,
            "keystore_access_token": self.keystore_token,
            "vault_access_token": self.vault_token,
        }
        if self.passphrase is not None:
            spec["passphrase"] = self.passphrase
        if self.pending_secret_key is not None:
            spec["pending_secret_key"] = self.pending_secret_key
        return {"kind": AUTH_KIND, "metadata": metadata, "spec": spec}


def load_auth(path: Path) -> AuthFile:
    """Read an auth file; ConfigError (saying how to make one) when it is missing or malformed."""
    if not path.exists():
        raise ConfigError(
            f"{path}: no such auth file; create an account with `strongroom users create -a {path}`, "
            f"log in on this device with `strongroom users login -a {path}`, or choose another with "
            "-a FILE or --profile NAME"
        )
    metadata, spec = load_document(path, kinds=(AUTH_KIND,))
    return AuthFile(
        username=require_str(metadata, "username", path, "metadata"),
        secret_key=require_str(spec, "secret_key", path),
        keystore_token=optional_str(spec, "keystore_access_token", path),
        vault_token=optional_str(spec, "vault_access_token", path),
        vault_user_id=optional_str(metadata, "vault_user_id", path, "metadata"),
        keystore_url=optional_str(metadata, "keystore_url", path, "metadata"),
        vault_url=optional_str(metadata, "vault_url", path, "metadata"),
        passphrase=optional_str(spec, "passphrase", path),
        pending_secret_key=optional_str(spec, "pending_secret_key", path),
    )


def write_auth(auth: AuthFile, path: Path | None) -> None:
    """Write ``auth`` to ``path`` (created or truncated with mode 0600), or to stdout when None.

    On stdout redirected to a regular file, that file is switched to mode 0600 too. Either way a note
    on stderr says where the secrets went.
    """
    text = to_yaml(auth.document())
    if path is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        try:
            info = os.fstat(sys.stdout.fileno())
        except (OSError, ValueError):
            info = None
        if info is not None and stat.S_ISREG(info.st_mode):
            os.fchmod(sys.stdout.fileno(), PRIVATE_MODE)
            note("The auth file holds your secret key and session tokens: written with mode 0600.")
        else:
            note("This output holds your secret key and session tokens: keep it private (mode 0600).")
        return
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    fd = os.open(path, flags, PRIVATE_MODE)
    try:
        os.fchmod(fd, PRIVATE_MODE)  # an existing file keeps its old mode through O_CREAT
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            fd = -1
            handle.write(text)
    finally:
        if fd != -1:
            os.close(fd)
    note(f"Wrote {path} (mode 0600): it holds your secret key and session tokens; keep it private.")
