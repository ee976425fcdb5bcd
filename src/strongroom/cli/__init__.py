"""The ``strongroom`` command line."""

from __future__ import annotations

import os

# Plain help and errors (no boxes, no truncated option names), and no ``rich`` import at start-up.
os.environ.setdefault("TYPER_USE_RICH", "0")

from strongroom.cli._app import app


def main() -> None:
    """Entry point of the ``strongroom`` console script."""
    app()


__all__ = ["app", "main"]
