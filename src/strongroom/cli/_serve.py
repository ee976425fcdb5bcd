"""``strongroom serve``: both services on one port (the services are imported only when it runs)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
        port: Annotated[int | None, typer.Option(help="Port (0 picks a free one).")] = None,
        data_dir: Annotated[
            Path | None, typer.Option("--data-dir", help="Folder for the SQLite files and the mail folder.")
        ] = None,
    ) -> None:
        """Run the Keystore at /keystore and the Vault at /vault on one port."""
        from strongroom.kit.settings import Settings
        from strongroom.server import serve as run

        overrides: dict[str, object] = {}
        if host is not None:
            overrides["host"] = host
        if port is not None:
            overrides["port"] = port
        if data_dir is not None:
            overrides["data_dir"] = data_dir
        settings = Settings(**overrides)  # type: ignore[arg-type]

        def ready(url: str) -> None:
            typer.echo(f"Keystore: {url}/keystore", err=False)
            typer.echo(f"Vault:    {url}/vault")
            typer.echo(f"Data:     {settings.data_dir.resolve()}  (pid {os.getpid()})")
            sys.stdout.flush()

        run(settings, on_ready=ready)
