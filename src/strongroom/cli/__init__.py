"""The ``strongroom`` command line."""

from __future__ import annotations

import os
import sys

# Plain help and errors (no boxes, no truncated option names), and no ``rich`` import at start-up.
os.environ.setdefault("TYPER_USE_RICH", "0")
# httpx imports its own command line (click, rich, pygments: ~0.2 s) whenever those are installed; the
# CLI never runs `httpx`, and a None entry makes that optional import fail fast as httpx allows for.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

from strongroom.cli._app import app  # noqa: E402 -- after the two settings above


def main() -> None:
    """Entry point of the ``strongroom`` console script."""
    app()


__all__ = ["app", "main"]
