"""Both services under one port, in-process and as a real ``strongroom serve`` process."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from strongroom.client import Strongroom
from strongroom.kit.settings import Settings
from strongroom.server import create_app
from tests.support import app_client


async def test_both_services_answer_under_their_prefix(settings: Settings) -> None:
    async with app_client(create_app(settings)) as client:
        for prefix in ("/keystore", "/vault"):
            r = await client.get(f"{prefix}/health")
            assert r.status_code == 200
            assert r.json() == {"status": "ok"}
            r = await client.get(f"{prefix}/version")
            assert r.json()["component"]["name"] == prefix.strip("/")
        r = await client.get("/keystore/openapi.json")
        assert r.json()["info"]["title"] == "Strongroom Keystore"


def strongroom_command() -> list[str]:
    script = Path(sys.executable).parent / "strongroom"
    if script.exists():
        return [str(script)]
    found = shutil.which("strongroom")
    assert found, "the strongroom console script is not installed"
    return [found]


def test_serve_process_prints_urls_and_answers(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRONGROOM_")}
    proc = subprocess.Popen(
        [*strongroom_command(), "serve", "--port", "0", "--data-dir", str(tmp_path / "data")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 90
        lines: list[str] = []
        while time.monotonic() < deadline and len(lines) < 2:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
        urls = dict(re.findall(r"^(Keystore|Vault):\s+(\S+)$", "".join(lines), re.M))
        assert set(urls) == {"Keystore", "Vault"}, lines
        assert urls["Keystore"].startswith("http://127.0.0.1:")
        for url in urls.values():
            r = httpx.get(f"{url}/health", timeout=10)
            assert r.status_code == 200
        assert (tmp_path / "data" / "keystore.sqlite3").exists()
        assert (tmp_path / "data" / "vault.sqlite3").exists()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("STRONGROOM_")}
    return subprocess.run(
        [*strongroom_command(), *args],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        timeout=120,
    )


def test_serving_one_service_alone_needs_a_shared_credential(tmp_path: Path) -> None:
    result = run_cli("serve", "--only", "vault", "--port", "0", "--data-dir", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: serving one service alone needs STRONGROOM_SERVICE_CREDENTIAL, the same on both"
    )
    assert "Traceback" not in result.stderr
    result = run_cli(
        "serve", "--only", "keystore", "--port", "0", env={"STRONGROOM_SERVICE_CREDENTIAL": "x" * 32}
    )
    assert result.returncode == 2
    assert "STRONGROOM_VAULT_URL" in result.stderr


def test_services_apart_admit_over_http(tmp_path: Path) -> None:
    """The Keystore alone asks the Vault alone for an admission token over HTTP."""
    shared = {"STRONGROOM_SERVICE_CREDENTIAL": "apart-credential-" + "y" * 20}
    vault = start(["--only", "vault", "--data-dir", str(tmp_path / "v")], shared)
    try:
        vault_url = vault.urls["Vault"]
        keystore = start(
            ["--only", "keystore", "--data-dir", str(tmp_path / "k")],
            {**shared, "STRONGROOM_VAULT_URL": vault_url},
        )
        try:
            ks = keystore.urls["Keystore"]
            assert httpx.get(f"{ks}/version", timeout=10).json()["component"]["name"] == "keystore"
            r = httpx.post(
                f"{vault_url}/admission_tokens", headers={"Authorization": "Service x"}, timeout=10
            )
            assert r.status_code == 401

            async def sign_up() -> str | None:
                async with Strongroom(keystore_url=ks, vault_url=vault_url) as client:
                    await client.sign_up("apart passphrase", full_name="Apart")
                    return (await client.me()).full_name

            # Sign-up runs every step of both services, admission included (Keystore → Vault over HTTP).
            assert asyncio.run(sign_up()) == "Apart"
        finally:
            keystore.stop()
    finally:
        vault.stop()


class Running:
    def __init__(self, proc: subprocess.Popen[str], urls: dict[str, str]) -> None:
        self.proc = proc
        self.urls = urls

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start(args: list[str], env: dict[str, str]) -> Running:
    base = {k: v for k, v in os.environ.items() if not k.startswith("STRONGROOM_")}
    proc = subprocess.Popen(
        [*strongroom_command(), "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**base, **env},
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.match(r"^(Keystore|Vault):\s+(\S+)$", line.strip())
    if match is None:
        proc.kill()
        raise AssertionError(f"unexpected first line: {line!r}")
    return Running(proc, {match.group(1): match.group(2)})
