"""Everything a database holds, read back as the operator would see it: every table, column and row.

The dump reads the database directly (not through the ORM), so it shows what is really stored: a column
the models forgot to declare, or a value a migration put there, is in it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

__all__ = ["DatabaseDump", "DatabaseReader", "cell_bytes"]

Row = tuple[Any, ...]


def cell_bytes(value: Any) -> bytes:
    """A stored value as bytes: text as UTF-8, binary as is, anything else as its ``str``."""
    if value is None:
        return b""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    return str(value).encode("utf-8")


@dataclass(frozen=True)
class DatabaseDump:
    """``columns[table]`` in storage order and ``rows[table]`` (each a tuple in that order), rows sorted."""

    columns: Mapping[str, tuple[str, ...]]
    rows: Mapping[str, tuple[Row, ...]]

    def cells(self) -> list[tuple[str, str, bytes]]:
        """Every stored value as ``(table, column, bytes)``."""
        out: list[tuple[str, str, bytes]] = []
        for table, rows in self.rows.items():
            names = self.columns[table]
            for row in rows:
                out.extend((table, name, cell_bytes(value)) for name, value in zip(names, row, strict=True))
        return out

    def differences(self, other: DatabaseDump) -> list[str]:
        """Human-readable differences (tables whose rows differ, with row counts); empty when equal."""
        diffs: list[str] = []
        for table in sorted(set(self.rows) | set(other.rows)):
            mine, theirs = self.rows.get(table, ()), other.rows.get(table, ())
            if mine != theirs:
                gone = len(set(mine) - set(theirs))
                new = len(set(theirs) - set(mine))
                diffs.append(f"{table}: {gone} row(s) changed or removed, {new} row(s) changed or added")
        return diffs


def _sort_key(row: Row) -> str:
    return repr(tuple(cell_bytes(v) for v in row))


Schema = dict[str, tuple[str, ...]]


def _schema(conn: Connection) -> Schema:
    """Every table and its columns, from the database's own catalogue."""
    inspector = inspect(conn)
    return {
        t: tuple(c["name"] for c in inspector.get_columns(t)) for t in sorted(inspector.get_table_names())
    }


def _read(conn: Connection, schema: Schema) -> DatabaseDump:
    rows: dict[str, tuple[Row, ...]] = {}
    quote = conn.dialect.identifier_preparer.quote
    for table, names in schema.items():
        # Table and column names come from the database's own catalogue, never from input.
        result = conn.execute(text(f"SELECT {', '.join(quote(n) for n in names)} FROM {quote(table)}"))
        rows[table] = tuple(sorted((tuple(r) for r in result), key=_sort_key))
    return DatabaseDump(columns=dict(schema), rows=rows)


class DatabaseReader:
    """Reads whole databases with an engine of its own (plain reads, no write locks).

    The table list is read from the catalogue on every dump unless ``cache_schema`` is set (the matrix
    dumps hundreds of times while no migration runs).
    """

    def __init__(self, url: str, *, cache_schema: bool = False) -> None:
        self.url = url
        self._engine: AsyncEngine = create_async_engine(url)
        self._cache_schema = cache_schema
        self._schema: Schema | None = None

    async def dump(self) -> DatabaseDump:
        async with self._engine.connect() as conn:
            schema = self._schema if self._cache_schema else None
            if schema is None:
                schema = await conn.run_sync(_schema)
                self._schema = schema
            return await conn.run_sync(_read, schema)

    async def aclose(self) -> None:
        await self._engine.dispose()
