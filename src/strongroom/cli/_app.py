"""The typer application and its command groups.

Nothing here imports the services: ``serve``, ``worker`` and ``demo`` import them inside the command.
"""

from __future__ import annotations

import typer

from strongroom.cli import _attachments, _demo, _export, _lifecycle, _serve, _share_events, _worker
from strongroom.cli._connections import connections
from strongroom.cli._invitations import invitations, register_templates
from strongroom.cli._items import items, templates
from strongroom.cli._shares import shares
from strongroom.cli._tasks import client_tasks
from strongroom.cli._users import users

app = typer.Typer(
    name="strongroom",
    help="Strongroom: an end-to-end encrypted Vault and Keystore.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(users, name="users")
app.add_typer(templates, name="templates")
app.add_typer(items, name="items")
app.add_typer(connections, name="connections")
app.add_typer(shares, name="shares")
app.add_typer(client_tasks, name="client-tasks")
_serve.register(app)
_worker.register(app)
_demo.register(app)
_lifecycle.register(users)
_share_events.register(shares)
_export.register(app)
app.add_typer(invitations, name="invitations")
register_templates(templates)
_attachments.register(items, shares)


@app.callback()
def _root() -> None:
    """Strongroom: an end-to-end encrypted Vault and Keystore.

    Results go to stdout (YAML with a `kind`, or --output json|table); progress, notes and errors go to
    stderr. -a FILE (default .user.yaml) chooses the user; --url or STRONGROOM_URL the server.
    """
