"""The PostgreSQL backend itself: choosing it, its start-up errors, migrating once, and
reading the repositories' SQLite-spelled SQL. (The behaviour tests run on it too: the
Makefile's POSTGRES_TESTS.)"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from bot.config import SettingsError, parse_settings
from bot.db import Database
from bot.db.postgres import latest_migration, translate
from tests.conftest import POSTGRES_URL
from tests.test_config import TOKEN, _run_bot

needs_postgres = pytest.mark.skipif(
    not POSTGRES_URL, reason="needs PostgreSQL: set TEST_DATABASE_URL (make test does)"
)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysql://pg.internal/group", "must start with postgresql://"),
        ("postgresql://pg.internal", "must name a host and a database"),
        ("postgresql:///group", "must name a host and a database"),
        ("postgresql://pg.internal:port/group", "port that is not a number"),
    ],
)
def test_a_bad_database_url_is_named_without_repeating_it(url: str, says: str) -> None:
    with pytest.raises(SettingsError) as error:
        parse_settings({"BOT_TOKEN": TOKEN, "DATABASE_URL": url})
    assert "DATABASE_URL" in str(error.value)
    assert says in str(error.value)
    assert "pg.internal" not in str(error.value)  # it might have held a password


def test_without_database_url_the_bot_stays_on_sqlite(tmp_path: Path) -> None:
    settings = parse_settings({"BOT_TOKEN": TOKEN, "DATABASE_PATH": str(tmp_path / "x.db")})
    assert settings.database_url is None
    assert Database(settings.database_path, settings.database_url).dialect == "sqlite"


def test_an_unreachable_server_stops_start_up_with_one_line(tmp_path: Path) -> None:
    # Port 9 (discard) on this machine: nothing listens there.
    result = _run_bot(
        tmp_path,
        BOT_TOKEN=TOKEN,
        DATABASE_URL="postgresql://bot:secret-word@127.0.0.1:9/group",
        BOT_API_BASE_URL="http://127.0.0.1:9/bot",
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("Database error: PostgreSQL at 127.0.0.1:9/group is unreachable")
    assert "Traceback" not in result.stderr
    assert "secret-word" not in result.stderr


def test_the_repositories_sql_is_read_the_postgresql_way() -> None:
    assert translate("SELECT * FROM users WHERE id = ? AND name = ?", (1, "a")) == (
        "SELECT * FROM users WHERE id = $1 AND name = $2",
        [1, "a"],
    )
    # Named parameters keep one number each, however often they are used.
    query, args = translate("SELECT :a, :b, :a FROM t WHERE x::text = '10:30'", {"b": 2, "a": 1})
    assert (query, args) == ("SELECT $1, $2, $1 FROM t WHERE x::text = '10:30'", [1, 2])
    # A question mark inside a literal is text, not a placeholder.
    assert translate("SELECT 'why?' WHERE a = ?", (5,))[0] == "SELECT 'why?' WHERE a = $1"
    assert translate("INSERT OR IGNORE INTO t (a) VALUES (?) RETURNING id", (1,))[0] == (
        "INSERT INTO t (a) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id"
    )
    assert translate("SELECT 1 FROM t WHERE c LIKE ?", ("%x%",))[0].endswith("ILIKE $1")


def _schema_url(name: str) -> str:
    return f"{POSTGRES_URL}?search_path={name}"


@needs_postgres
async def test_two_processes_starting_together_migrate_once() -> None:
    schema = f"t_twostarts_{os.getpid()}"
    first = Database(Path("unused"), _schema_url(schema))
    second = Database(Path("unused"), _schema_url(schema))
    await asyncio.gather(first.open(), second.open())
    try:
        rows = await first.fetchall("SELECT version FROM schema_version ORDER BY version")
        assert [row[0] for row in rows] == list(range(1, latest_migration() + 1))
    finally:
        await first.close()
        await second.close()


@needs_postgres
async def test_a_missing_postgis_stops_start_up_with_one_line(tmp_path: Path) -> None:
    """A database without PostGIS, and a role that may not add it (it needs a superuser)."""
    import asyncpg

    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        await admin.execute("DROP DATABASE IF EXISTS nopostgis")
        await admin.execute("DROP ROLE IF EXISTS plainbot")
        await admin.execute("CREATE ROLE plainbot LOGIN PASSWORD 'plain'")
        await admin.execute("CREATE DATABASE nopostgis OWNER plainbot")
    finally:
        await admin.close()
    parts = urlsplit(POSTGRES_URL)
    url = urlunsplit(
        (
            parts.scheme,
            f"plainbot:plain@{parts.hostname}:{parts.port or 5432}",
            "/nopostgis",
            "",
            "",
        )
    )
    result = _run_bot(tmp_path, BOT_TOKEN=TOKEN, DATABASE_URL=url)
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Database error: PostGIS is missing on")
    assert "postgresql-15-postgis-3" in last
    assert "Traceback" not in result.stderr


@needs_postgres
async def test_check_reads_a_migrated_postgresql_database_as_healthy(tmp_path: Path) -> None:
    from bot.health import SERVING, Heartbeat, heartbeat_path

    schema = f"t_check_{os.getpid()}"
    db_path = tmp_path / "data" / "bot.db"
    env = {"BOT_TOKEN": TOKEN, "DATABASE_PATH": str(db_path), "DATABASE_URL": _schema_url(schema)}
    before = _run_bot(tmp_path, "--check", **env)
    assert before.returncode == 1
    assert "schema is at version 0" in before.stderr
    database = Database(db_path, _schema_url(schema))
    await database.open()
    await database.close()
    Heartbeat(heartbeat_path(db_path)).mark(SERVING)
    after = _run_bot(tmp_path, "--check", **env)
    assert after.returncode == 0, after.stderr
