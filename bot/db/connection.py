"""The database: SQLite through one aiosqlite connection (the default), or PostgreSQL.

`Database` is what the repositories hold. It opens the SQLite file at `path`, or, given a
`postgresql://` URL, the PostgreSQL backend in `postgres.py`, which reads the same SQL.

SQLite: the bot shares one connection between all handlers. Statements of concurrent coroutines
would otherwise interleave inside each other's transactions, so every use of the
connection goes through one asyncio lock; SQLite itself is fast enough that this never
shows.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

import aiosqlite

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_LOGGER = logging.getLogger(__name__)

Params = Sequence[Any] | dict[str, Any]

# The transaction this task is inside, if any: a repository's own transaction() (and its
# single statements) joins it rather than wait for the lock its caller holds. That is how
# a service writes a transition and its events (bot.db.events) in one transaction while
# each repository keeps its own.
_CURRENT: contextvars.ContextVar[tuple[Database, Transaction] | None] = contextvars.ContextVar(
    "transaction", default=None
)


class DatabaseUnavailable(RuntimeError):
    """The database could not be used at start (an unreachable PostgreSQL server, no
    PostGIS): the message is the one line an operator sees."""


class Row(Protocol):
    """A result row, read by position or by column name (`aiosqlite.Row` and its
    PostgreSQL twin)."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def keys(self) -> list[str]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Changed(Protocol):
    """What a statement changed: a SQLite cursor, or its PostgreSQL twin."""

    @property
    def rowcount(self) -> int: ...

    @property
    def lastrowid(self) -> int | None: ...


class Transaction(Protocol):
    """Statements that stand or fall together, holding the database's write lock."""

    async def execute(self, sql: str, params: Params = ()) -> Changed: ...

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...


class Backend(Protocol):
    """What `Database` hands every call to."""

    dialect: str

    @property
    def is_open(self) -> bool: ...

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def migrate(self) -> int: ...

    async def execute(self, sql: str, params: Params = ()) -> int: ...

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None: ...

    async def insert(self, sql: str, params: Params = ()) -> int: ...

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...

    def transaction(self) -> AbstractAsyncContextManager[Transaction]: ...


