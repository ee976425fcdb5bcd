"""``strongroom worker``: the Vault's mail delivery worker alone (the services are imported when it runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from strongroom.cli._errors import CliError, guarded

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command()
    @guarded
    def worker(
        data_dir: Annotated[
            Path | None, typer.Option("--data-dir", help="Folder of the SQLite files and the mail folder.")
        ] = None,
    ) -> None:
        """Deliver the Vault's outgoing mail (SMTP, or the maildir folder) until interrupted.

        Reads the same STRONGROOM_* settings as `strongroom serve`; run it beside servers started with
        STRONGROOM_RUN_MAIL_WORKER=false. Several workers may run at once.
        """
        from strongroom.kit.settings import Settings

        try:
            from strongroom.vault.mail.worker import run_worker
        except ImportError as exc:
            raise CliError(f"this installation has no mail worker ({exc.name})") from None

        settings = Settings(data_dir=data_dir) if data_dir is not None else Settings()
        # Say where mail goes, never the database URL (it may carry a password).
        target = (
            f"SMTP {settings.smtp_host}:{settings.smtp_port}"
            if settings.smtp_host
            else f"the maildir {settings.resolved_mail_dir.resolve()}"
        )
        typer.echo(f"Mail worker: delivering to {target} (Ctrl-C stops it)", err=True)
        run_worker(settings)


worker_app = typer.Typer(add_completion=False)
register(worker_app)
