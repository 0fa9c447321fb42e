"""`python -m bot --check`: settings, catalogues and database in order? Exit 0 or 1.

Used by the Dockerfile's HEALTHCHECK while the bot runs, so it only reads: the database
is opened read-only and never migrated from here.
"""

from __future__ import annotations

import sqlite3

from bot.config import Settings
from bot.db.connection import latest_migration
from bot.i18n import CatalogueError, load_catalogues


def problems(settings: Settings) -> list[str]:
    """Everything wrong that would stop the bot from serving; empty when healthy."""
    found: list[str] = []
    try:
        load_catalogues(settings.default_language)
    except CatalogueError as error:
        found.append(str(error))
    path = settings.database_path
    if not path.is_file():
        return [*found, f"database {path} does not exist yet (the bot creates it at start)"]
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
