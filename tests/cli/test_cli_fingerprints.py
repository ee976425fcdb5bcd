"""``strongroom connections verify --their-key``: the fingerprint the other person reads out must be the key
the Vault gives you for them; any mismatch exits 1."""

from __future__ import annotations

from pathlib import Path

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

from tests.cli.conftest import Cli, Server
from tests.cli.test_cli_sharing import spec
from tests.cli.test_cli_users import one_error_line
from tests.client.live import live_app
from tests.client.test_client_lying_vault import KEY_FIELDS, LyingVault


def connected(cli: Cli) -> tuple[str, str]:
    """Alice and Bob, connected in one go; returns (alice's connection id, bob's)."""
    assert cli("users", "create", "-o", "alice.yaml").code == 0
    assert cli("users", "create", "-o", "bob.yaml").code == 0
    config = cli("connections", "create-config", "--from", "alice.yaml", "--to", "bob.yaml")
    Path("c.yaml").write_text(config.stdout)
    pair = spec(cli("connections", "create", "-c", "c.yaml").stdout, "Connection")
    return pair["from"]["connection"]["id"], pair["to"]["connection"]["id"]


def test_verify_with_their_key_exits_1_on_a_mismatch(cli: Cli) -> None:
    assert cli("users", "create", "-o", "alice.yaml").code == 0
    assert cli("users", "create", "-o", "bob.yaml").code == 0
    Path("c.yaml").write_text(
        cli("connections", "create-config", "--from", "alice.yaml", "--to", "bob.yaml").stdout
    )
    pair = spec(cli("connections", "create", "-c", "c.yaml").stdout, "Connection")
    alice_conn, bob_conn = pair["from"]["connection"]["id"], pair["to"]["connection"]["id"]
    bobs_key = spec(
        cli("connections", "verify", bob_conn, "-a", "bob.yaml").stdout, "ConnectionFingerprints"
    )["your_key"]

    heard = bobs_key.replace(" ", "-")  # read out over the phone, written down with dashes
    checked = cli("connections", "verify", alice_conn, "--their-key", heard, "-a", "alice.yaml")
    assert checked.code == 0, checked.stderr
    assert spec(checked.stdout, "ConnectionFingerprints")["their_key_matches"] is True

    wrong = ("1" if bobs_key[0] != "1" else "2") + bobs_key[1:]
    refused = cli("connections", "verify", alice_conn, "--their-key", wrong, "-a", "alice.yaml")
    assert refused.code == 1
    assert spec(refused.stdout, "ConnectionFingerprints")["their_key_matches"] is False
    assert "do not share over this connection" in one_error_line(refused.stderr)


def test_key_mismatch_is_one_line_and_exit_1() -> None:
    """KeyMismatch (raised by the SDK against a key-swapping Vault, tests/client/test_client_lying_vault.py)
    is one line on stderr and exit 1, never a traceback."""
    from strongroom.cli._errors import EXIT_FAILURE, describe
    from strongroom.client import KeyMismatch

    message, code = describe(KeyMismatch("c0ffee00-0000-0000-0000-000000000000"))
    assert code == EXIT_FAILURE
    assert "not yours" in message
    assert "do not trust this connection" in message


def lying_proxy(upstream: str) -> ASGIApp:
    """An HTTP front of the real server whose Vault swaps every connection key it serves."""
    liar = LyingVault(httpx.AsyncHTTPTransport(), KEY_FIELDS)
    liar.lying = True

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = [(k.decode(), v.decode()) for k, v in scope["headers"] if k.lower() != b"host"]
        query = f"?{scope['query_string'].decode()}" if scope["query_string"] else ""
        request = httpx.Request(
            scope["method"], f"{upstream}{scope['path']}{query}", headers=headers, content=body
        )
        response = await liar.handle_async_request(request)
        content = await response.aread()
        out = [(k.encode(), v.encode()) for k, v in response.headers.items() if k.lower() != "content-length"]
        out.append((b"content-length", str(len(content)).encode()))
        await send({"type": "http.response.start", "status": response.status_code, "headers": out})
        await send({"type": "http.response.body", "body": content})

    return app


def test_verify_through_a_key_swapping_vault_exits_1(cli: Cli, server: Server) -> None:
    assert cli("users", "create", "-o", "alice.yaml").code == 0
    assert cli("users", "create", "-o", "bob.yaml").code == 0
    Path("c.yaml").write_text(
        cli("connections", "create-config", "--from", "alice.yaml", "--to", "bob.yaml").stdout
    )
    alice_conn = spec(cli("connections", "create", "-c", "c.yaml").stdout, "Connection")["from"][
        "connection"
    ]["id"]
    with live_app(lying_proxy(server.url), lifespan="off") as hostile:
        lied_to = cli("connections", "verify", alice_conn, "-a", "alice.yaml", "--url", hostile)
    assert lied_to.code == 1
    assert "serves a public key that is not yours" in one_error_line(lied_to.stderr)
    assert lied_to.stdout == ""
    honest = cli("connections", "verify", alice_conn, "-a", "alice.yaml")
    assert honest.code == 0, honest.stderr
