"""The PostgreSQL backend itself: choosing it, its start-up errors, migrating once, and
reading the repositories' SQLite-spelled SQL. (The behaviour tests run on it too: make
test's PostgreSQL half.)"""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from bot.config import SettingsError, parse_settings
from bot.db import Database
from bot.db.postgres import migrations, schema_in, translate
from tests.conftest import POSTGRES_URL, postgres_url
from tests.support.storage import postgres_only
from tests.test_config import TOKEN, _run_bot


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


@postgres_only
async def test_two_processes_starting_together_migrate_once(tmp_path: Path) -> None:
    first = Database(tmp_path / "unused", postgres_url(tmp_path))
    second = Database(tmp_path / "unused", postgres_url(tmp_path))
    await asyncio.gather(first.open(), second.open())
    try:
        rows = await first.fetchall("SELECT version FROM schema_version ORDER BY version")
        # Each migration once (their numbers follow SQLite's: 0017 after 0001).
        assert [row[0] for row in rows] == [number for number, _ in migrations()]
    finally:
        await first.close()
        await second.close()


@postgres_only
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


@postgres_only
async def test_check_reads_a_migrated_postgresql_database_as_healthy(tmp_path: Path) -> None:
    from bot.health import SERVING, Heartbeat, heartbeat_path

    url = postgres_url(tmp_path, "check")
    db_path = tmp_path / "data" / "bot.db"
    env = {"BOT_TOKEN": TOKEN, "DATABASE_PATH": str(db_path), "DATABASE_URL": url}
    before = _run_bot(tmp_path, "--check", **env)
    assert before.returncode == 1
    assert "schema is at version 0" in before.stderr
    database = Database(db_path, url)
    await database.open()
    await database.close()
    Heartbeat(heartbeat_path(db_path)).mark(SERVING)
    after = _run_bot(tmp_path, "--check", **env)
    assert after.returncode == 0, after.stderr


@postgres_only
async def test_one_process_serves_and_a_lost_lock_connection_stops_it(tmp_path: Path) -> None:
    from bot.health import STANDBY, Heartbeat
    from bot.standby import Standby

    url = postgres_url(tmp_path)
    first = Standby(url, 1.0, Heartbeat(tmp_path / "one.heartbeat"))
    second = Standby(url, 1.0, Heartbeat(tmp_path / "two.heartbeat"))
    await first.wait_to_serve()
    waiting = asyncio.create_task(second.wait_to_serve())
    await asyncio.sleep(0.6)
    assert not waiting.done()
    assert STANDBY in (tmp_path / "two.heartbeat").read_text()

    # The server cuts the serving process's connection (as a lost network would end).
    lost = asyncio.Event()
    keeping = asyncio.create_task(first.keep_serving(lost.set))
    import asyncpg

    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks "
            "WHERE locktype = 'advisory' AND granted AND objid = hashtext($1)::oid",
            schema_in(url),
        )
    finally:
        await admin.close()
    await asyncio.wait_for(lost.wait(), timeout=5)
    await asyncio.wait_for(waiting, timeout=5)  # and the standby serves
    await keeping
    await second.release()


