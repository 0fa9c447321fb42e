"""PostgreSQL behind the same surface as the SQLite `Database` (issue 13, first step).

The repositories in `bot/db/` write one dialect: SQLite's, with `?` and `:name`
placeholders. Rather than a second copy of every repository, this backend rewrites the
few places where PostgreSQL spells things differently (placeholders, `INSERT OR IGNORE`,
returning the new row's id, `LIKE`'s case rules) and the schema gives the rest the same
meaning (migrations in `migrations/postgresql/`). SQL that cannot be rewritten this way
(the radius search on PostGIS) lives in the repository, chosen by `Database.dialect`.

Writers are serialised as SQLite serialises them: every transaction first takes one
transaction-level advisory lock, so a read-then-write inside a transaction sees nothing
change under it, also across processes. A mutual-aid group's write rate is far below what
that costs; single statements outside a transaction run on their own, as in SQLite.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg

from bot.db.connection import DatabaseUnavailable, Params, Row, numbered_scripts

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations" / "postgresql"
_LOGGER = logging.getLogger(__name__)


# pg_advisory_xact_lock keys: one for writers, one for migrations (any two fixed numbers),
# each taken per schema, so that groups sharing a database (or tests) stay apart.
WRITE_LOCK = 7_420_001
MIGRATION_LOCK = 7_420_002
_SCHEMA_LOCK = "SELECT pg_advisory_xact_lock($1, hashtext($2))"


def schema_in(url: str) -> str | None:
    """The schema a URL's `?search_path=` puts the bot's tables in, if it names one."""
    query = parse_qs(urlsplit(url).query)
    return (query.get("search_path") or [""])[0].split(",")[0].strip() or None


def describe(url: str) -> str:
    """The server of a URL without its password, for messages and logs."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = parts.port or 5432
    name = parts.path.lstrip("/") or "(default)"
    return f"{host}:{port}/{name}"


