"""Everything the CLI prints: results on stdout (YAML with a ``kind`` by default, JSON or a table on
request), and notes, progress and errors on stderr only.

``yaml`` and ``rich`` are imported when something is printed, not when the CLI starts.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["Format", "cell", "err_console", "note", "plain", "render", "short_id", "to_yaml"]

SHORT_ID = 8  # id characters shown in tables: any unique prefix works as a reference


class Format(StrEnum):
    yaml = "yaml"
    json = "json"
    table = "table"


def err_console() -> Console:
    """A console on stderr (progress, notes, errors)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def note(text: str) -> None:
    """One line of information for the person, on stderr (never mixed with the result on stdout)."""
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


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


def to_yaml(document: Mapping[str, Any]) -> str:
    """YAML text of a document, keys in the given order (multi-line strings as ``|`` blocks)."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
        style = "|" if "\n" in data else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    Dumper.add_representer(str, represent_str)
    return yaml.dump(dict(document), Dumper=Dumper, sort_keys=False, allow_unicode=True, width=1000)


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


def short_id(value: str, others: Sequence[str] = ()) -> str:
    """The shortest prefix of ``value`` (at least 8 characters) that none of ``others`` starts with.

    Ids are UUIDv7, time-ordered: ids made in the same minute share their first characters, so the
    prefix grows until it tells them apart (as git abbreviates hashes). Any unique prefix is accepted
    wherever an id is.
    """
    length = SHORT_ID
    rivals = [o for o in others if o != value]
    while length < len(value) and any(o.startswith(value[:length]) for o in rivals):
        length += 1
    if length < len(value) and value[length - 1] == "-":
        length += 1  # never end on a dash
    return value[:length]


def _is_id_column(key: str) -> bool:
    return key == "id" or key.endswith("_id")


def cell(key: str, value: Any, column: Sequence[str] = ()) -> str:
    """A table cell in words: yes/no for booleans, comma-separated lists, short ids, blank for none."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(cell("", v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {cell('', v)}" for k, v in value.items())
    if isinstance(value, str) and _is_id_column(key) and len(value) == 36:
        return short_id(value, column)
    if isinstance(value, str) and key.endswith("_at") and len(value) >= 16 and value[10:11] == "T":
        return value[:16].replace("T", " ")  # to the minute, UTC: the YAML and JSON keep every digit
    return str(value)


def _table(kind: str, rows: list[Any], columns: Sequence[str]) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    keys = list(columns)
    if not keys:
        for row in rows:
            if isinstance(row, dict):
                keys.extend(k for k in row if k not in keys and not isinstance(row[k], list | dict))
    table = Table(box=box.SIMPLE_HEAD, title=None, pad_edge=False, show_edge=False)
    for key in keys:
        table.add_column(key.upper().replace("_", " "), overflow="fold", no_wrap=_is_id_column(key))
    records = [row if isinstance(row, dict) else {"value": row} for row in rows]
    ids = {k: [str(r[k]) for r in records if r.get(k)] for k in keys if _is_id_column(k)}
    for record in records:
        table.add_row(*(cell(k, record.get(k), ids.get(k, ())) for k in keys))
    # The terminal's width (COLUMNS when set, 80 when piped): never wider than what shows the result.
    width = shutil.get_terminal_size((80, 24)).columns
    Console(file=sys.stdout, highlight=False, width=width, no_color=not sys.stdout.isatty()).print(table)
