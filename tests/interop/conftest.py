"""Interop test fixtures: the committed vectors, and a live Node peer running the reference libraries.

Live tests (``pytest.mark.interop``) skip with a visible reason when Node or tools/interop/node_modules is
missing, except under ``CI=true`` where that is a failure. When Node is present but node_modules is not,
the session runs ``npm ci`` in tools/interop first (the npm registry is reachable in CI).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from typing import Any, NoReturn

import pytest

from tests.interop.peer import MISSING_REASON, TOOL_DIR, NodePeer, in_ci, load_vectors, node_path


def _unavailable(detail: str) -> NoReturn:
    message = f"{MISSING_REASON} ({detail})"
    if in_ci():
        pytest.fail(f"CI=true: the interop tests must run, but {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def cryppo_vectors() -> dict[str, Any]:
    return load_vectors("cryppo-vectors.json")


@pytest.fixture(scope="session")
def srp_vectors() -> dict[str, Any]:
    return load_vectors("srp-vectors.json")


@pytest.fixture(scope="session")
def interop_node() -> str:
    """Path of ``node`` once tools/interop/node_modules is installed (``npm ci`` if it is missing)."""
    node = node_path()
    if node is None:
        _unavailable("no `node` on PATH")
    if not (TOOL_DIR / "node_modules").is_dir():
        npm = shutil.which("npm")
        if npm is None:
            _unavailable("no `npm` on PATH to install tools/interop/node_modules")
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=TOOL_DIR,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            _unavailable(f"`npm ci` in tools/interop failed: {(done.stderr or done.stdout)[-1500:]}")
    return node


@pytest.fixture(scope="session")
def peer(interop_node: str) -> Iterator[NodePeer]:
    node_peer = NodePeer(interop_node)
    try:
        assert node_peer.call("ping") == {"cryppo": True, "jsrp": True}
        yield node_peer
    finally:
        node_peer.close()
