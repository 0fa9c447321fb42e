"""A benchmark's city on PostgreSQL: the same rows as bench.support.city's SQLite file,
copied into a schema of their own (`--postgres URL` of bench.matching and
bench.ping_latency). Apart from bench.support so that its cities' cache key (that
module and the SQLite migrations) stays as it was."""

from __future__ import annotations

import sqlite3
import time

import asyncpg

from bench.support import city
from bot.db import Database

# The tables a city holds, copied to PostgreSQL in this order (each after those it
# refers to).
_CITY_TABLES = ("users", "volunteers", "requests")


def postgres_schema_url(url: str, schema: str) -> str:
    """`url` with the bot's tables in `schema` (PostgresDatabase reads ?search_path=)."""
    return f"{url}{'&' if '?' in url else '?'}search_path={schema}"


async def postgres_city(url: str, n: int, open_requests: int = 0) -> str:
    """The same city as `city(n, open_requests)`, row for row, in a PostgreSQL schema of
    its own (rebuilt on each call: the server is shared); returns its URL.

    The schema is made by the bot's own migrations; the rows go in by COPY, straight
    from the SQLite file (a million volunteers in seconds, not a statement each).
    """
    path = await city(n, open_requests)
    schema = f"bench_city_{n}_{open_requests}"
    started = time.perf_counter()
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    finally:
        await connection.close()
    city_url = postgres_schema_url(url, schema)
    db = Database(path, city_url)
    await db.open()  # creates the schema and migrates it
    await db.close()
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    connection = await asyncpg.connect(url, server_settings={"search_path": f"{schema}, public"})
    try:
        for table in _CITY_TABLES:
            wanted = {
                row[0]
                for row in await connection.fetch(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema = $1 AND table_name = $2 AND is_generated = 'NEVER'",
                    schema,
                    table,
                )
            }
            columns = [row[1] for row in source.execute(f"PRAGMA table_info({table})")]
            columns = [c for c in columns if c in wanted]
            cursor = source.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY rowid")
            while batch := cursor.fetchmany(100_000):
                await connection.copy_records_to_table(
                    table, records=batch, columns=columns, schema_name=schema
                )
        # The id counter past the copied requests, as `python -m bot migrate` leaves it.
        await connection.execute(
            "SELECT setval(pg_get_serial_sequence('requests', 'id'), "
            "(SELECT coalesce(max(id), 0) + 1 FROM requests), false)"
        )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
        source.close()
    print(f"(copied {path.name} to PostgreSQL in {time.perf_counter() - started:.0f} s)")
    return city_url


async def drop_postgres_city(url: str, n: int, open_requests: int = 0) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(f"DROP SCHEMA IF EXISTS bench_city_{n}_{open_requests} CASCADE")
    finally:
        await connection.close()
