"""Domain records from result rows: each field from the column of the same name.

`record(Ping, row)` is what a mapper spelling out `Ping(id=row["id"], ...)` for every field
did. Only what a column does not hold as it is goes by name: an enum, a SQLite integer
that is a bool, a column named otherwise, something parsed.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import TYPE_CHECKING, TypeVar

from bot.db.connection import Row

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")


class MissingColumn(LookupError):
    """A field that was neither given nor a column of the row: a query that does not
    select what its record needs."""


@functools.cache
def _fields(cls: type[DataclassInstance]) -> tuple[str, ...]:
    """The fields the class's __init__ takes: read once per class (matching builds a
    record for every candidate of every wave)."""
    return tuple(field.name for field in dataclasses.fields(cls) if field.init)


def record(cls: type[T], row: Row, /, **given: object) -> T:
    """A `cls` whose fields are `given[name]` where given, else the row's column of the
    same name. MissingColumn names a field that is neither: a field's default is not
    taken for a column the query forgot (a volunteer read without `held_at` would look
    free to ping), so a query that leaves a column out says what it stands for."""
    columns = set(row.keys())
    for name in _fields(cls):
        if name in given:
            continue
        if name not in columns:
            raise MissingColumn(
                f"{cls.__name__}.{name}: not given and no column {name!r} in the row "
                f"({', '.join(row.keys())})"
            )
        given[name] = row[name]
    return cls(**given)
