"""bot.db.rows.record: a domain record from a result row, by column names, on either
backend's row (SQLite's, and PostgreSQL's PgRow), with no database behind it."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.db.connection import Row
from bot.db.postgres import PgRow
from bot.db.rows import MissingColumn, record


@dataclass(frozen=True)
class Thing:
    id: int
    name: str
    done: bool
    note: str = "none"
    tags: list[str] = field(default_factory=list)


def sqlite_row(**columns: Any) -> Row:
    connection = sqlite3.connect(":memory:")
    connection.row_factory = sqlite3.Row
    names = ", ".join(f":{name} AS {name}" for name in columns)
    row: Row = connection.execute(f"SELECT {names}", columns).fetchone()
    connection.close()
    return row


class _Record:
    """What asyncpg hands PgRow: keys and values in the same order."""

    def __init__(self, columns: dict[str, Any]) -> None:
        self._columns = columns

    def keys(self) -> list[str]:
        return list(self._columns)

    def values(self) -> list[Any]:
        return list(self._columns.values())


def postgres_row(**columns: Any) -> Row:
    return PgRow(_Record(columns))  # type: ignore[arg-type]


BOTH = pytest.mark.parametrize("row_of", [sqlite_row, postgres_row], ids=["sqlite", "postgres"])


@BOTH
def test_each_field_comes_from_its_column(row_of: Callable[..., Row]) -> None:
    row = row_of(id=7, name="Ann", done=1, note="hi", unrelated="x")

    assert record(Thing, row, done=True, tags=[]) == Thing(7, "Ann", True, "hi")


@BOTH
def test_a_given_value_wins_over_the_column(row_of: Callable[..., Row]) -> None:
    row = row_of(id=7, name="Ann", done=0, note="hi")

    thing = record(Thing, row, name="Bea", done=False, tags=[])

    assert thing.name == "Bea"
    assert thing.done is False


@BOTH
def test_a_field_neither_given_nor_selected_is_named(row_of: Callable[..., Row]) -> None:
    with pytest.raises(MissingColumn, match=r"Thing\.name: .*no column 'name'.*\(id, done\)"):
        record(Thing, row_of(id=1, done=1))


@BOTH
def test_a_default_does_not_stand_in_for_a_column_left_out(row_of: Callable[..., Row]) -> None:
    # A volunteer read without held_at must not look free to ping: the query says what
    # a column it leaves out stands for.
    with pytest.raises(MissingColumn, match=r"Thing\.note"):
        record(Thing, row_of(id=1, name="Ann", done=1), tags=[])

    thing = record(Thing, row_of(id=1, name="Ann", done=1), note="none", tags=[])
    assert thing == Thing(1, "Ann", True)


def test_a_value_given_for_no_field_is_refused() -> None:
    with pytest.raises(TypeError, match="nickname"):
        record(Thing, sqlite_row(id=1, name="Ann", done=1, note=""), tags=[], nickname="A")
