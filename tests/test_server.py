"""Both services under one port, in-process and as a real ``strongroom serve`` process."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

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
