"""The SDK's public surface is exactly what ``strongroom.client.__all__`` lists, and it stays light."""

from __future__ import annotations

import inspect
import subprocess
import sys

import strongroom.client as sdk

PUBLIC = {
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
    "ExportError",
    "CryptoError",
    "Forbidden",
    "Gone",
    "ImportSummary",
    "InvalidArgument",
    "InvalidSecretKey",
    "Invitation",
    "KeyMismatch",
    "InvitationPreview",
    "KeystoreClient",
    "NotFound",
    "NotLoggedIn",
    "OnShare",
    "ProgressCallback",
    "ProtocolError",
    "RateLimited",
    "ServerError",
    "Share",
    "ShareActivity",
    "ShareError",
    "ShareEvent",
    "ShareUnavailable",
    "SessionInfo",
    "SharedCard",
    "SlotInput",
    "Step",
    "Strongroom",
    "StrongroomError",
    "TaskRun",
    "Template",
    "TransferProgress",
    "TemplateSlot",
    "TransportError",
    "Unauthorized",
    "Unset",
    "User",
    "ValidationFailed",
    "VaultClient",
    "WrongPassphrase",
}

FLOWS = {
    "sign_up",
    "log_in",
    "resume",
    "log_out",
    "me",
    "update_profile",
    "templates",
    "template",
    "create_card",
    "cards",
    "card",
    "update_card",
    "remove_slot",
    "delete_card",
    "invite",
    "invitations",
    "cancel_invitation",
    "accept_invitation",
    "connections",
    "connection",
    "delete_connection",
    "share",
    "reshare",
    "shares",
    "get_share",
    "read_share",
    "accept_share",
    "update_share",
    "revoke_share",
    "client_tasks",
    "run_client_tasks",
    "change_passphrase",
    "rotate_secret_key",
    "rotate_keys",
    "delete_account",
    "share_events",
    "export",
    "import_export",
    "create_template",
}


def test_all_lists_exactly_the_public_names() -> None:
    assert set(sdk.__all__) == PUBLIC
    assert len(sdk.__all__) == len(PUBLIC)
    for name in sdk.__all__:
        assert hasattr(sdk, name), name


def test_every_flow_is_an_async_method_of_strongroom() -> None:
    for name in FLOWS:
        method = getattr(sdk.Strongroom, name)
        assert inspect.iscoroutinefunction(method), name


def test_the_exception_tree() -> None:
    assert issubclass(sdk.ApiError, sdk.StrongroomError)
    for cls in (
        sdk.NotFound,
        sdk.Unauthorized,
        sdk.Forbidden,
        sdk.Conflict,
        sdk.Gone,
        sdk.RateLimited,
        sdk.ValidationFailed,
        sdk.ServerError,
    ):
        assert issubclass(cls, sdk.ApiError)
    assert issubclass(sdk.WrongPassphrase, sdk.CryptoError)
    assert issubclass(sdk.CryptoError, sdk.StrongroomError)
    assert issubclass(sdk.TransportError, sdk.StrongroomError)
    assert not issubclass(sdk.TransportError, sdk.ApiError)
    assert issubclass(sdk.AcceptanceRequired, sdk.ShareError)
    assert issubclass(sdk.ShareUnavailable, sdk.ShareError)


def test_importing_the_sdk_and_the_cli_pulls_in_no_service() -> None:
    code = (
        "import sys, strongroom.client, strongroom.cli; "
        "bad = [m for m in sys.modules if m.split('.')[:2] in "
        "(['strongroom','keystore'], ['strongroom','vault'], ['strongroom','server'])"
        " or m in ('fastapi', 'sqlalchemy', 'uvicorn')]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
