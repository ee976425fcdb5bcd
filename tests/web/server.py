"""A real ``strongroom serve --port 0`` process for the browser tests, its output kept for the log audit."""

from __future__ import annotations

import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e.conftest import READY, E2EServer, clean_env, strongroom_command


@dataclass
class WebServer:
    """The process, its base URL (the page is at ``url + "/"``), its data folder and its log file."""

    process: subprocess.Popen[str]
    url: str
    data_dir: Path
    log_path: Path
    stopped: bool = field(default=False)

    @property
    def e2e(self) -> E2EServer:
        """The same server as the CLI end-to-end helpers see it."""
        return E2EServer(self.url, self.data_dir)

    @property
    def mail_dir(self) -> Path:
        return self.data_dir / "mail"

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_server(data_dir: Path, log_path: Path, **env: str) -> WebServer:
    """Start ``strongroom serve`` on a free port; returns once it printed its URLs (stdout and stderr go to
    ``log_path``, which the canary audit reads)."""
    log = log_path.open("w", encoding="utf-8")
    process = subprocess.Popen(
        [strongroom_command(), "serve", "--port", "0", "--data-dir", str(data_dir)],
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        env=clean_env(
            **{
                "STRONGROOM_MAIL_POLL_INTERVAL": "0.2",
                "STRONGROOM_LOG_LEVEL": "DEBUG",
                "STRONGROOM_REQUIRE_VERIFIED_EMAIL": "false",
                **env,
            }
        ),
    )
    log.close()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = READY.search(log_path.read_text(encoding="utf-8", errors="replace"))
        if found:
            return WebServer(process, found.group(1), data_dir, log_path)
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    raise AssertionError(f"strongroom serve did not start: {log_path.read_text()[-2000:]}")


def wait_for_mail(folder: Path, recipient: str, patience: float = 60.0) -> str:
    """The text of the first delivered mail to ``recipient`` in the maildir ``folder``."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        new = folder / "new"
        for path in sorted(new.glob("*")) if new.exists() else []:
            text = path.read_text(encoding="utf-8", errors="replace")
            if recipient in text:
                return text
        time.sleep(0.2)
    raise AssertionError(f"no mail to {recipient} in {folder}")
