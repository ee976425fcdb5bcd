"""``strongroom demo`` (placeholder until written)."""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command()
    def demo() -> None:
        """Walk the seed's flows with two users."""
