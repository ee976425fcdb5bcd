"""The CLI as a newcomer lives with it, against a real ``strongroom serve``: the invitation mail's commands
run as written by someone without an account, an unlocked session across processes, Ctrl-C at a prompt,
a busy port and a bad URL."""

from __future__ import annotations

import os
import pty
import re
import shlex
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import Run, Shell, clean_env, strongroom_command
from tests.e2e.test_e2e_cli import spec, wait_for_mail

pytestmark = pytest.mark.e2e


def test_a_newcomer_runs_the_mails_two_commands_as_written(shell: Shell, tmp_path: Path) -> None:
    assert (
        shell("users", "create", "-o", "inviter.yaml", "--name", "Ines", "--email", "ines@example.test").code
        == 0
    )
    invited = shell("connections", "invite", "--email", "newcomer@example.test", "-a", "inviter.yaml")
    assert invited.code == 0, invited.stderr
    mail = wait_for_mail(shell.server.mail_dir, "newcomer@example.test")
    newcomer = mail.split("New to Strongroom?")[1]
    commands = [line.strip() for line in newcomer.splitlines() if line.strip().startswith("strongroom ")]
    assert [c.split()[1:3] for c in commands] == [["users", "create"], ["connections", "accept"]]
    # A fresh home: no auth file, no STRONGROOM_URL; the commands carry everything they need.
    home = Shell(shell.server, tmp_path)
    for command in commands:
        done = home(*shlex.split(command)[1:], url="")
        assert done.code == 0, (command, done.stderr)
    assert (tmp_path / "config" / "strongroom" / "default.yaml").exists()
    connection = spec(home("connections", "get", "Ines", url=""), "Connection")
    assert connection["nickname"] == "Ines"
    assert connection["user_email"] == "ines@example.test"


@pytest.fixture(scope="module")
def me(shell: Shell) -> str:
    """One account for the tests below (making one costs an RSA-4096 key pair)."""
    created = shell("users", "create", "-o", "me.yaml", "--email", "me@example.test")
    assert created.code == 0, created.stderr
    return "me.yaml"


def test_one_cannot_invite_oneself_and_a_bad_token_is_one_line(shell: Shell, me: str) -> None:
    refused = shell("connections", "invite", "--email", "ME@example.test", "-a", me)
    assert refused.code == 2
    assert "your own address" in refused.error_line()
    # Checked before any key pair is made (see the SDK's test): a plain "not found", exit 1.
    bad = shell("connections", "accept", "inv_no-such-token", "-a", me)
    assert bad.code == 1
    assert "not found" in bad.error_line()


def test_unlock_once_then_commands_in_other_processes_need_no_passphrase(shell: Shell, me: str) -> None:
    unlocked = shell("unlock", "-a", me)
    assert unlocked.code == 0, unlocked.stderr
    found = re.fullmatch(r"export STRONGROOM_SESSION=(\S+)\n", unlocked.stdout)
    assert found, unlocked.stdout
    session = {"STRONGROOM_SESSION": found.group(1)}
    listed = shell("items", "list", "-a", me, passphrase=None, env=session)
    assert listed.code == 0, listed.stderr
    assert shell("lock", env=session).code == 0
    after = shell("items", "list", "-a", me, passphrase=None, env=session)
    assert after.code == 3
    assert "strongroom unlock" in after.error_line()


def test_ctrl_c_at_the_passphrase_prompt_exits_130_at_once(shell: Shell, me: str) -> None:
    env = clean_env(STRONGROOM_URL=shell.server.url, XDG_CONFIG_HOME=str(shell.folder / "config"))
    main, child = pty.openpty()
    process = subprocess.Popen(
        [strongroom_command(), "items", "list", "-a", me],
        stdin=child,
        stdout=child,
        stderr=child,
        cwd=shell.folder,
        env=env,
        start_new_session=True,
    )
    os.close(child)
    try:
        seen = b""
        deadline = time.monotonic() + 30
        while b"Passphrase" not in seen and time.monotonic() < deadline:
            seen += os.read(main, 1024)
        assert b"Passphrase" in seen, seen
        os.kill(process.pid, signal.SIGINT)  # the first Ctrl-C
        started = time.monotonic()
        code = process.wait(timeout=10)
        assert code == 130
        assert time.monotonic() - started < 5  # at once: not after a second Ctrl-C or a timeout
        rest = b""
        try:
            while chunk := os.read(main, 1024):
                rest += chunk
        except OSError:
            pass  # the terminal closed with the process
        assert b"Traceback" not in rest
        assert b"unexpected error" not in rest
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(main)


def run(*args: str) -> Run:
    done = subprocess.run(
        [strongroom_command(), *args],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=120,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def test_serve_on_a_busy_port_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(tmp_path))
    assert result.code == 2
    assert f"127.0.0.1:{port}" in result.error_line()
    assert "in use" in result.error_line()
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_a_url_without_scheme_is_bad_input_not_unreachable(shell: Shell) -> None:
    result = shell("users", "create", "-o", "x.yaml", url="127.0.0.1:8000")
    assert result.code == 2
    assert "not a server URL" in result.error_line()
