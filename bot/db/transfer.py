"""Moving a group up: copy its SQLite database into an empty PostgreSQL one
(`python -m bot migrate --to postgresql://...`, issue 13).

Both ends are opened as the bot opens them (so both are migrated to this code's schema
first), then every table is copied in an order that puts each row after the rows it
refers to, ids kept, and the PostgreSQL id counters moved past the copied ids. Tables the
PostgreSQL schema does not have (SQLite's R*Tree of volunteers' boxes) are not
copied; the row counts of both ends are compared at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.db.connection import Database

# Not in PostgreSQL's schema (SQLite's R*Tree; PostGIS indexes the volunteers
# themselves), or each backend's own bookkeeping.
_NOT_COPIED = {"volunteer_areas", "schema_version", "sqlite_sequence"}
_BATCH = 500


class TransferError(RuntimeError):
    """Why the copy did not happen, or did not match: one line for the operator."""


@dataclass(frozen=True)
class Copied:
    table: str
    rows: int


async def copy_group(
    source_path: Path, target_url: str, say: Callable[[str], None] = print
) -> list[Copied]:
    """Copy the SQLite file at `source_path` (which must exist: opening it would create
    an empty one) into the empty database at `target_url`."""
    source = Database(source_path)
    target = Database(source_path, target_url)
    await source.open()
    try:
        await target.open()
        try:
            return await _copy(source, target, say)
        finally:
            await target.close()
    finally:
        await source.close()


async def _copy(source: Database, target: Database, say: Callable[[str], None]) -> list[Copied]:
    tables = await _tables_in_order(target)
    for table in tables:
        row = await target.fetchone(f'SELECT count(*) FROM "{table}"')
        if row is not None and row[0]:
            raise TransferError(
                f"the target database already holds data (table {table}): "
                "copy into an empty database"
            )
    copied: list[Copied] = []
    async with target.transaction() as tx:
        for table in tables:
            columns = await _shared_columns(source, target, table)
            names = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("?" for _ in columns)
            # SQLite's rowid order is the order rows were written (some readers rely on
            # it, such as an /info entry's first text).
            rows = await source.fetchall(f'SELECT {names} FROM "{table}" ORDER BY rowid')
            for start in range(0, len(rows), _BATCH):
                for values in rows[start : start + _BATCH]:
                    await tx.execute(
                        f'INSERT INTO "{table}" ({names}) VALUES ({marks})', tuple(values)
                    )
            if "id" in columns and rows:
                await tx.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f'(SELECT max(id) FROM "{table}"))'
                )
            copied.append(Copied(table, len(rows)))
            say(f"Copied {len(rows)} rows of {table}")
    for done in copied:
        there = await target.fetchone(f'SELECT count(*) FROM "{done.table}"')
        here = await source.fetchone(f'SELECT count(*) FROM "{done.table}"')
        if there is None or here is None or there[0] != here[0]:
            raise TransferError(f"row counts of {done.table} differ after the copy")
    # Statistics of what was copied, at once: the radius search's plans rely on them
    # (migration 0020), and autovacuum would gather them only some time later.
    await target.execute("ANALYZE")
    return copied


async def _tables_in_order(target: Database) -> list[str]:
    """The target's tables, each after the tables its foreign keys point at."""
    rows = await target.fetchall(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
    )
    tables = sorted(row[0] for row in rows if row[0] not in _NOT_COPIED)
    links = await target.fetchall(
        "SELECT tc.table_name, ccu.table_name AS refers_to "
        "FROM information_schema.table_constraints tc "
        "JOIN information_schema.constraint_column_usage ccu "
        "  ON ccu.constraint_name = tc.constraint_name "
        " AND ccu.constraint_schema = tc.constraint_schema "
        "WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema()"
    )
    needs: dict[str, set[str]] = {table: set() for table in tables}
    for link in links:
        if link[0] in needs and link[1] != link[0] and link[1] in needs:
            needs[link[0]].add(link[1])
    ordered: list[str] = []
    while needs:
        ready = sorted(table for table, before in needs.items() if before <= set(ordered))
        if not ready:
            raise TransferError(f"the tables' foreign keys go round in a circle: {needs}")
        ordered += ready
        for table in ready:
            del needs[table]
    return ordered


async def _shared_columns(source: Database, target: Database, table: str) -> list[str]:
    """The columns both ends have, less those PostgreSQL computes itself."""
    here = [row[1] for row in await source.fetchall(f'PRAGMA table_info("{table}")')]
    there = await target.fetchall(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = ? "
        "AND is_generated = 'NEVER' AND identity_generation IS DISTINCT FROM 'ALWAYS'",
        (table,),
    )
    wanted = {row[0] for row in there}
    missing = wanted - set(here)
    if missing - {"rowid"}:
        raise TransferError(f"{table} lacks columns {sorted(missing)} in the SQLite database")
    return [column for column in here if column in wanted]
