"""A group's database kept as it is now, to be put back as often as a test likes, on
either backend: SQLite copies the file with its backup API; PostgreSQL keeps the rows in
a schema beside the group's and copies them back inside the server (tests/test_role_matrix.py
rewinds some 490 times, so each rewind is one round trip)."""

from __future__ import annotations

from typing import Protocol

import aiosqlite
import asyncpg

from bot.db import Database
from bot.db.connection import SqliteDatabase
from bot.db.postgres import WRITE_LOCK, PostgresDatabase
from tests.conftest import SCHEMAS


class Rewind(Protocol):
    """The database as it was when kept."""

    async def restore(self) -> None:
        """Put every table (and every id sequence) back as it was when kept."""

    async def close(self) -> None:
        """Let the kept copy go."""


async def keep(db: Database) -> Rewind:
    """The database as it is now, to be restored later."""
    backend = db.backend
    if isinstance(backend, PostgresDatabase):
        return await _PostgresRewind.keep(backend)
    assert isinstance(backend, SqliteDatabase)
    return await _SqliteRewind.keep(backend)


class _SqliteRewind:
    def __init__(self, live: SqliteDatabase, copy: aiosqlite.Connection) -> None:
        self._live = live
        self._copy = copy

    @classmethod
    async def keep(cls, live: SqliteDatabase) -> _SqliteRewind:
        copy = await aiosqlite.connect(":memory:")
        # The Database keeps its connection private; a test may reach in to rewind it.
        await live._require().backup(copy)
        return cls(live, copy)

    async def restore(self) -> None:
        await self._copy.backup(self._live._require())

    async def close(self) -> None:
        await self._copy.close()


# The bot's tables with the columns an INSERT may name (not the generated ones, such as
# a volunteer's `geography` made from lat and lon), and its sequences as they stand.
_TABLES = """
SELECT c.relname,
       string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
           FILTER (WHERE a.attgenerated = '')
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
 WHERE c.relnamespace = to_regnamespace($1) AND c.relkind IN ('r', 'p')
   AND a.attnum > 0 AND NOT a.attisdropped AND c.relname <> 'schema_version'
 GROUP BY c.relname
"""
_SEQUENCES = """
SELECT c.relname FROM pg_class c WHERE c.relnamespace = to_regnamespace($1) AND c.relkind = 'S'
"""


class _PostgresRewind:
    def __init__(self, live: PostgresDatabase, kept: str, script: str) -> None:
        self._live = live
        self._kept = kept
        self._script = script

    @classmethod
    async def keep(cls, live: PostgresDatabase) -> _PostgresRewind:
        schema = live.schema
        assert schema is not None, "a test's group has a schema of its own"
        kept = f"{schema}_kept"
        SCHEMAS.made.add(kept)  # dropped at the end of the run if close() never came
        restore = [
            f"SELECT pg_advisory_xact_lock({WRITE_LOCK}, hashtext('{schema}'))",
            "SET LOCAL lock_timeout = '5s'",
            # No triggers (the ledger's append-only rule, the areas kept in step) and no
            # foreign-key checks while the tables are emptied and filled in any order.
            "SET LOCAL session_replication_role = replica",
        ]
        async with live._require().acquire() as connection, connection.transaction():
            await connection.execute(f'DROP SCHEMA IF EXISTS "{kept}" CASCADE')
            await connection.execute(f'CREATE SCHEMA "{kept}"')
            for table, columns in await connection.fetch(_TABLES, schema):
                here, there = f'"{schema}"."{table}"', f'"{kept}"."{table}"'
                await connection.execute(f"CREATE TABLE {there} AS SELECT {columns} FROM {here}")
                restore.append(f"DELETE FROM {here}")
                # The ids as they were, also where an identity is GENERATED ALWAYS.
                restore.append(
                    f"INSERT INTO {here} ({columns}) OVERRIDING SYSTEM VALUE "
                    f"SELECT {columns} FROM {there}"
                )
            for (sequence,) in await connection.fetch(_SEQUENCES, schema):
                name = f'"{schema}"."{sequence}"'
                last, called = await connection.fetchrow(
                    f"SELECT last_value, is_called FROM {name}"
                )
                restore.append(f"SELECT setval('{name}', {int(last)}, {bool(called)})")
        return cls(live, kept, ";\n".join(restore))

    async def restore(self) -> None:
        async with self._live._require().acquire() as connection, connection.transaction():
            await connection.execute(self._script)

    async def close(self) -> None:
        try:
            async with self._live._require().acquire() as connection:
                await connection.execute(f'DROP SCHEMA IF EXISTS "{self._kept}" CASCADE')
        except (OSError, asyncpg.PostgresError):
            pass  # the run's end drops it (SCHEMAS.made)
