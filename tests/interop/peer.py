"""Drive tools/interop/peer.mjs (the reference npm libraries) from Python, one JSON line per request."""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TOOL_DIR = ROOT / "tools" / "interop"
FIXTURES = ROOT / "tests" / "fixtures" / "interop"
MISSING_REASON = "node or tools/interop/node_modules missing — run `make interop`"
_RESPONSE_TIMEOUT = 120.0


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def node_path() -> str | None:
    return shutil.which("node")


def b64(data: bytes) -> str:
    """cryppo's encoding: URL-safe base64 with padding."""
    return base64.urlsafe_b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text.encode("ascii"))


def load_vectors(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


class PeerError(Exception):
    """The Node peer answered ``{"ok": false}``: the reference library refused the input."""


class NodePeer:
    """A running ``node tools/interop/peer.mjs``; :meth:`call` sends one request and waits for its answer."""

    def __init__(self, node: str) -> None:
        self._process = subprocess.Popen(
            [node, str(TOOL_DIR / "peer.mjs")],
            cwd=TOOL_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def call(self, op: str, **fields: Any) -> dict[str, Any]:
        """Send ``{"op": op, **fields}``; return the response, raise :class:`PeerError` if not ok."""
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None
        assert stdout is not None
        stdin.write(json.dumps({"op": op, **fields}) + "\n")
        stdin.flush()
        ready, _, _ = select.select([stdout], [], [], _RESPONSE_TIMEOUT)
        line = stdout.readline() if ready else ""
        if not line:
            raise RuntimeError(f"node peer gave no answer to {op!r}: {self._stderr_tail()}")
        response: dict[str, Any] = json.loads(line)
        if not response.pop("ok"):
            raise PeerError(response["error"])
        return response

    def _stderr_tail(self) -> str:
        if self._process.poll() is None or self._process.stderr is None:
            return "(still running)"
        return self._process.stderr.read()[-2000:]

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        for stream in (self._process.stdout, self._process.stderr):
            if stream is not None:
                stream.close()