class PgRow:
    """One result row, read by position or by column name, as `aiosqlite.Row` is.

    PostgreSQL's `sum()` of integers is `numeric`; it comes back as an int here, as
    SQLite gives it, so the code above never meets a Decimal.
    """

    __slots__ = ("_names", "_values")

    def __init__(self, record: asyncpg.Record) -> None:
        self._names: dict[str, int] = {name: n for n, name in enumerate(record.keys())}
        self._values = tuple(_plain(value) for value in record.values())

    def __getitem__(self, key: int | str) -> Any:
        if isinstance(key, str):
            return self._values[self._names[key]]
        return self._values[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def keys(self) -> list[str]:
        return list(self._names)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


@dataclass(frozen=True)
class Outcome:
    """What a statement did: the `rowcount` and `lastrowid` a SQLite cursor offers."""

    rowcount: int
    lastrowid: int | None = None


class PgTransaction:
    """Statements on one connection inside one transaction holding the write lock."""

    def __init__(self, connection: asyncpg.Connection, tables_with_id: frozenset[str]) -> None:
        self._connection = connection
        self._tables_with_id = tables_with_id

    async def execute(self, sql: str, params: Params = ()) -> Outcome:
        return await _execute(self._connection, self._tables_with_id, sql, params)

    async def executemany(self, query: str, rows: list[list[Any]]) -> None:
        """An already translated statement for many rows (PostgresDatabase.executemany)."""
        with _faults(query):
            await self._connection.executemany(query, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        query, args = translate(sql, params)
        with _faults(query):
            return [PgRow(record) for record in await self._connection.fetch(query, *args)]


class PostgresDatabase:
    """A pool of connections to one PostgreSQL database with PostGIS."""

    dialect = "postgresql"

    def __init__(self, url: str, *, schema: str | None = None) -> None:
        self.url = url
        # A schema of its own (tests give each group one in a shared database), from the
        # argument or the URL's `?search_path=`; created when missing.
        self.schema = schema or schema_in(url)
        if self.schema is not None and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", self.schema):
            raise DatabaseUnavailable(f"Database error: {self.schema!r} is not a schema name")
        self._pool: asyncpg.Pool | None = None
        self._tables_with_id: frozenset[str] = frozenset()

    @property
    def is_open(self) -> bool:
        return self._pool is not None

    async def open(self) -> None:
        """Connect, check PostGIS, and bring the schema up to date."""
        if self._pool is not None:
            return
        settings = {"search_path": f"{self.schema}, public"} if self.schema else {}
        try:
            pool = await asyncpg.create_pool(
                self.url,
                # One connection at once (an unreachable server is found at start), and
                # no floor kept after: asyncpg would reconnect to it in a loop while the
                # server is down, logging a traceback a second (the bot's own retry
                # says it once, bot.resilience).
                init_size=1,
                min_size=0,
                # Two of them may be holding claims on the outbox (one per lane) while
                # the work claimed needs its own.
                max_size=6,
                server_settings=settings,
                timeout=10,
                reset=_tidy,
            )
        except (OSError, asyncpg.PostgresError, TimeoutError) as error:
            reason = " ".join(str(error).split())
            raise DatabaseUnavailable(
                f"Database error: PostgreSQL at {describe(self.url)} is unreachable ({reason})"
            ) from error
        self._pool = pool
        try:
            await self.migrate()
            self._tables_with_id = await self._identity_tables()
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        if self._pool is None:
            return
        pool, self._pool = self._pool, None
        await pool.close()

    def _require(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("the database is not open")
        return self._pool

    async def _require_postgis(self, connection: asyncpg.Connection) -> None:
        installed = await connection.fetchval(
            "SELECT 1 FROM pg_extension WHERE extname = 'postgis'"
        )
        if installed:
            return
        try:
            # A savepoint: the migration's transaction goes on only if this worked.
            async with connection.transaction():
                await connection.execute("CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public")
        except asyncpg.PostgresError as error:
            reason = " ".join(str(error).split())  # its HINT comes on a line of its own
            raise DatabaseUnavailable(
                f"Database error: PostGIS is missing on {describe(self.url)} ({reason}); "
                "install it (Debian: postgresql-15-postgis-3) or run "
                "'CREATE EXTENSION postgis' as a superuser"
            ) from error

    async def _identity_tables(self) -> frozenset[str]:
        """Tables whose `id` the database assigns: their INSERTs return it."""
        rows = await self.fetchall(
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND column_name = 'id' "
            "AND is_identity = 'YES'"
        )
        return frozenset(row[0] for row in rows)

    async def migrate(self) -> int:
        """Create the schema, check PostGIS, and apply every numbered migration newer
        than the recorded version: once, under a lock, so that two processes starting
        together migrate once (even CREATE SCHEMA IF NOT EXISTS races without it)."""
        pool = self._require()
        async with pool.acquire() as connection, connection.transaction():
            await connection.execute(_SCHEMA_LOCK, MIGRATION_LOCK, self.schema or "public")
            if self.schema is not None:
                await connection.execute(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")
            await self._require_postgis(connection)
            await connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)"
            )
            # Each applied migration has its row: one numbered below the newest applied
            # (a branch merged later) is still applied, in number order.
            rows = await connection.fetch("SELECT version FROM schema_version")
            applied = {int(row[0]) for row in rows}
            for number, script in migrations():
                if number in applied:
                    continue
                _LOGGER.info("Applying PostgreSQL migration %04d", number)
                await connection.execute(script)
                await connection.execute("INSERT INTO schema_version VALUES ($1)", number)
                applied.add(number)
            return max(applied, default=0)

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement on its own; returns the number of rows it changed."""
        if sql.lstrip().upper().startswith("PRAGMA"):
            return 0  # SQLite's housekeeping has no meaning here
        with _faults():
            async with self._require().acquire() as connection:
                outcome = await _execute(connection, self._tables_with_id, sql, params)
                return outcome.rowcount

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """One statement for many rows, in one transaction: asyncpg sends them in batches,
        not a round trip each (a benchmark's city, a test's neighbourhood)."""
        translated = [translate(sql, params) for params in rows]
        if not translated:
            return
        query = translated[0][0]
        async with self.transaction() as tx:
            await tx.executemany(query, [args for _, args in translated])

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run one INSERT; returns the new row's id."""
        with _faults():
            async with self._require().acquire() as connection:
                outcome = await _execute(connection, self._tables_with_id, sql, params)
                return int(outcome.lastrowid or 0)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        if sql.lstrip().upper().startswith("PRAGMA"):
            return []
        query, args = translate(sql, params)
        with _faults(query):
            async with self._require().acquire() as connection:
                return [PgRow(record) for record in await connection.fetch(query, *args)]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgTransaction]:
        """Several statements that stand or fall together."""
        with _faults():
            async with self._require().acquire() as connection, connection.transaction():
                await connection.execute(_SCHEMA_LOCK, WRITE_LOCK, self.schema or "public")
                yield PgTransaction(connection, self._tables_with_id)

    @asynccontextmanager
    async def apart(self) -> AsyncIterator[PgTransaction]:
        """A transaction without the write lock, for holding a claim (bot/db/claims.py)
        while the work claimed goes on in other transactions beside it."""
        with _faults():
            async with self._require().acquire() as connection, connection.transaction():
                yield PgTransaction(connection, self._tables_with_id)


async def _tidy(connection: asyncpg.Connection) -> None:
    """Hand a connection back to the pool. asyncpg's own reset costs a round trip per use
    (RESET ALL and more) for session state this code never sets; only an unfinished
    transaction must not pass to the next user."""
    if connection.is_in_transaction():
        await connection.execute("ROLLBACK")


async def _execute(
    connection: asyncpg.Connection, tables_with_id: frozenset[str], sql: str, params: Params
) -> Outcome:
    query, args = translate(sql, params)
    with _faults(query):
        return await _run(connection, tables_with_id, query, args)


async def _run(
    connection: asyncpg.Connection, tables_with_id: frozenset[str], query: str, args: list[Any]
) -> Outcome:
    table = _inserted_table(query)
    if table is not None and table in tables_with_id and "RETURNING" not in query.upper():
        rows = await connection.fetch(f"{query} RETURNING id", *args)
        return Outcome(len(rows), int(rows[0]["id"]) if rows else None)
    if "RETURNING" in query.upper():
        rows = await connection.fetch(query, *args)
        return Outcome(len(rows))
    status = await connection.execute(query, *args)
    return Outcome(_rowcount(status))


def _rowcount(status: str) -> int:
    """The count at the end of a command tag: 'UPDATE 3', 'INSERT 0 1', 'DELETE 0'."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


_INSERT = re.compile(r"^\s*INSERT\s+INTO\s+([A-Za-z_][A-Za-z0-9_]*)", re.IGNORECASE)


def _inserted_table(query: str) -> str | None:
    match = _INSERT.match(query)
    return match.group(1).lower() if match else None


@contextmanager
def _faults(query: str = "") -> Iterator[None]:
    """PostgreSQL's errors in the DB-API classes the layers above already handle.

    The bot rides out a database fault (bot/resilience.py) and refuses a broken rule by
    catching `sqlite3.OperationalError` and `sqlite3.IntegrityError`, DB-API's classes as
    Python's sqlite3 defines them. A lost connection, a server restarting or a deadlock
    is the same kind of passing fault here; a broken constraint or the ledger's trigger
    the same refusal. Anything else (a mistake in the SQL) stays PostgreSQL's own. A
    failing statement's traceback names it (the SQL, never its parameters).
    """
    try:
        yield
    except (asyncpg.IntegrityConstraintViolationError, asyncpg.RaiseError) as error:
        raise sqlite3.IntegrityError(str(error)) from error
    except _PASSING as error:
        fault = sqlite3.OperationalError(f"PostgreSQL: {error}")
        # Marked as SQLite marks a failing disk: bot.resilience then retries the update
        # as it does for SQLite's passing faults (a server restarting is one).
        fault.sqlite_errorcode = _SQLITE_IOERR
        raise fault from error
    except asyncpg.PostgresError as error:
        if query:
            error.add_note(f"SQL: {' '.join(query.split())[:600]}")
        raise


_SQLITE_IOERR = 10

# Faults that pass: the connection or the server went away (restart, failover), or two
# transactions met in a deadlock; retrying the update is the right answer to each.
_PASSING: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InsufficientResourcesError,
    asyncpg.exceptions.TransactionRollbackError,
)


def translate(sql: str, params: Params) -> tuple[str, list[Any]]:
    """SQLite's spelling of a statement and its parameters, as PostgreSQL reads them."""
    if isinstance(params, dict):
        query, names = _translate_named(sql)
        return query, [params[name] for name in names]
    return _translate_positional(sql), list(params)


@lru_cache(maxsize=2048)
def _translate_positional(sql: str) -> str:
    counter = iter(range(1, 10_000))
    return _rewrite(_substitute(sql, r"\?", lambda _: f"${next(counter)}"))


@lru_cache(maxsize=2048)
def _translate_named(sql: str) -> tuple[str, tuple[str, ...]]:
    order: dict[str, int] = {}

    def number(name: str) -> str:
        if name not in order:
            order[name] = len(order) + 1
        return f"${order[name]}"

    query = _substitute(sql, r"(?<![:\w]):([A-Za-z_]\w*)", lambda match: number(match.group(1)))
    return _rewrite(query), tuple(order)


def _substitute(sql: str, pattern: str, replace: Any) -> str:
    """Replace placeholders outside quoted literals only."""
    pieces = re.split(r"('(?:[^']|'')*')", sql)
    compiled = re.compile(pattern)
    return "".join(
        piece if n % 2 else compiled.sub(replace, piece) for n, piece in enumerate(pieces)
    )


_OR_IGNORE = re.compile(r"^(\s*)INSERT\s+OR\s+IGNORE\s+INTO", re.IGNORECASE)
_LIKE = re.compile(r"\bLIKE\b")


def _rewrite(query: str) -> str:
    if _OR_IGNORE.match(query):
        query = _OR_IGNORE.sub(r"\1INSERT INTO", query, count=1)
        returning = re.search(r"\bRETURNING\b", query, re.IGNORECASE)
        cut = returning.start() if returning else len(query)
        query = f"{query[:cut].rstrip()} ON CONFLICT DO NOTHING {query[cut:]}".rstrip()
    # SQLite's LIKE ignores the case of ASCII letters; PostgreSQL's ILIKE does that too.
    return _LIKE.sub("ILIKE", query)


def migrations() -> list[tuple[int, str]]:
    return numbered_scripts(MIGRATIONS_DIR)


def latest_migration() -> int:
    """The schema version this code expects on PostgreSQL."""
    return max((number for number, _ in migrations()), default=0)
