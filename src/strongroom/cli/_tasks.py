"""``strongroom client-tasks``: work the Vault leaves to the client (re-encrypting shares after an edit)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from strongroom.cli._context import (
    DEFAULT_AUTH,
    AuthOpt,
    KeystoreUrlOpt,
    OutputOpt,
    UrlOpt,
    VaultUrlOpt,
    act,
    logged_in,
    run,
)
from strongroom.cli._errors import EXIT_FAILURE, CliError, guarded
from strongroom.cli._output import Format, note, render
from strongroom.client import ClientTask

__all__ = ["client_tasks"]

client_tasks = typer.Typer(help="Client tasks: work only your keys can do.", no_args_is_help=True)


class TaskState(StrEnum):
    todo = "todo"
    in_progress = "in_progress"
    done = "done"
    failed = "failed"


@client_tasks.command("list")
@guarded
def list_(
    state: Annotated[TaskState | None, typer.Option("--state", help="Only tasks in this state.")] = None,
    auth_path: AuthOpt = DEFAULT_AUTH,
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """List your client tasks."""

    async def go() -> list[ClientTask]:
        async with logged_in(auth_path, url, keystore_url, vault_url) as (client, _):
            return await client.client_tasks(state=state.value if state else None)

    render(
        "ClientTasks",
        run(go()),
        output=output,
        columns=("id", "work_type", "target_id", "state", "created_at"),
    )


@client_tasks.command("run")
@guarded
def run_(
    auth_path: AuthOpt = DEFAULT_AUTH,
    output: OutputOpt = Format.yaml,
    url: UrlOpt = None,
    keystore_url: KeystoreUrlOpt = None,
    vault_url: VaultUrlOpt = None,
) -> None:
    """Run every pending task (update_shares: re-encrypt changed cards for their recipients;
    delete_encryption_space, delete_keypair: delete the keys of ended shares and connections)."""

    runs = act(auth_path, url, keystore_url, vault_url, lambda client: client.run_client_tasks())
    render(
        "ClientTaskRuns",
        runs,
        output=output,
        columns=("task_id", "work_type", "target_id", "state", "updated_shares"),
    )
    if not runs:
        note("No pending client tasks.")
    failed = [r for r in runs if r.state == "failed"]
    if failed:
        raise CliError(
            f"{len(failed)} client task(s) failed: {', '.join(f'{r.task_id} ({r.error})' for r in failed)}",
            EXIT_FAILURE,
        )
