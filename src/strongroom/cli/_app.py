"""The typer application and its command groups."""

from __future__ import annotations

import typer

from strongroom.cli import _serve

app = typer.Typer(
    name="strongroom",
    help="Strongroom: an end-to-end encrypted Vault and Keystore.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
_serve.register(app)


@app.callback()
def _root() -> None:
    """Strongroom: an end-to-end encrypted Vault and Keystore."""
