"""Real ``strongroom serve`` / ``strongroom worker`` processes for the fault tests and the load driver.

A :class:`ServiceProcess` runs one command with a controlled environment (no ``STRONGROOM_*`` variable
leaks in from the caller), keeps its output in a log file (appended across restarts, for the failure
report), and can be SIGKILLed and started again on the same port.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

from tests.support import loopback_env

__all__ = ["ServiceProcess", "free_port", "strongroom_command", "strongroom_env"]


def strongroom_command() -> list[str]:
    """The ``strongroom`` console script of this virtualenv."""
    script = Path(sys.executable).parent / "strongroom"
    if script.exists():
        return [str(script)]
    found = shutil.which("strongroom")
    if found is None:
        raise RuntimeError("the strongroom console script is not installed")
    return [found]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def strongroom_env(settings: Mapping[str, str | int | float | bool]) -> dict[str, str]:
    """This process's environment without any ``STRONGROOM_*`` variable, plus ``STRONGROOM_<KEY>`` = value."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRONGROOM_")}
    env.update(loopback_env())
    # These runs invite without verifying addresses and mail the same addresses often.
    relaxed = {"require_verified_email": False, "invitations_per_recipient": 1_000_000}
    for key, value in {**relaxed, **settings}.items():
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        env[f"STRONGROOM_{key.upper()}"] = text
    env["PYTHONUNBUFFERED"] = "1"
    return env


class ServiceProcess:
    """One ``strongroom <args>`` process that can be started, SIGKILLed and started again.

    ``url`` is the base URL a ``serve`` process answers on. ``ready_line`` is text of the output line (stdout
    or stderr) that says the process is ready (``"Vault:"`` for ``serve``); None means "ready once started".
    ``health_url`` is polled after that when given.
    """

    def __init__(
        self,
        args: list[str],
        env: Mapping[str, str],
        log_path: Path,
        *,
        ready_line: str | None = None,
        health_url: str | None = None,
        url: str = "",
    ) -> None:
        self.args = args
        self.url = url
        self.env = dict(env)
        self.log_path = log_path
        self.ready_line = ready_line
        self.health_url = health_url
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.kills = 0
        self.start_seconds: list[float] = []  # how long each start took, until ready

    @classmethod
    def serve(cls, port: int, data_dir: Path, env: Mapping[str, str], log_path: Path) -> ServiceProcess:
        """``strongroom serve`` on 127.0.0.1:``port``."""
        args = ["serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data_dir)]
        url = f"http://127.0.0.1:{port}"
        return cls(args, env, log_path, ready_line="Vault:", health_url=f"{url}/health", url=url)

    @property
    def pid(self) -> int:
        assert self.proc is not None, "not started"
        return self.proc.pid

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = 180.0) -> None:
        """Start the process and wait until it is ready (raises RuntimeError with its log otherwise)."""
        assert not self.running, "already running"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        stdout_path = self.log_path.with_suffix(".stdout")
        with self.log_path.open("ab") as log, stdout_path.open("wb") as out:
            offset = log.tell()
            log.write(f"--- start #{self.starts + 1}: strongroom {' '.join(self.args)}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                [*strongroom_command(), *self.args],
                stdout=out,
                stderr=log,
                stdin=subprocess.DEVNULL,
                env=self.env,
            )
        self.starts += 1
        began = time.monotonic()
        deadline = began + timeout
        while self.ready_line is not None:
            if self.ready_line in stdout_path.read_text(errors="replace") + self._log_since(offset):
                break
            self._check_alive()
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"strongroom {self.args[0]} not ready in {timeout}s:\n{self.log_tail()}")
            time.sleep(0.05)
        if self.health_url is not None:
            while True:
                try:
                    if httpx.get(self.health_url, timeout=5).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                self._check_alive()
                if time.monotonic() > deadline:
                    self.kill()
                    raise RuntimeError(f"{self.health_url} did not answer in {timeout}s:\n{self.log_tail()}")
                time.sleep(0.05)
        self.start_seconds.append(round(time.monotonic() - began, 1))

    def _log_since(self, offset: int) -> str:
        with self.log_path.open("rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")

    def _check_alive(self) -> None:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(
                f"strongroom {self.args[0]} exited with {self.proc.returncode}:\n{self.log_tail()}"
            )

    def kill(self) -> None:
        """SIGKILL the process (no cleanup of any kind runs) and reap it."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.kills += 1
        self.proc.wait()
        self.proc = None

    def stop(self, timeout: float = 20.0) -> None:
        """Stop gracefully (SIGINT), SIGKILL after ``timeout`` seconds."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def peak_memory_kib(self) -> int | None:
        """The process's peak resident set size (``VmHWM``, KiB) while it runs; None if unknown."""
        if not self.running:
            return None
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        return None

    def log_tail(self, chars: int = 4000) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return text[-chars:]
