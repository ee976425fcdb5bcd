"""Real Chromium (Debian's ``chromium`` package) driven by Playwright: launch flags and paths."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
SCREENSHOTS = ROOT / "var" / "screenshots"
CHROMIUM = os.environ.get("STRONGROOM_TEST_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium dials out, which the closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """The Chromium binary; a missing one is a setup error (``.ci/run`` installs the Debian package)."""
    found = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    assert found, f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    return found


def web_tool(name: str) -> Path:
    """A tool from web/node_modules/.bin (``make web-deps`` installs them)."""
    tool = WEB / "node_modules" / ".bin" / name
    assert tool.exists(), f"{tool} is missing: run `make web-deps` (npm ci in web/)"
    return tool


def bundle_harness(out_dir: Path) -> str:
    """The crypto harness (web/test/harness.ts and the page's crypto module) as one script."""
    return bundle_script("test/harness.ts", out_dir)


def bundle_script(entry: str, out_dir: Path) -> str:
    """``entry`` (a path under web/) and what it imports, bundled by esbuild into one classic script."""
    out = out_dir / (Path(entry).stem + ".js")
    subprocess.run(
        [
            str(web_tool("esbuild")),
            entry,
            "--bundle",
            "--format=iife",
            "--target=es2022",
            f"--outfile={out}",
            "--log-level=warning",
        ],
        cwd=WEB,
        check=True,
        timeout=120,
    )
    return out.read_text()
