"""The typer application: the root command, and its command groups registered lazily.

A group is named here with the module that defines it and a one-line help; the module is imported only
when that group runs (or completes), so ``strongroom --help`` and ``--version`` import none of them.
Register a new group with :func:`lazy` (``lazy("name", "strongroom.cli._module:typer_app", "Help.")``);
commands that another module adds to a group are named by ``extend`` ("module:function", called with the
group's Typer before it is built), so they load with that group and not before. ``app.add_typer`` still
works too (the module is then imported at start-up).

Every failure leaves as one ``error:`` line on stderr with the README's exit code: usage errors 2,
Ctrl-C 130 (see ``_errors``).
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from typer import Abort
from typer._click import Context, HelpFormatter
from typer._click.core import Command
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
from typer.core import TyperGroup

from strongroom.cli._context import PROFILE_ENV, invocation
from strongroom.cli._errors import EXIT_INPUT, EXIT_INTERRUPTED, error_line

__all__ = ["LAZY", "app", "lazy"]

# name -> (module:attribute, one-line help); the attribute is a typer.Typer (a group or one command).
LAZY: dict[str, tuple[str, str]] = {}
# name -> "module:function" callables that add commands to that group's Typer when it loads.
EXTENSIONS: dict[str, tuple[str, ...]] = {}


def lazy(name: str, target: str, help: str, extend: tuple[str, ...] = ()) -> None:
    """Register the command (group) ``name`` defined by ``target`` ("module:attribute")."""
    LAZY[name] = (target, help)
    EXTENSIONS[name] = extend


def _load(target: str) -> Any:
    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


lazy("unlock", "strongroom.cli._unlock:unlock_app", "Open the account once; print STRONGROOM_SESSION.")
lazy("lock", "strongroom.cli._unlock:lock_app", "End the unlocked session.")
lazy(
    "users",
    "strongroom.cli._users:users",
    "Accounts: create, log in, passphrase and keys, sessions, delete.",
    extend=("strongroom.cli._lifecycle:register", "strongroom.cli._sessions:register"),
)
lazy(
    "templates",
    "strongroom.cli._items:templates",
    "Card templates: list, show, create.",
    extend=("strongroom.cli._invitations:register_templates",),
)
lazy(
    "items",
    "strongroom.cli._items:items",
    "Cards: create, list, read by name, update, delete, attach files.",
    extend=("strongroom.cli._attachments:register_items",),
)
lazy("connections", "strongroom.cli._connections:connections", "Connections: invite, accept, verify, rename.")
lazy("invitations", "strongroom.cli._invitations:invitations", "Invitations you sent: list, cancel.")
lazy(
    "shares",
    "strongroom.cli._shares:shares",
    "Shares of cards between connected users.",
    extend=("strongroom.cli._share_events:register", "strongroom.cli._attachments:register_shares"),
)
lazy("export", "strongroom.cli._export:export_app", "Write your cards to an encrypted export file.")
lazy("import", "strongroom.cli._export:import_app", "Restore cards from an export file into this account.")
lazy("client-tasks", "strongroom.cli._tasks:client_tasks", "Client tasks: work only your keys can do.")
lazy("serve", "strongroom.cli._serve:serve_app", "Run the Keystore and the Vault on one port.")
lazy("worker", "strongroom.cli._worker:worker_app", "Deliver the Vault's outgoing mail.")
lazy("demo", "strongroom.cli._demo:demo_app", "Alice and Bob walk the guide, command by command.")
lazy("completion", "strongroom.cli._completion:completion_app", "Print the shell completion script.")


class LazyGroup(TyperGroup):
    """A group whose subcommands (see :data:`LAZY`) are imported when used, with one-line errors."""

    def list_commands(self, ctx: Context) -> list[str]:
        eager = [name for name in super().list_commands(ctx) if name not in LAZY]
        return [*LAZY, *eager]

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is not None or cmd_name not in LAZY:
            return found
        target = _load(LAZY[cmd_name][0])
        for extension in EXTENSIONS.get(cmd_name, ()):
            _load(extension)(target)
        if isinstance(target, typer.Typer):
            target._add_completion = False  # `strongroom completion SHELL` covers every command
            target.rich_markup_mode = None  # plain help: whole option names, no boxes
            command = typer.main.get_command(target)
        else:
            command = target
        command.name = cmd_name
        self.add_command(command, cmd_name)
        return command

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            if name in LAZY:
                rows.append((name, LAZY[name][1]))
            else:
                command = super().get_command(ctx, name)
                if command is not None and not command.hidden:
                    rows.append((name, command.get_short_help_str(formatter.width)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if "_STRONGROOM_COMPLETE" in os.environ:
            from typer._completion_classes import completion_init

            completion_init()  # typer's bash/zsh/fish completers (see `strongroom completion`)
        try:
            code = super().main(
                args=args,
                prog_name=prog_name or "strongroom",
                complete_var=complete_var,
                standalone_mode=False,
                **extra,
            )
        except NoArgsIsHelpError as exc:
            # `strongroom` or `strongroom items` alone: the help is the answer, not an error.
            sys.stdout.write(exc.ctx.get_help() + "\n" if exc.ctx is not None else "")
            code = 0
        except UsageError as exc:
            where = exc.ctx.command_path if exc.ctx is not None else "strongroom"
            error_line(f"{exc.format_message()} (see `{where} --help`)")
            code = EXIT_INPUT
        except ClickException as exc:
            error_line(exc.format_message())
            code = exc.exit_code
        except (Abort, KeyboardInterrupt, EOFError):
            error_line("interrupted")
            code = EXIT_INTERRUPTED
        code = code if isinstance(code, int) else 0
        if not standalone_mode:
            return code
        sys.exit(code)


def _version(value: bool) -> None:
    if value:
        from strongroom import __version__

        typer.echo(f"strongroom {__version__}")
        raise typer.Exit


app = typer.Typer(
    name="strongroom",
    cls=LazyGroup,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)


@app.callback()
def _root(
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            "-p",
            envvar=PROFILE_ENV,
            help="Act as this profile's user ($XDG_CONFIG_HOME/strongroom/PROFILE.yaml; default: default).",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Strongroom: an end-to-end encrypted Vault and Keystore.

    Start with `strongroom users create`, then `eval "$(strongroom unlock)"` so that commands stop
    asking for the passphrase. Items, shares and connections are named by name, label, the other
    person's name, or any unique id prefix. Results go to stdout (YAML with a `kind`, or --output
    json|table); progress, notes and errors go to stderr. Exit codes: 1 refused, 2 bad input,
    3 authentication, 4 unreachable, 130 interrupted.
    """
    invocation.profile = profile
