"""The radius search's plan never reads the whole requests table per candidate: with a
table of open requests and SQLite's statistics gathered, the "tasks lately" count once
chose a full scan for every candidate (313 ms a wave, issue 18). Migration 0019's index
is what keeps it a search; this reads EXPLAIN QUERY PLAN to be sure. On PostgreSQL, the
same of EXPLAIN, and both PostGIS searches (the wave's KNN walk, the radius search) read
the GiST index on volunteers' positions."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.db import Database, VolunteerRepository
from bot.db.nearest_postgis import NearestSearch, nearest_first
from bot.domain.models import Category, PingRules, QuietHours, Search, Slot
from tests.support.storage import database_for, postgres_only, sqlite_only
from tests.test_matching_index import add_users, destination

NOW = 1_736_000_000.0
CENTRE = (51.5, -0.1)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = database_for(tmp_path)
    await database.open()
    yield database
    await database.close()


async def a_busy_group(db: Database) -> None:
    """400 volunteers, 3,000 open requests (nobody's yet), 3 done, then ANALYZE: the
    statistics then say a volunteer id matches the whole table, as in bench.memory's city."""
    rng = random.Random(3)
    ids = list(range(1000, 1400))
    await add_users(db, [*ids, 1])
    await db.executemany(
        "INSERT INTO volunteers (user_id, lat, lon, radius_km, categories, status, "
        "created_at, updated_at) VALUES (?, ?, ?, 3.0, 'groceries', 'approved', 0, 0)",
        [(u, *destination(*CENTRE, rng.uniform(0, 360), rng.uniform(0, 2))) for u in ids],
    )
    rows = []
    for n in range(3003):
        done = n >= 3000
        rows.append(
            (
                *("done" if done else "open", rng.choice(ids) if done else None),
                *(NOW - rng.uniform(0, 50) * 86400 if done else None, *CENTRE),
            )
        )
    await db.executemany(
        "INSERT INTO requests (requester_id, category, description, address, when_kind, "
        "safety_code, status, volunteer_id, claimed_at, lat, lon, created_at, updated_at) "
        "VALUES (1, 'groceries', 'x', 'y', 'asap', '1234', ?, ?, ?, ?, ?, 0, 0)",
        rows,
    )
    await db.execute("ANALYZE")


async def queries_of_a_wave(
    db: Database, among: bool, limit: int | None = 5
) -> list[tuple[str, Any]]:
    """The SQL (and parameters) a first wave runs: the repository's one query, or the
    nearest-first search's (the grid's few ids, PostGIS's walk)."""
    seen: list[tuple[str, Any]] = []
    fetchall = db.fetchall

    async def recording(sql: str, params: Any = ()) -> Any:
        seen.append((sql, params))
        return await fetchall(sql, params)

    volunteers = VolunteerRepository(db)
    search: VolunteerRepository | NearestSearch = volunteers
    if among:
        search = nearest_first(db, volunteers)
        await search.start()
        await search.loaded()
    db.fetchall = recording  # type: ignore[method-assign]
    try:
        await search.candidates(
            Search(
                request_id=99_999,
                round=1,
                lat=CENTRE[0],
                lon=CENTRE[1],
                category=Category.GROCERIES,
                exclude=(),
                needs_check=False,
                any_distance=False,
                recent_since=NOW - 30 * 86400,
                free_slots=frozenset({Slot.WEEKDAY_DAYTIME}),
                limit=limit,
                rules=PingRules(
                    now=NOW,
                    tz=None,  # type: ignore[arg-type]  # not read unless someone is held
                    minute=600,
                    default_quiet=QuietHours(21 * 60, 8 * 60),
                    task_at=NOW,
                    overlap_s=7200,
                    day_start=NOW - 36000,
                    next_day=NOW + 50400,
                    max_per_day=3,
                    spacing_s=3600,
                ),
            )
        )
    finally:
        db.fetchall = fetchall  # type: ignore[method-assign]
    return seen


async def plans_of_the_search(db: Database, among: bool) -> list[str]:
    """EXPLAIN QUERY PLAN of the query a first wave runs (the R*Tree's, or the one the
    nearest-first grid hands its few ids to)."""
    seen = await queries_of_a_wave(db, among)
    searches = [(sql, p) for sql, p in seen if "claimed_at >= :recent_since" in sql]
    assert searches, "the search query was not run"
    details = []
    for sql, params in searches:
        details += [
            row["detail"] for row in await db.fetchall(f"EXPLAIN QUERY PLAN {sql}", params)
        ]
    return details


@sqlite_only
@pytest.mark.parametrize("among", [False, True], ids=["r-tree", "nearest-first"])
async def test_the_search_never_scans_requests_for_each_candidate(
    db: Database, among: bool
) -> None:
    await a_busy_group(db)
    details = await plans_of_the_search(db, among)
    scans = [d for d in details if d.startswith(("SCAN r", "SCAN requests"))]
    assert not scans, details
    assert any("requests_claimed_by_volunteer" in d for d in details), details


async def postgres_plan(db: Database, sql: str, params: Any) -> str:
    """PostgreSQL's plan of a query, with sequential scans and sorts priced out: a small
    test table is cheaper to read whole and sort, but a query that can use an index (or
    its order) then must, and one that can't still scans and sorts (the question is the
    query, not this table's size; bench.matching shows the plans at a city's)."""
    async with db.transaction() as tx:
        await tx.execute("SET LOCAL enable_seqscan = off")
        await tx.execute("SET LOCAL enable_sort = off")
        rows = await tx.fetchall(f"EXPLAIN {sql}", params)
    return "\n".join(row[0] for row in rows)


@postgres_only
@pytest.mark.parametrize(
    ("among", "limit", "marker"),
    [(True, 5, "<->"), (False, 5, "ST_DWithin"), (False, None, "ST_DWithin")],
    ids=["knn-walk", "radius-search-wave", "radius-search-everyone"],
)
async def test_postgis_searches_read_the_gist_index_and_no_requests_per_candidate(
    db: Database, among: bool, limit: int | None, marker: str
) -> None:
    await a_busy_group(db)
    seen = await queries_of_a_wave(db, among, limit)
    searches = [(sql, p) for sql, p in seen if marker in sql]
    assert searches, f"no query with {marker} was run"
    for sql, params in searches:
        plan = await postgres_plan(db, sql, params)
        assert "volunteers_by_position" in plan, plan
        assert "Seq Scan on volunteers" not in plan, plan
        if marker == "<->":
            # The index hands volunteers out nearest first: no sort of everyone in reach.
            assert 'Order By: ("position" <->' in plan, plan
    ranked = [(sql, p) for sql, p in seen if "claimed_at >= :recent_since" in sql]
    assert ranked, "the search query was not run"
    for sql, params in ranked:
        plan = await postgres_plan(db, sql, params)
        assert "Seq Scan on requests" not in plan, plan
        assert "requests_claimed_by_volunteer" in plan, plan
