"""Everything the CLI prints: results on stdout (YAML with a ``kind`` by default, JSON or a table on
request), and notes, progress and errors on stderr only."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

import yaml
from rich.console import Console
from rich.table import Table

__all__ = ["Format", "err_console", "note", "plain", "render", "to_yaml"]


class Format(StrEnum):
    yaml = "yaml"
    json = "json"
    table = "table"


def err_console() -> Console:
    """A console on stderr (progress, notes, errors)."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def note(text: str) -> None:
    """One line of information for the person, on stderr (never mixed with the result on stdout)."""
    err_console().print(text, markup=False)


def plain(value: Any) -> Any:
    """``value`` as plain data (dicts, lists, strings): dataclasses unfolded, datetimes in ISO 8601."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


class _Dumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_representer)


def to_yaml(document: Mapping[str, Any]) -> str:
    """YAML text of a document, keys in the given order."""
    return yaml.dump(dict(document), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000)


def render(
    kind: str,
    spec: Any,
    *,
    output: Format = Format.yaml,
    metadata: Mapping[str, Any] | None = None,
    columns: Sequence[str] = (),
) -> None:
    """Print a result on stdout: ``{kind, metadata?, spec}`` as YAML or JSON, or ``spec`` as a table.

    ``columns`` choose the table's columns (for a list, or for a single record shown as one row).
    """
    data = plain(spec)
    if output is Format.table:
        rows = data if isinstance(data, list) else [data]
        _table(kind, rows, columns)
        return
    document: dict[str, Any] = {"kind": kind}
    if metadata:
        document["metadata"] = plain(metadata)
    document["spec"] = data
    if output is Format.json:
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(to_yaml(document))
    sys.stdout.flush()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _table(kind: str, rows: list[Any], columns: Sequence[str]) -> None:
    keys = list(columns)
    if not keys:
        for row in rows:
            if isinstance(row, dict):
                keys.extend(k for k in row if k not in keys and not isinstance(row[k], list | dict))
    table = Table(title=kind, title_justify="left")
    for key in keys:
        table.add_column(key)
    for row in rows:
        record = row if isinstance(row, dict) else {"value": row}
        table.add_row(*(_cell(record.get(k)) for k in keys))
    Console(file=sys.stdout, highlight=False, width=200 if not sys.stdout.isatty() else None).print(table)