@postgres_only
async def test_migrate_copies_a_groups_sqlite_database_into_postgresql(tmp_path: Path) -> None:
    """A group's SQLite file with a help loop in it, copied: the same rows, the same ids,
    and the bot on PostgreSQL carries on from them."""
    from bot.telegram.app import build_application
    from tests.conftest import COORDINATOR, NEAR, REQUESTER, Group, make_settings
    from tests.support.telegram import FakeTelegram

    on_sqlite = make_settings(tmp_path, DATABASE_URL="")
    telegram = FakeTelegram()
    async with build_application(on_sqlite, request=telegram) as app:
        group = Group(app, telegram)
        await group.consent(COORDINATOR, name="Cora")
        await group.volunteer(301, NEAR)
        await group.consent(REQUESTER, name="Rita")
        taken = await group.ask(description="Milk and bread please")
        await group.press(301, f"v1:accept:{taken}", name="V")
        still_open = await group.ask(description="A loaf of rye")

    url = postgres_url(tmp_path, "moved")
    env = {"BOT_TOKEN": TOKEN, "DATABASE_PATH": str(on_sqlite.database_path)}
    moved = _run_bot(tmp_path, "migrate", "--to", url, **env)
    assert moved.returncode == 0, moved.stderr
    assert "the row counts match" in moved.stdout
    assert "rows of requests" in moved.stdout

    on_postgres = make_settings(tmp_path, DATABASE_URL=url)
    telegram = FakeTelegram()
    async with build_application(on_postgres, request=telegram) as app:
        group = Group(app, telegram)
        assert (await group.stored(taken)).status == "claimed"
        assert (await group.stored(taken)).volunteer_id == 301
        assert (await group.stored(still_open)).description == "A loaf of rye"
        # New rows get new ids, after the copied ones.
        newer = await group.ask(description="Some eggs")
        assert newer > still_open
        await group.say(REQUESTER, "/myrequests", name="Rita")
        listing = " ".join(group.telegram.texts_to(REQUESTER)[-3:])
        assert f"#{still_open}" in listing

    again = _run_bot(tmp_path, "migrate", "--to", url, **env)
    assert again.returncode == 1
    assert "already holds data" in again.stderr


@postgres_only
async def test_fifty_accepts_split_across_two_processes_have_one_winner(tmp_path: Path) -> None:
    """Two bots on one database, each handling half the presses at the same moment (as
    two processes would, each with its own connections): one conditional UPDATE decides."""
    from bot.telegram.app import build_application
    from tests.conftest import COORDINATOR, NEAR, REQUESTER, Group, make_settings
    from tests.support.telegram import FakeTelegram

    settings = make_settings(tmp_path, WAVE_SIZE="60")
    first_telegram, second_telegram = FakeTelegram(), FakeTelegram()
    async with (
        build_application(settings, request=first_telegram) as first_app,
        build_application(settings, request=second_telegram) as second_app,
    ):
        first, second = Group(first_app, first_telegram), Group(second_app, second_telegram)
        await first.consent(COORDINATOR, name="Cora")
        await first.consent(REQUESTER, name="Rita")
        volunteers = list(range(1001, 1051))
        for v in volunteers:
            await first.enrol(v, NEAR, name=f"V{v}")
        request_id = await first.ask()
        first_telegram.clear()

        presses = [
            (first if n % 2 else second).people.press(v, f"v1:accept:{request_id}", name="V")
            for n, v in enumerate(volunteers)
        ]
        await asyncio.gather(
            *((first if n % 2 else second).app.process_update(p) for n, p in enumerate(presses))
        )

        stored = await first.stored(request_id)
        assert stored.status == "claimed"
        answers = first_telegram.answers() + second_telegram.answers()
        assert len(answers) == 50
        refusals = [a for a in answers if "someone else" in str(a.params.get("text"))]
        assert len(refusals) == 49
        claims = await first.app.storage.db.fetchall(
            "SELECT * FROM audit WHERE request_id = ? AND action = 'open->claimed'",
            (request_id,),
        )
        assert len(claims) == 1


def test_a_connection_the_server_cut_is_a_fault_the_update_is_tried_again_after() -> None:
    """A server restarting ends every connection mid-statement; like SQLite's failing
    disk, that passes, and the update waits it out (bot.resilience) rather than failing."""
    import sqlite3

    import asyncpg

    from bot.db.postgres import _faults
    from bot.resilience import is_transient

    for cut in (
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.exceptions.AdminShutdownError(
            "terminating connection due to administrator command"
        ),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        ConnectionRefusedError(111, "Connect call failed"),
    ):
        with pytest.raises(sqlite3.OperationalError) as caught, _faults("SELECT 1"):
            raise cut
        assert is_transient(caught.value), cut
    # A mistake in the SQL is not a passing fault.
    with pytest.raises(asyncpg.PostgresError), _faults("SELEC 1"):
        raise asyncpg.exceptions.PostgresSyntaxError("syntax error")
