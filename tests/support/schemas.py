"""PostgreSQL schemas for the tests' groups, migrated once and reused.

A group's bot migrates a new schema at its first start: some forty tables, their indexes,
functions and triggers, which takes PostgreSQL a few tenths of a second, more than most
tests take on SQLite. So a schema a test has finished with is emptied (every row deleted,
every sequence restarted: a new group's first request is #1 again) and lent to the next
test, which finds it as a fresh start would leave it. A schema whose shape a test changed
(a table, column, index, constraint, function or trigger more or less than the migrations
make) is not reused but dropped. Tests that are about migrating itself take a schema of
their own instead (tests/conftest.py `postgres_url()`).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import asyncpg

from bot.db import Database

# Everything a test could change about a schema's shape, as one text: compared with a
# freshly migrated schema's before a schema is lent again.
_SHAPE = """
SELECT coalesce(string_agg(item, ',' ORDER BY item), '') FROM (
    SELECT 'c:' || c.relname || ':' || c.relkind::text
      FROM pg_class c WHERE c.relnamespace = to_regnamespace($1)
    UNION ALL
    SELECT 'a:' || c.relname || '.' || a.attname || ':' || format_type(a.atttypid, a.atttypmod)
           || ':' || a.attnotnull::text || ':' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE c.relnamespace = to_regnamespace($1) AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT 't:' || c.relname || '.' || t.tgname || ':' || t.tgenabled::text
      FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE c.relnamespace = to_regnamespace($1) AND NOT t.tgisinternal
    UNION ALL
    SELECT 'p:' || p.proname || ':' || md5(p.prosrc)
      FROM pg_proc p WHERE p.pronamespace = to_regnamespace($1)
    UNION ALL
    SELECT 'k:' || conname || ':' || pg_get_constraintdef(oid)
      FROM pg_constraint WHERE connamespace = to_regnamespace($1)
) AS items(item)
"""
_TABLES = """
SELECT c.relname FROM pg_class c
 WHERE c.relnamespace = to_regnamespace($1) AND c.relkind IN ('r', 'p')
   AND c.relname <> 'schema_version'
"""
_SEQUENCES = """
SELECT c.relname, s.seqstart FROM pg_class c JOIN pg_sequence s ON s.seqrelid = c.oid
 WHERE c.relnamespace = to_regnamespace($1)
"""


class SchemaPool:
    """Schemas in one PostgreSQL database lent to tests, one per group folder."""

    def __init__(self, url: str) -> None:
        self.url = url
        # Every schema this run made (or may have made): dropped when the run ends.
        self.made: set[str] = set()
        self._clean: list[str] = []
        self._lent: dict[str, str] = {}
        self._shape: str | None = None

    async def start(self) -> None:
        """One schema migrated as the bot migrates it: its shape is what every schema
        must have to be lent again, and it is the first to be lent."""
        schema = self.lend("")
        database = Database(Path("unused"), f"{self.url}?search_path={schema}")
        await database.open()
        await database.close()
        connection = await asyncpg.connect(self.url, timeout=10)
        try:
            self._shape = await connection.fetchval(_SHAPE, schema)
        finally:
            await connection.close()
        await self.take_back()

    def lend(self, key: str) -> str:
        """The schema for a group's folder in this test (the same folder, the same schema:
        a test that restarts the bot finds its data again)."""
        schema = self._lent.get(key)
        if schema is None:
            schema = self._clean.pop() if self._clean else _new_name()
            self.made.add(schema)
            self._lent[key] = schema
        return schema

    async def take_back(self) -> None:
        """After a test: its schemas, emptied, are ready for the next test's groups."""
        lent = list(self._lent.values())
        self._lent.clear()
        if not lent:
            return
        connection = await asyncpg.connect(self.url, timeout=10)
        try:
            for schema in lent:
                if await self._empty(connection, schema):
                    self._clean.append(schema)
        finally:
            await connection.close()

    async def _empty(self, connection: asyncpg.Connection, schema: str) -> bool:
        """Empty a schema for reuse; False when it can't be (it is dropped at the end)."""
        if await connection.fetchval("SELECT to_regnamespace($1)", schema) is None:
            return True  # never opened: the next group to get it migrates it
        versions = await connection.fetchval(
            f'SELECT count(*) FROM "{schema}".schema_version'
            if await connection.fetchval("SELECT to_regclass($1)", f"{schema}.schema_version")
            else "SELECT 0"
        )
        if not versions or await connection.fetchval(_SHAPE, schema) != self._shape:
            return False
        tables = [row[0] for row in await connection.fetch(_TABLES, schema)]
        sequences = await connection.fetch(_SEQUENCES, schema)
        # One round trip: every row of every table goes, with the triggers (the ledger's
        # append-only rule, the areas kept in step) and foreign keys not firing.
        script = ["SET LOCAL lock_timeout = '5s'", "SET LOCAL session_replication_role = replica"]
        script += [f'DELETE FROM "{schema}"."{table}"' for table in tables]
        script += [
            f'SELECT setval(\'"{schema}"."{name}"\', {int(start)}, false)'
            for name, start in sequences
        ]
        try:
            async with connection.transaction():
                await connection.execute(";\n".join(script))
        except asyncpg.PostgresError:
            return False
        return True


def _new_name() -> str:
    # Unique across runs: other runs may share the database at the same time.
    return "g_" + uuid.uuid4().hex[:24]
