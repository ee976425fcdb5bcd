"""The database dump sees every table and notices any change (the matrix's "nothing changed" rests on it)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.security.dump import DatabaseReader


async def test_a_dump_shows_every_row_and_any_change_is_a_difference(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, secret BLOB, note TEXT)"))
        await conn.execute(text("INSERT INTO t VALUES (1, x'00ff', 'a')"))
    reader = DatabaseReader(url, cache_schema=True)
    try:
        before = await reader.dump()
        assert before.columns == {"t": ("id", "secret", "note")}
        assert ("t", "secret", b"\x00\xff") in before.cells()
        assert before.differences(await reader.dump()) == []
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE t SET note = 'b' WHERE id = 1"))
        assert before.differences(await reader.dump()) == [
            "t: 1 row(s) changed or removed, 1 row(s) changed or added"
        ]
    finally:
        await reader.aclose()
        await engine.dispose()
