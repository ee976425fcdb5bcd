"""The SDK's exception tree: every failure a caller can meet is a :class:`StrongroomError`.

::

    StrongroomError
    ├── ApiError (status, code, message, service)       a service answered with an error body
    │   ├── ValidationFailed   400, 422
    │   ├── Unauthorized       401 (missing, expired or revoked token; refused login)
    │   ├── Forbidden          403
    │   ├── NotFound           404 (missing *or not yours*: the services never tell them apart)
    │   ├── Conflict           409
    │   ├── Gone               410 (expired or used invitation, ...)
    │   ├── RateLimited        429 (retry_after seconds)
    │   └── ServerError        5xx
    ├── TransportError (url)                            the server could not be reached
    ├── ProtocolError                                   an answer the SDK cannot understand
    ├── CryptoError                                     a key or ciphertext does not open
    │   ├── WrongPassphrase                             the passphrase (or secret key) does not fit
    │   └── InvalidSecretKey                            the secret key text is malformed
    ├── NotLoggedIn                                     a call that needs keys before sign up / log in
    ├── InvalidArgument (also a ValueError)             a bad argument (unknown slot name, ...)
    ├── KeyMismatch (connection_id)                     the Vault serves another key than the caller's own
    └── ShareError (share_id)
        ├── AcceptanceRequired (terms)                  the share's terms must be accepted before reading
        └── ShareUnavailable                            the share is expired, revoked or not visible

Messages never contain a secret, a token, a key or ciphertext.
"""

from __future__ import annotations

__all__ = [
    "AcceptanceRequired",
    "ApiError",
    "Conflict",
    "CryptoError",
    "Forbidden",
    "Gone",
    "InvalidArgument",
    "InvalidSecretKey",
    "KeyMismatch",
    "NotFound",
    "NotLoggedIn",
    "ProtocolError",
    "RateLimited",
    "ServerError",
    "ShareError",
    "ShareUnavailable",
    "StrongroomError",
    "TransportError",
    "Unauthorized",
    "ValidationFailed",
    "WrongPassphrase",
    "api_error",
]


class StrongroomError(Exception):
    """Base of every error the SDK raises on purpose."""


class ApiError(StrongroomError):
    """A service refused a request: ``status`` (HTTP), ``code`` (stable, machine-readable), ``message``.

    ``service`` is ``"keystore"`` or ``"vault"``; ``method`` and ``path`` name the request (ids only, no
    secrets: tokens travel in headers and bodies, never in paths).
    """

    def __init__(
        self, status: int, code: str, message: str, *, service: str = "", method: str = "", path: str = ""
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.service = service
        self.method = method
        self.path = path

    def __str__(self) -> str:
        where = f" on {self.service} {self.method} {self.path}".rstrip() if self.service else ""
        return f"{self.message} ({self.code}, HTTP {self.status}{where})"


class ValidationFailed(ApiError):
    """400 (malformed request) or 422 (a field failed validation)."""


class Unauthorized(ApiError):
    """401: the token is missing, unknown, expired or revoked, or a login proof was refused."""


class Forbidden(ApiError):
    """403: the caller may not do this (e.g. a claim signed with the wrong key)."""


class NotFound(ApiError):
    """404: the record does not exist or is not the caller's."""


class Conflict(ApiError):
    """409: the request conflicts with the current state (already connected, username taken, ...)."""


class Gone(ApiError):
    """410: the record existed but is no longer usable (expired or used invitation, expired share)."""


class RateLimited(ApiError):
    """429: too many requests; ``retry_after`` is the server's hint in seconds (None when absent)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        retry_after: int | None = None,
        service: str = "",
        method: str = "",
        path: str = "",
    ) -> None:
        super().__init__(status, code, message, service=service, method=method, path=path)
        self.retry_after = retry_after


class ServerError(ApiError):
    """5xx: the service failed; the request may or may not have taken effect."""


class TransportError(StrongroomError):
    """The server at ``url`` could not be reached (refused, reset, timed out, bad address)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"cannot reach {url}: {reason}")
        self.url = url
        self.reason = reason


class ProtocolError(StrongroomError):
    """A service answered with something the SDK cannot use (not JSON, a missing field, ...)."""


class CryptoError(StrongroomError):
    """A key or an encrypted value does not open (wrong key, tampered or malformed data).

    Wraps :class:`strongroom.crypto.CryptoError`, available as ``__cause__``.
    """


class WrongPassphrase(CryptoError):
    """The passphrase (or the secret key) does not open the account.

    Raised when the Keystore refuses the SRP proof at log in, and when the passphrase-derived key does
    not open the key encryption key (KEK).
    """


class InvalidSecretKey(CryptoError):
    """The secret key is not of the form ``1.<username>.<secret>``."""


class NotLoggedIn(StrongroomError):
    """The call needs the user's keys: sign up, log in or resume first."""


class InvalidArgument(StrongroomError, ValueError):
    """An argument the SDK can refuse before asking a service (an unknown slot name, a past expiry, ...)."""


class KeyMismatch(StrongroomError):
    """The Vault's copy of the caller's own connection public key is not the caller's key.

    The caller's keypair (in the caller's Keystore, opened with the KEK) is the truth; a Vault that hands
    out another key is substituting keys (or is broken): do not share over this connection. ``connection_id``
    names it.
    """

    def __init__(self, connection_id: str) -> None:
        super().__init__(
            f"connection {connection_id}: the Vault serves a public key that is not yours; "
            "do not trust this connection"
        )
        self.connection_id = connection_id


class ShareError(StrongroomError):
    """A share cannot be read; ``share_id`` names it."""

    def __init__(self, share_id: str, message: str) -> None:
        super().__init__(message)
        self.share_id = share_id


class AcceptanceRequired(ShareError):
    """The share's values stay hidden until the recipient accepts it; ``terms`` are what to accept."""

    def __init__(self, share_id: str, terms: str | None) -> None:
        super().__init__(share_id, f"share {share_id} must be accepted before it can be read")
        self.terms = terms


class ShareUnavailable(ShareError):
    """The share is expired, revoked or otherwise no longer readable."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: ValidationFailed,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    410: Gone,
    422: ValidationFailed,
}


def api_error(
    status: int,
    code: str,
    message: str,
    *,
    service: str = "",
    method: str = "",
    path: str = "",
    retry_after: int | None = None,
) -> ApiError:
    """The :class:`ApiError` subclass for ``status`` (ServerError for 5xx, ApiError for the rest)."""
    if status == 429:
        return RateLimited(
            status, code, message, retry_after=retry_after, service=service, method=method, path=path
        )
    cls = _BY_STATUS.get(status, ServerError if status >= 500 else ApiError)
    return cls(status, code, message, service=service, method=method, path=path)
