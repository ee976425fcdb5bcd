"""Durations and times as every option takes them: ``90s``, ``15m``, ``2h``, ``7d``, ``1w`` (a bare number
is seconds), and ISO 8601 times."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from strongroom.cli._errors import EXIT_INPUT, CliError

__all__ = ["DurationOpt", "duration_option", "parse_duration", "parse_time", "seconds"]

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> timedelta:
    """``90``, ``90s``, ``15m``, ``2h``, ``7d``, ``1w`` as a timedelta; CliError (exit 2) otherwise."""
    match = _DURATION.match(text)
    if match is None or int(match.group(1)) == 0:
        raise CliError(f"not a duration: {text!r} (use e.g. 90s, 15m, 2h, 7d)", EXIT_INPUT)
    return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])


def seconds(text: str | None) -> int | None:
    """A duration option's value in whole seconds (None stays None)."""
    return None if text is None else int(parse_duration(text).total_seconds())


def _check(value: str | None) -> str | None:
    if value is not None:
        try:
            parse_duration(value)
        except CliError as exc:
            raise typer.BadParameter(exc.message) from None
    return value


def duration_option(*names: str, help: str) -> typer.models.OptionInfo:
    """A typer option taking a duration (checked when parsed: a usage error, exit 2)."""
    option: typer.models.OptionInfo = typer.Option(
        *names, help=f"{help} (e.g. 90s, 15m, 2h, 7d)", metavar="DURATION", callback=_check
    )
    return option


DurationOpt = Annotated[str | None, duration_option("--expires-in", help="Lifetime from now")]


def parse_time(value: object, what: str) -> datetime:
    """An ISO 8601 time (YAML may already have parsed it); naive times are taken as UTC."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise CliError(f"{what}: not an ISO 8601 time: {value!r}", EXIT_INPUT) from None
    else:
        raise CliError(f"{what}: not an ISO 8601 time", EXIT_INPUT)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
