"""Strongroom's Python SDK: typed clients for the Keystore and the Vault, and the client-side flows.

Everything public is listed in ``__all__``; the ``_``-prefixed modules are private. The SDK never
imports the services: it speaks to them over HTTP (or any httpx transport, e.g. ``httpx.ASGITransport``
for in-process tests).
"""

from strongroom.client._attachments import TransferProgress
from strongroom.client._core import DEFAULT_URL
from strongroom.client._errors import (
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
    ServerError,
    ShareError,
    ShareUnavailable,
    StrongroomError,
    TransportError,
    Unauthorized,
    ValidationFailed,
    WrongPassphrase,
)
from strongroom.client._keystore import KeystoreClient
from strongroom.client._strongroom import Strongroom
from strongroom.client._vault import VaultClient
from strongroom.client._views import (
    UNSET,
    Card,
    CardSlot,
    ClientTask,
    Connection,
    Credentials,
    Invitation,
    ProgressCallback,
    Share,
    SharedCard,
    SlotInput,
    Step,
    TaskRun,
    Template,
    TemplateSlot,
    Unset,
    User,
)

__all__ = [
    "DEFAULT_URL",
    "UNSET",
    "AcceptanceRequired",
    "ApiError",
    "Card",
    "CardSlot",
    "ClientTask",
    "Conflict",
    "Connection",
    "Credentials",
    "CryptoError",
    "Forbidden",
    "Gone",
    "InvalidArgument",
    "InvalidSecretKey",
    "Invitation",
    "KeystoreClient",
    "NotFound",
    "NotLoggedIn",
    "ProgressCallback",
    "ProtocolError",
    "RateLimited",
    "ServerError",
    "Share",
    "ShareError",
    "ShareUnavailable",
    "SharedCard",
    "SlotInput",
    "Step",
    "Strongroom",
    "StrongroomError",
    "TaskRun",
    "Template",
    "TemplateSlot",
    "TransferProgress",
    "TransportError",
    "Unauthorized",
    "Unset",
    "User",
    "ValidationFailed",
    "VaultClient",
    "WrongPassphrase",
]
