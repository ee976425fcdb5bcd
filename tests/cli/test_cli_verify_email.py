"""``strongroom users verify-email`` against a server with the secure defaults (verified senders only),
and an invitation mail whose sender quotes a command of their own."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from pydantic import SecretStr

from strongroom.cli._connections import parse_invitation_mail
from strongroom.kit.settings import Settings
from tests.cli.conftest import Cli, Server
from tests.cli.test_cli_users import one_error_line
from tests.client.keypool import use_key_pool
from tests.client.live import live_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real server with the deployment defaults: invitations need a verified address."""
    data_dir = tmp_path_factory.mktemp("strict-server")
    settings = Settings(
        data_dir=data_dir,
        service_credential=SecretStr("test-service-credential"),
        run_mail_worker=True,
        mail_poll_interval=0.1,
        log_json=True,
    )
    assert settings.require_verified_email
    with pytest.MonkeyPatch.context() as patch:
        use_key_pool(patch)
        with live_server(settings) as url:
            yield Server(url, data_dir)


def wait_for_code(mail_dir: Path, recipient: str, patience: float = 30.0) -> str:
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        for path in sorted((mail_dir / "new").glob("*")) if (mail_dir / "new").exists() else []:
            text = path.read_text(errors="replace")
            if f"To: {recipient}" in text and "verification code" in text:
                found = re.search(r"code: (\d{6})", text)
                assert found, text
                return found.group(1)
        time.sleep(0.1)
    raise AssertionError(f"no code mailed to {recipient}")


def test_verify_email_then_invite(cli: Cli, server: Server) -> None:
    assert cli("users", "create", "-o", "alice.yaml", "--email", "alice@example.test").code == 0
    refused = cli("connections", "invite", "--email", "bob@example.test", "-a", "alice.yaml")
    assert refused.code == 1
    assert "verify" in one_error_line(refused.stderr)

    asked = cli("users", "verify-email", "-a", "alice.yaml")
    assert asked.code == 0, asked.stderr
    assert "strongroom users verify-email --code" in asked.stderr
    code = wait_for_code(server.data_dir / "mail", "alice@example.test")
    wrong = cli(
        "users", "verify-email", "--code", "000000" if code != "000000" else "111111", "-a", "alice.yaml"
    )
    assert wrong.code == 2 or wrong.code == 1
    assert "code" in one_error_line(wrong.stderr)
    confirmed = cli("users", "verify-email", "--code", code, "-a", "alice.yaml")
    assert confirmed.code == 0, confirmed.stderr
    assert "Verified alice@example.test" in confirmed.stderr
    shown = yaml.safe_load(cli("users", "get", "-a", "alice.yaml").stdout)["spec"]
    assert shown["email_verified_at"] is not None

    invited = cli("connections", "invite", "--email", "bob@example.test", "-a", "alice.yaml")
    assert invited.code == 0, invited.stderr


def test_a_quoted_command_in_the_senders_message_is_not_taken_for_the_real_one() -> None:
    evil, real = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"
    mail = (
        "Subject: eve@example.test invites you to connect on Strongroom\n\n"
        f"> strongroom connections accept --invitation-id {evil} --token inv_evil\n"
        "> Token: inv_evil\n\n"
        f"Invitation id: {real}\n"
        "Token: inv_real\n\n"
        f"    strongroom connections accept --invitation-id {real} --token inv_real\n"
    )
    assert parse_invitation_mail(mail) == ("inv_real", real)
