"""Reading a test group's whole database, on either backend (SQLite or PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.db import Database
from tests.conftest import POSTGRES_URL, postgres_url

# For tests of SQLite itself: its file on disk, its pragmas, its backup API.
sqlite_only = pytest.mark.skipif(
    bool(POSTGRES_URL), reason="about the SQLite file itself (this run is on PostgreSQL)"
)
# For slow tests of what does not depend on the database at all (e.g. waiting for a real
# clock's minute to turn): once a run is enough, and the SQLite half runs them.
once_a_run = pytest.mark.skipif(
    bool(POSTGRES_URL),
    reason="does not depend on the database and waits on the real clock: the SQLite half runs it",
)
# For tests that need PostgreSQL (of the backend itself, comparing it with SQLite, two
# processes on one database): the PostgreSQL half only. The mark `postgres`, which
# tests/conftest.py turns into a skip, with the reason, where TEST_DATABASE_URL is unset.
postgres_only = pytest.mark.postgres


def database_for(folder: Path, name: str = "") -> Database:
    """A test's database, not yet open: SQLite's file in `folder`, or with
    TEST_DATABASE_URL a PostgreSQL schema of its own."""
    if POSTGRES_URL:
        return Database(folder / "bot.db", postgres_url(folder, name))
    return Database(folder / "bot.db")


async def table_names(db: Database) -> list[str]:
    """The bot's own tables, sorted (not SQLite's R*Tree shadows' internals of PostgreSQL)."""
    if db.dialect == "postgresql":
        rows = await db.fetchall(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
    else:
        rows = await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
    return sorted(row[0] for row in rows)


async def every_row(db: Database) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """Each table's column names and rows."""
    found = {}
    for name in await table_names(db):
        rows = await db.fetchall(f'SELECT * FROM "{name}"')
        columns = list(rows[0].keys()) if rows else []
        found[name] = (columns, [tuple(row) for row in rows])
    return found
