"""The ``strongroom`` command line."""

from __future__ import annotations

from strongroom.cli._app import app


def main() -> None:
    """Entry point of the ``strongroom`` console script."""
    app()


__all__ = ["app", "main"]
