"""``strongroom demo``: Alice and Bob walk the seed's flows against an embedded (or given) server.

The services are imported only when the command runs (for the embedded server).
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from strongroom.cli._errors import CliError, guarded

__all__ = ["embedded_server", "register"]


@contextmanager
def embedded_server(data_dir: Path, timeout: float = 60.0) -> Iterator[str]:
    """Both services on a free port of 127.0.0.1, in a background thread, with the mail worker delivering
    into ``<data_dir>/mail``; yields the base URL and stops the server when the block ends."""
    import uvicorn

    from strongroom.kit.settings import Settings
    from strongroom.server import create_app

    # A throwaway server of the demo's own users: they invite without first verifying their addresses.
    settings = Settings(
        data_dir=data_dir,
        host="127.0.0.1",
        port=0,
        run_mail_worker=True,
        mail_poll_interval=0.2,
        require_verified_email=False,
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=0, log_config=None, access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="strongroom-demo-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise CliError("the embedded server did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    settings.public_url = f"http://127.0.0.1:{port}"  # what the invitation mail cites
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)


def register(app: typer.Typer) -> None:
    @app.command()
    @guarded
    def demo(
        url: Annotated[
            str | None,
            typer.Option("--url", help="Use this running server instead of an embedded one."),
        ] = None,
        data_dir: Annotated[
            Path | None,
            typer.Option(
                "--data-dir",
                help="The server's data folder (embedded: kept there; with --url: where to read the mail and "
                "the Vault database from).",
            ),
        ] = None,
    ) -> None:
        """Alice and Bob walk the guide: sign up, invite by mail, accept, share, read, edit, revoke.

        Ends by showing side by side what the Vault's database holds for the shared card (ciphertext) and
        what Bob sees (plaintext).
        """
        from strongroom.cli._demo_flow import run_demo

        if url is not None:
            asyncio.run(run_demo(url.rstrip("/"), data_dir))
            return
        if data_dir is not None:
            with embedded_server(data_dir) as base:
                asyncio.run(run_demo(base, data_dir))
            return
        folder = Path(tempfile.mkdtemp(prefix="strongroom-demo-"))
        try:
            with embedded_server(folder) as base:
                asyncio.run(run_demo(base, folder))
        finally:
            shutil.rmtree(folder, ignore_errors=True)


demo_app = typer.Typer(add_completion=False)
register(demo_app)
