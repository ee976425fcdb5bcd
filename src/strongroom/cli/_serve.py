"""``strongroom serve``: the services over HTTP (the services are imported only when it runs)."""

from __future__ import annotations

import errno
import os
import socket
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
        only: Annotated[
            str | None,
            typer.Option("--only", help="Serve one service alone at / (keystore or vault); default: both."),
        ] = None,
        workers: Annotated[
            int, typer.Option(min=1, help="Worker processes (needs a fixed --port and a shared database).")
        ] = 1,
    ) -> None:
        """Run the Keystore at /keystore and the Vault at /vault on one port (or one of them alone).

        Settings come from STRONGROOM_* environment variables; the options override them.
        """
        from pydantic import ValidationError

        from strongroom.kit.settings import Settings
        from strongroom.server import check_deployment
        from strongroom.server import serve as run

        overrides: dict[str, object] = {}
        if host is not None:
            overrides["host"] = host
        if port is not None:
            overrides["port"] = port
        if data_dir is not None:
            overrides["data_dir"] = data_dir
        if only is not None:
            overrides["services"] = only
        try:
            settings = Settings(**overrides)  # type: ignore[arg-type]
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            typer.echo(f"error: invalid setting {where}: {first['msg']}", err=True)
            raise typer.Exit(2) from None
        if workers > 1 and settings.port == 0:
            typer.echo("error: --workers needs a fixed --port", err=True)
            raise typer.Exit(2)
        try:
            check_deployment(settings)
        except ValueError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None

        _check_port_free(settings.host, settings.port)

        def ready(urls: list[tuple[str, str]]) -> None:
            for name, url in urls:
                typer.echo(f"{name + ':':<10}{url}")
            typer.echo(f"{'Data:':<10}{settings.data_dir.resolve()}  (pid {os.getpid()})")
            sys.stdout.flush()

        try:
            run(settings, workers=workers, on_ready=ready)
        except OSError as exc:
            typer.echo(
                f"error: cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}", err=True
            )
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            raise typer.Exit(130) from None


def _check_port_free(host: str, port: int) -> None:
    """Exit 2 with one line when ``host:port`` is taken (before the services start and migrate)."""
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            reason = "the port is in use" if exc.errno == errno.EADDRINUSE else exc.strerror or str(exc)
            typer.echo(
                f"error: cannot listen on {host}:{port}: {reason} (choose another with --port)", err=True
            )
            raise typer.Exit(2) from None


serve_app = typer.Typer(add_completion=False)
register(serve_app)