class Database:
    """The bot's database: the SQLite file at `path`, or PostgreSQL when `url` is given.

    `dialect` ("sqlite" or "postgresql") lets the few repositories whose SQL must differ
    (the radius search) choose theirs.
    """

    def __init__(self, path: Path, url: str | None = None, *, schema: str | None = None) -> None:
        self.path = path
        self.url = url
        if url is None:
            self._backend: Backend = SqliteDatabase(path)
        else:
            # Imported here: a group on SQLite never loads the PostgreSQL driver.
            from bot.db.postgres import PostgresDatabase

            self._backend = PostgresDatabase(url, schema=schema)
        self.dialect = self._backend.dialect

    @property
    def backend(self) -> Backend:
        return self._backend

    @property
    def is_open(self) -> bool:
        return self._backend.is_open

    async def open(self) -> None:
        await self._backend.open()

    async def close(self) -> None:
        await self._backend.close()

    async def migrate(self) -> int:
        return await self._backend.migrate()

    @property
    def in_transaction(self) -> bool:
        """Whether this task is inside one of our transactions (statements join it)."""
        return self._joined() is not None

    def _joined(self) -> Transaction | None:
        """The transaction of ours this task is inside, if any."""
        current = _CURRENT.get()
        return current[1] if current is not None and current[0] is self else None

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement on its own (or in the transaction this task is inside);
        returns the number of rows it changed."""
        joined = self._joined()
        if joined is not None:
            return (await joined.execute(sql, params)).rowcount
        return await self._backend.execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        joined = self._joined()
        if joined is not None:
            for params in rows:
                await joined.execute(sql, params)
            return
        await self._backend.executemany(sql, rows)

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run one INSERT; returns the new row's id."""
        joined = self._joined()
        if joined is not None:
            return int((await joined.execute(sql, params)).lastrowid or 0)
        return await self._backend.insert(sql, params)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        joined = self._joined()
        if joined is not None:
            return await joined.fetchone(sql, params)
        return await self._backend.fetchone(sql, params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        joined = self._joined()
        if joined is not None:
            return await joined.fetchall(sql, params)
        return await self._backend.fetchall(sql, params)

    async def exists(self, sql: str, params: Params = ()) -> bool:
        """Whether the query finds a row."""
        return await self.fetchone(sql, params) is not None

    async def number(self, sql: str, params: Params = ()) -> int:
        """The first column of the first row as a whole number (a count, a max); 0 when
        the query finds no row."""
        row = await self.fetchone(sql, params)
        return int(row[0] or 0) if row else 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """Several statements that stand or fall together. Inside another transaction of
        this task, the statements join it: they commit, or roll back, with it."""
        joined = self._joined()
        if joined is not None:
            yield joined
            return
        async with self._backend.transaction() as transaction:
            token = _CURRENT.set((self, transaction))
            try:
                yield transaction
            finally:
                _CURRENT.reset(token)

    @asynccontextmanager
    async def apart(self) -> AsyncIterator[Transaction]:
        """PostgreSQL only: a transaction of its own, which this task's statements do not
        join and which takes no write lock, to hold a claim in (bot/db/claims.py) while the
        claimed work runs in transactions beside it. SQLite has one connection, and one
        process: nothing there needs claiming."""
        # Imported here: a group on SQLite never loads the PostgreSQL driver.
        from bot.db.postgres import PostgresDatabase

        if not isinstance(self._backend, PostgresDatabase):
            raise RuntimeError("only PostgreSQL holds claims apart")
        async with self._backend.apart() as transaction:
            yield transaction


class SqliteTransaction:
    """Statements run inside one BEGIN IMMEDIATE ... COMMIT, holding the database lock."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    async def execute(self, sql: str, params: Params = ()) -> aiosqlite.Cursor:
        return await self._connection.execute(sql, params)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        async with self._connection.execute(sql, params) as cursor:
            row: Row | None = await cursor.fetchone()
            return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._connection.execute(sql, params) as cursor:
            return list(await cursor.fetchall())


class SqliteDatabase:
    """The bot's SQLite file, opened with WAL, foreign keys, a busy timeout and secure_delete."""

    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connection: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        # Counts opens: what lives only in a connection (a function, a TEMP trigger) is
        # gone after a close, and whoever installed it can tell from this.
        self.generation = 0

    @property
    def is_open(self) -> bool:
        return self._connection is not None

    async def open(self) -> None:
        """Open the file (creating its folder) and bring the schema up to date."""
        if self._connection is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so single statements
        # commit at once and nothing waits in an implicit transaction.
        connection = await aiosqlite.connect(self.path, isolation_level=None)
        connection.row_factory = aiosqlite.Row
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA busy_timeout=5000",
            "PRAGMA secure_delete=ON",
            "PRAGMA synchronous=NORMAL",
            # 32 MB of page cache (SQLite's default is 2 MB): a city's volunteers and
            # open requests stay in memory, which the radius search's joins need
            # (bench/matching.py). Pages are only taken as they are read.
            "PRAGMA cache_size=-32768",
        ):
            await connection.execute(pragma)
        self._connection = connection
        self.generation += 1
        await self.migrate()

    async def close(self) -> None:
        if self._connection is None:
            return
        async with self._lock:
            # SQLite's advice for a connection that is closing: gather statistics where the
            # queries it ran would plan better with them (bench/matching.py: a wave on a
            # never-analyzed group took twice as long). A sample, so a big file closes
            # quickly; the plans they lead to are guarded by tests/test_plans.py.
            try:
                await self._connection.execute("PRAGMA analysis_limit=400")
                await self._connection.execute("PRAGMA optimize")
            except sqlite3.Error as error:
                _LOGGER.warning("PRAGMA optimize failed on closing: %s", error)
            await self._connection.close()
            self._connection = None

    def _require(self) -> aiosqlite.Connection:
        if self._connection is None:
            raise RuntimeError("the database is not open")
        return self._connection

    async def migrate(self) -> int:
        """Apply every numbered migration newer than the file's `user_version`."""
        connection = self._require()
        async with self._lock:
            async with connection.execute("PRAGMA user_version") as cursor:
                row = await cursor.fetchone()
            version = int(row[0]) if row else 0
            for number, script in numbered_scripts():
                if number <= version:
                    continue
                _LOGGER.info("Applying database migration %04d", number)
                # executescript commits on its own; the version bump is part of the script
                # so that a crash mid-migration leaves the old version recorded.
                await connection.executescript(
                    f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version={number};\nCOMMIT;"
                )
                version = number
            return version

    async def create_function(self, name: str, arity: int, function: Any) -> None:
        """A Python function SQL on this connection may call (gone when it closes). It runs
        on aiosqlite's thread."""
        connection = self._require()
        async with self._lock:
            await connection.create_function(name, arity, function)

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement on its own; returns the number of rows it changed."""
        connection = self._require()
        async with self._lock:
            cursor = await connection.execute(sql, params)
            return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        connection = self._require()
        async with self._lock:
            await connection.execute("BEGIN IMMEDIATE")
            try:
                await connection.executemany(sql, rows)
                await connection.execute("COMMIT")
            except BaseException:
                await _roll_back(connection)
                raise

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run one INSERT; returns the new row's id."""
        connection = self._require()
        async with self._lock:
            cursor = await connection.execute(sql, params)
            return int(cursor.lastrowid or 0)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        connection = self._require()
        async with self._lock, connection.execute(sql, params) as cursor:
            row: Row | None = await cursor.fetchone()
            return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        connection = self._require()
        async with self._lock, connection.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteTransaction]:
        """Several statements that stand or fall together."""
        connection = self._require()
        async with self._lock:
            await connection.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteTransaction(connection)
                await connection.execute("COMMIT")
            except BaseException:
                await _roll_back(connection)
                raise


async def _roll_back(connection: aiosqlite.Connection) -> None:
    """Undo a transaction that failed, its COMMIT included (a full disk, a lock held
    elsewhere): left open, it would refuse every later BEGIN and the bot could never
    recover. SQLite may already have rolled it back itself."""
    if not connection.in_transaction:
        return
    try:
        await connection.execute("ROLLBACK")
    except sqlite3.Error as error:
        _LOGGER.warning("Could not roll back a failed transaction: %s", error)


def latest_migration() -> int:
    """The schema version this code expects."""
    return max((number for number, _ in numbered_scripts()), default=0)


def numbered_scripts(directory: Path = MIGRATIONS_DIR) -> list[tuple[int, str]]:
    """The `NNNN_name.sql` scripts of a folder, in their numbers' order."""
    found = []
    for path in directory.glob("*.sql"):
        match = re.match(r"^(\d+)_", path.name)
        if match:
            found.append((int(match.group(1)), path.read_text(encoding="utf-8")))
    return sorted(found)
