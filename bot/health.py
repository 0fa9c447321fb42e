"""`python -m bot --check`: settings, catalogues and database in order, and the running
bot still handling updates? Exit 0 or 1.

Used by the Dockerfile's HEALTHCHECK while the bot runs, so it only reads: the database
is opened read-only and never migrated from here.

The heartbeat is a small file beside the database, not a row in it: a locked or full
database must not stop it, and a bot that has stopped handling updates must stop it.
Its text says what the process is doing ("serving"; "stopped" once it stops; a standby
process would say so); its modification time says when it last handled a beat, which
travels the same queue as the updates (see MutualAidApplication).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from pathlib import Path

from bot.config import Settings
from bot.db.connection import latest_migration
from bot.i18n import CatalogueError, load_catalogues

_LOGGER = logging.getLogger(__name__)
SERVING = "serving"
STOPPED = "stopped"
# On PostgreSQL, waiting to take over from the process that serves (bot/standby.py).
STANDBY = "standby"


def heartbeat_path(database_path: Path) -> Path:
    return database_path.with_name(database_path.name + ".heartbeat")


class Heartbeat:
    """The running bot's side: say what it is doing, and that it is still at it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def mark(self, state: str) -> None:
        """A new state, e.g. serving at start and stopped at the end."""
        text = json.dumps({"state": state, "pid": os.getpid(), "since": time.time()})
        spare = self.path.with_name(self.path.name + ".new")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            spare.write_text(text + "\n", encoding="utf-8")
            os.replace(spare, self.path)
        except OSError as error:
            _LOGGER.warning("Could not write the heartbeat %s: %s", self.path, error)

    def beat(self) -> None:
        """Still serving. Touching the file needs no free disk space."""
        try:
            os.utime(self.path)
        except FileNotFoundError:
            self.mark(SERVING)
        except OSError as error:
            _LOGGER.warning("Could not touch the heartbeat %s: %s", self.path, error)


def heartbeat_problem(settings: Settings, now: float | None = None) -> str | None:
    """Why the running bot is not serving, from its heartbeat; None when it is."""
    path = heartbeat_path(settings.database_path)
    try:
        age = (time.time() if now is None else now) - path.stat().st_mtime
        state = json.loads(path.read_text(encoding="utf-8")).get("state")
    except FileNotFoundError:
        return f"the bot is not running: no heartbeat at {path}"
    except (OSError, ValueError, AttributeError) as error:
        return f"the heartbeat {path} cannot be read: {error}"
    if state not in (SERVING, STANDBY):
        return f"the bot is not serving (its heartbeat says {state!r})"
    if age > settings.health_stale_s:
        doing = "has handled no updates" if state == SERVING else "has not checked in"
        return (
            f"the bot {doing} for {age:.0f} s (HEALTH_STALE_S is "
            f"{settings.health_stale_s:g}): it is stuck"
        )
    return None


def heartbeat_state(settings: Settings) -> str | None:
    """What the running bot says it is doing (serving, standby), if it says."""
    try:
        text = heartbeat_path(settings.database_path).read_text(encoding="utf-8")
        state = json.loads(text).get("state")
    except (OSError, ValueError, AttributeError):
        return None
    return state if isinstance(state, str) else None


def problems(settings: Settings) -> list[str]:
    """Everything wrong that stops the bot from serving; empty when healthy."""
    found: list[str] = []
    try:
        load_catalogues(settings.default_language)
    except CatalogueError as error:
        found.append(str(error))
    if settings.database_url is not None:
        found += postgres_problems(settings.database_url)
    else:
        found += sqlite_problems(settings.database_path)
        if found and not settings.database_path.is_file():
            return found
    stale = heartbeat_problem(settings)
    if stale is not None:
        found.append(stale)
    return found


def postgres_problems(url: str) -> list[str]:
    """The server answers, PostGIS is there, and the schema is the one the code expects.
    Only reads, as for SQLite."""
    import asyncio

    from bot.db import postgres

    async def check() -> list[str]:
        import asyncpg

        where = postgres.describe(url)
        try:
            connection = await asyncpg.connect(url, timeout=5)
        except (OSError, asyncpg.PostgresError, TimeoutError) as error:
            return [f"PostgreSQL at {where} is unreachable: {error}"]
        try:
            if not await connection.fetchval(
                "SELECT 1 FROM pg_extension WHERE extname = 'postgis'"
            ):
                return [f"PostGIS is not installed in {where}"]
            applied: set[int] = set()
            if await connection.fetchval("SELECT to_regclass('schema_version') IS NOT NULL"):
                rows = await connection.fetch("SELECT version FROM schema_version")
                applied = {int(row[0]) for row in rows}
            missing = sorted({number for number, _ in postgres.migrations()} - applied)
            if missing:
                return [
                    f"database schema is at version {max(applied, default=0)}, the code "
                    f"expects {postgres.latest_migration()} (migrations {missing} are not "
                    "applied): start the bot once to migrate it"
                ]
            return []
        finally:
            await connection.close()

    return asyncio.run(check())


def sqlite_problems(path: Path) -> list[str]:
    found: list[str] = []
    if not path.is_file():
        return [f"database {path} does not exist yet (the bot creates it at start)"]
    try:
        with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5) as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version != latest_migration():
                found.append(
                    f"database schema is at version {version}, the code expects "
                    f"{latest_migration()}: start the bot once to migrate it"
                )
            integrity = db.execute("PRAGMA quick_check").fetchone()[0]
            if integrity != "ok":
                found.append(f"database integrity check failed: {integrity}")
    except sqlite3.Error as error:
        found.append(f"database {path} cannot be read: {error}")
    return found
