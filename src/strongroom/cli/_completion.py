"""``strongroom completion bash|zsh|fish``: the shell completion script."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

__all__ = ["completion_app"]

completion_app = typer.Typer(add_completion=False)

PROG = "strongroom"
COMPLETE_VAR = "_STRONGROOM_COMPLETE"


class Shell(StrEnum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


@completion_app.command("completion")
def completion(shell: Annotated[Shell, typer.Argument(help="Your shell.", metavar="SHELL")]) -> None:
    """Print the completion script for SHELL (commands, options, choices).

    bash: `eval "$(strongroom completion bash)"` in ~/.bashrc; zsh: the same in ~/.zshrc;
    fish: `strongroom completion fish > ~/.config/fish/completions/strongroom.fish`.
    """
    from typer._completion_shared import get_completion_script

    typer.echo(get_completion_script(prog_name=PROG, complete_var=COMPLETE_VAR, shell=shell.value))
