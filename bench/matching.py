"""Finding the first wave: the R*Tree query (VolunteerRepository.candidates), the in-process
nearest-first grid (bot.db.nearest) and a naive full scan, on the same database in the
same run; then the same on a database holding a realistic history.

    .venv/bin/python -m bench.matching [--sizes 10000,100000,1000000] [--queries 200]
        [--postgres postgresql://postgres:postgres@127.0.0.1:5432/test]

Each request point is asked of every path, alternately. The grid's wave must equal the
R*Tree's, member for member and in order; the set of everyone eligible must equal the
naive scan's (on the first few points only: it takes seconds at a million). Half of the
points compared lie exactly on the edge of some volunteer's radius, who must be found.

The second table is bench.memory's other city (100,000 volunteers, 10,000 open requests)
with a history added: done and claimed requests over two months, their pings and today's,
and availability for a third of the volunteers, so that the fairness rules and the
"tasks lately" count have rows to read. It is timed with and without migration 0019's
index, with and without SQLite's statistics (ANALYZE), and after `PRAGMA optimize`.
With `--postgres URL`, each city is also copied row for row into a PostgreSQL schema
(COPY) and its waves are found there by PostGIS (bot/db/nearest_postgis.py), taking
turns with the other two: each PostGIS wave must equal the R*Tree's, member for member
and in order, on every point (the edge cases included). The history table is SQLite's.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.postgres import drop_postgres_city, postgres_city
from bench.support import (
    FIRST_REQUESTER_ID,
    city,
    copy_of,
    destination,
    median_ms,
    point_in_city,
    print_ratios,
    print_table,
    run,
)
from bot.db import Database, VolunteerRepository
from bot.db.nearest import NearestVolunteers, read_grid
from bot.db.nearest_postgis import NearestSearch, PostgisNearest
from bot.domain.distance import haversine_km
from bot.domain.models import Category, PingRules, QuietHours, Search, Slot
from bot.services.matching import RECENT_TASKS_WINDOW_S
from bot.telegram.app import build_application
from tests.conftest import make_settings
from tests.support.telegram import FakeTelegram

CATEGORY = Category.GROCERIES
NAIVE_QUERIES = {10_000: 40, 100_000: 20, 1_000_000: 6}
WAVE_SIZE = 5  # the default setting
HISTORY_VOLUNTEERS = 100_000
HISTORY_OPEN = 10_000
HISTORY_QUERIES = 100
DAY_S = 86400.0
NOT_RUN = "not run (--postgres)"

Wave = Callable[[float, float], Awaitable[list[int]]]


@dataclass(frozen=True)
class Figures:
    volunteers: int
    found: float  # median volunteers eligible per request
    rtree_ms: float  # the first wave, R*Tree query
    nearest_ms: float  # the first wave, nearest-first grid
    nearest_p90_ms: float
    naive_ms: float
    postgis_ms: float | None  # the first wave, PostGIS's KNN walk (with --postgres)
    postgis_p90_ms: float | None
    compared: int
    edges_found: int
    load_s: float  # reading the grid from the database
    startup_s: float  # the whole application, build to ready
    grid_ready_s: float  # build to the grid read (in the background)


def rules_now(now: float) -> PingRules:
    """The rules of a ping sent now (at a fixed 11:00, outside the default quiet hours)."""
    return PingRules(
        now=now,
        tz=ZoneInfo("Europe/London"),
        minute=11 * 60,
        default_quiet=QuietHours(21 * 60, 8 * 60),
        task_at=now,
        overlap_s=2 * 3600,
        day_start=now - 11 * 3600,
        next_day=now + 13 * 3600,
        max_per_day=3,
        spacing_s=3600.0,
    )


def wave_of(search: VolunteerRepository | NearestSearch, now: float, request_id: int = 0) -> Wave:
    """What Matchmaker._search asks for a first wave: the best WAVE_SIZE, free at the
    task's time first, with the fairness rules."""

    async def wave(lat: float, lon: float) -> list[int]:
        candidates = await search.candidates(
            Search(
                request_id=request_id,
                round=1,
                lat=lat,
                lon=lon,
                category=CATEGORY,
                exclude=(),
                needs_check=False,
                any_distance=False,
                recent_since=now - RECENT_TASKS_WINDOW_S,
                free_slots=frozenset({Slot.WEEKDAY_DAYTIME}),
                limit=WAVE_SIZE,
                rules=rules_now(now),
            )
        )
        return [c.volunteer.user_id for c in candidates]

    return wave


async def naive_scan(db: Database, lat: float, lon: float, category: Category) -> set[int]:
    """Every volunteer read, every rule and distance checked in Python."""
    rows = await db.fetchall(
        "SELECT v.user_id, v.lat, v.lon, v.radius_km, v.categories, v.status, v.paused, "
        "u.blocked_at FROM volunteers v JOIN users u ON u.id = v.user_id"
    )
    found = set()
    for row in rows:
        if row["status"] != "approved" or row["paused"] or row["blocked_at"] is not None:
            continue
        if category.value not in row["categories"].split(","):
            continue
        if haversine_km(lat, lon, row["lat"], row["lon"]) <= row["radius_km"] + 1e-9:
            found.add(row["user_id"])
    return found


async def everyone_eligible(volunteers: VolunteerRepository, lat: float, lon: float) -> set[int]:
    candidates = await volunteers.candidates(
        Search(
            request_id=0,
            round=1,
            lat=lat,
            lon=lon,
            category=CATEGORY,
            exclude=(),
            needs_check=False,
            any_distance=False,
            recent_since=time.time() - RECENT_TASKS_WINDOW_S,
        )
    )
    return {c.volunteer.user_id for c in candidates}


async def edge_point(db: Database, rng: random.Random) -> tuple[int, float, float]:
    """A pingable volunteer, and a point exactly at the edge of their radius."""
    while True:
        row = await db.fetchone(
            "SELECT v.user_id, v.lat, v.lon, v.radius_km FROM volunteers v "
            "JOIN users u ON u.id = v.user_id WHERE v.user_id = "
            "(SELECT user_id FROM volunteers ORDER BY random() LIMIT 1) "
            "AND v.status = 'approved' AND v.paused = 0 AND u.blocked_at IS NULL "
            "AND (',' || v.categories || ',') LIKE ?",
            (f"%,{CATEGORY.value},%",),
        )
        if row is not None:
            lat, lon = destination(row["lat"], row["lon"], rng.uniform(0, 360), row["radius_km"])
            return row["user_id"], lat, lon


async def timed(wave: Wave, lat: float, lon: float, into: list[float]) -> list[int]:
    started = time.perf_counter()
    found = await wave(lat, lon)
    into.append(time.perf_counter() - started)
    return found


async def startup_s(path: Path) -> tuple[float, float]:
    """The real application on a copy of `path`: seconds from build to ready, and to
    the grid read (in a thread, while the bot already serves)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        copy_of(path, folder)
        app = build_application(make_settings(folder), request=FakeTelegram())
        began = time.perf_counter()
        await app.initialize()
        assert app.post_init is not None
        await app.post_init(app)
        await app.start()
        ready = time.perf_counter() - began
        await app.storage.nearest.loaded()
        read = time.perf_counter() - began
        assert app.storage.nearest.ready
        await app.stop()
        await app.shutdown()
    return ready, read


async def measure(n: int, queries: int, postgres: str | None = None) -> Figures:
    path = await city(n)
    db = Database(path)
    await db.open()
    volunteers = VolunteerRepository(db)
    nearest = NearestVolunteers(db, volunteers)
    await nearest.start()
    await nearest.loaded()
    started = time.perf_counter()
    read_grid(path)
    load_s = time.perf_counter() - started
    now = time.time()
    rtree, grid = wave_of(volunteers, now), wave_of(nearest, now)
    # The same city on PostgreSQL, if asked: PostGIS's wave beside the other two.
    pg_db = None
    waves = [rtree, grid]
    if postgres is not None:
        pg_db = Database(path, await postgres_city(postgres, n))
        await pg_db.open()
        waves.append(wave_of(PostgisNearest(pg_db, VolunteerRepository(pg_db)), now))
    rng = random.Random(n)
    try:
        compared = min(NAIVE_QUERIES.get(n, 10), queries)
        for _ in range(3):  # warm the page cache and the statement cache
            point = point_in_city(rng)
            for wave in waves:
                await wave(*point)
        timings: list[list[float]] = [[] for _ in waves]
        naive_s: list[float] = []
        sizes: list[int] = []
        edges_found = 0
        for i in range(queries):
            edge_id = None
            if i < compared and i % 2 == 1:
                edge_id, lat, lon = await edge_point(db, rng)
            else:
                lat, lon = point_in_city(rng)
            # Take turns at going first, so none always meets a warmer cache.
            found_by: list[list[int]] = [[] for _ in waves]
            for k in range(len(waves)):
                j = (i + k) % len(waves)
                found_by[j] = await timed(waves[j], lat, lon, timings[j])
            by_rtree, by_grid = found_by[0], found_by[1]
            assert by_grid == by_rtree, f"n={n} at ({lat}, {lon}): {by_grid} != {by_rtree}"
            if pg_db is not None:
                by_postgis = found_by[2]
                assert by_postgis == by_rtree, (
                    f"n={n} at ({lat}, {lon}): PostGIS {by_postgis} != {by_rtree}"
                )
            if i < compared:
                found = await everyone_eligible(volunteers, lat, lon)
                sizes.append(len(found))
                assert set(by_grid) <= found, "the first wave holds someone not eligible"
                assert len(by_grid) == min(WAVE_SIZE, len(found))
                started = time.perf_counter()
                expected = await naive_scan(db, lat, lon, CATEGORY)
                naive_s.append(time.perf_counter() - started)
                if found != expected:
                    raise AssertionError(
                        f"n={n} at ({lat}, {lon}): index missed {sorted(expected - found)[:5]},"
                        f" added {sorted(found - expected)[:5]}"
                    )
                if edge_id is not None:
                    assert edge_id in found, f"volunteer {edge_id} at their edge was missed"
                    edges_found += 1
    finally:
        await nearest.stop()
        await db.close()
        if pg_db is not None:
            await pg_db.close()
            assert postgres is not None
            await drop_postgres_city(postgres, n)
    ready, read = await startup_s(path)
    rtree_s, nearest_s = timings[0], timings[1]
    postgis_s = timings[2] if pg_db is not None else None
    return Figures(
        volunteers=n,
        found=statistics.median(sizes),
        rtree_ms=median_ms(rtree_s),
        nearest_ms=median_ms(nearest_s),
        nearest_p90_ms=sorted(nearest_s)[int(len(nearest_s) * 0.9)] * 1000,
        naive_ms=median_ms(naive_s),
        postgis_ms=median_ms(postgis_s) if postgis_s else None,
        postgis_p90_ms=sorted(postgis_s)[int(len(postgis_s) * 0.9)] * 1000 if postgis_s else None,
        compared=compared,
        edges_found=edges_found,
        load_s=load_s,
        startup_s=ready,
        grid_ready_s=read,
    )


async def add_history(db: Database, now: float, seed: int = 18) -> None:
    """Two months of a busy group on top of bench.memory's city: 30,000 requests done,
    500 in hand now, 5,000 cancelled or expired; five pings for each taken one, 3,000
    pings today; a third of the volunteers saying when they are usually free."""
    rng = random.Random(seed)
    ids = [
        row[0]
        for row in await db.fetchall(
            "SELECT user_id FROM volunteers WHERE status = 'approved' AND paused = 0"
        )
    ]
    requests = []
    for i in range(35_500):
        lat, lon = point_in_city(rng)
        created = now - rng.uniform(0, 60 * DAY_S)
        if i < 30_000:
            status, volunteer, claimed, closed = "done", rng.choice(ids), created + 600, created
        elif i < 30_500:
            status, volunteer, claimed, closed = "claimed", rng.choice(ids), now - 3600, None
            created = now - 7200
        else:
            status, volunteer, claimed, closed = (
                rng.choice(("cancelled", "expired")),
                None,
                None,
                now,
            )
        due = None if rng.random() < 0.5 else created + rng.uniform(1, 48) * 3600
        requests.append(
            (
                *(FIRST_REQUESTER_ID + rng.randrange(HISTORY_OPEN), "groceries", "milk, bread"),
                *("1 Long Street", lat, lon, "asap" if due is None else "at", due, "1234"),
                *(status, volunteer, created, created, claimed, closed, now),
            )
        )
    await db.executemany(
        "INSERT INTO requests (requester_id, category, description, address, lat, lon, "
        "when_kind, due_at, safety_code, status, volunteer_id, announced_at, created_at, "
        "claimed_at, closed_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?)",
        requests,
    )
    taken = await db.fetchall(
        "SELECT id, volunteer_id, claimed_at FROM requests WHERE volunteer_id IS NOT NULL"
    )
    pings: dict[tuple[int, int], tuple[object, ...]] = {}
    for row in taken:
        pings[row[0], row[1]] = (row[0], row[1], 1, 1, 0.5, row[2] - 300, "accepted")
        for _ in range(4):
            who = rng.choice(ids)
            answer = rng.choice((None, "declined"))
            pings.setdefault((row[0], who), (row[0], who, 1, 1, 1.0, row[2] - 300, answer))
    open_ids = [
        row[0] for row in await db.fetchall("SELECT id FROM requests WHERE status = 'open'")
    ]
    for _ in range(3_000):
        request, who = rng.choice(open_ids), rng.choice(ids)
        sent = now - rng.uniform(0, 11 * 3600)
        pings.setdefault((request, who), (request, who, 1, 1, 1.0, sent, None))
    await db.executemany(
        "INSERT INTO pings (request_id, volunteer_id, round, wave, distance_km, sent_at, answer) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        list(pings.values()),
    )
    slots = [s.value for s in Slot]
    await db.executemany(
        "INSERT INTO availability (user_id, slots) VALUES (?, ?)",
        [
            (user_id, ",".join(rng.sample(slots, rng.randint(1, 2))))
            for user_id in rng.sample(ids, len(ids) // 3)
        ],
    )


@dataclass(frozen=True)
class Condition:
    label: str
    rtree_ms: float
    nearest_ms: float
    same: bool


async def history_city(folder: Path, now: float) -> Path:
    """bench.memory's city with a history, statistics gathered (ANALYZE) as a group's
    database would after `PRAGMA optimize` has run for a while."""
    path = copy_of(await city(HISTORY_VOLUNTEERS, HISTORY_OPEN), folder)
    db = Database(path)
    await db.open()
    await add_history(db, now)
    await db.execute("ANALYZE")
    await db.close()
    return path


async def time_condition(path: Path, label: str, now: float, prepare: list[str]) -> Condition:
    db = Database(path)
    await db.open()
    for statement in prepare:
        await db.execute(statement)
    volunteers = VolunteerRepository(db)
    nearest = NearestVolunteers(db, volunteers)
    await nearest.start()
    await nearest.loaded()
    # A request id beyond every stored one: nobody is "asked already" about it.
    rtree, grid = wave_of(volunteers, now, 10**9), wave_of(nearest, now, 10**9)
    rng = random.Random(HISTORY_VOLUNTEERS)
    rtree_s: list[float] = []
    nearest_s: list[float] = []
    same = True
    try:
        for i in range(HISTORY_QUERIES):
            lat, lon = point_in_city(rng)
            first, second = (rtree, grid) if i % 2 else (grid, rtree)
            a = await timed(first, lat, lon, rtree_s if first is rtree else nearest_s)
            b = await timed(second, lat, lon, rtree_s if second is rtree else nearest_s)
            same = same and a == b
            if i == 4 and median_ms(rtree_s) > 200:
                break  # the cliff: a few are enough
    finally:
        await nearest.stop()
        await db.close()
    return Condition(label, median_ms(rtree_s), median_ms(nearest_s), same)


async def optimize_at_close(path: Path, now: float) -> None:
    """What the bot does: run the waves a while, then close (Database.close runs
    `PRAGMA optimize`)."""
    db = Database(path)
    await db.open()
    rtree = wave_of(VolunteerRepository(db), now, 10**9)
    rng = random.Random(1)
    for _ in range(10):
        await rtree(*point_in_city(rng))
    await db.close()


async def history(folder: Path) -> list[Condition]:
    now = time.time()
    forget = "DELETE FROM sqlite_stat1"
    drop = "DROP INDEX requests_claimed_by_volunteer"
    # bench.memory's city as it is built: open requests only, nobody's yet.
    (folder / "plain").mkdir()
    plain = copy_of(await city(HISTORY_VOLUNTEERS, HISTORY_OPEN), folder / "plain")
    conditions = [await time_condition(plain, "open requests only, ANALYZE", now, [])]
    conditions.append(
        await time_condition(
            plain, "open requests only, ANALYZE, no 0019 index", now, [drop, "ANALYZE"]
        )
    )
    (folder / "history").mkdir()
    path = await history_city(folder / "history", now)
    conditions.append(await time_condition(path, "history, ANALYZE", now, []))
    conditions.append(await time_condition(path, "history, never analyzed", now, [forget]))
    await optimize_at_close(path, now)
    conditions.append(await time_condition(path, "history, PRAGMA optimize at close", now, []))
    conditions.append(
        await time_condition(path, "history, ANALYZE, no 0019 index", now, [drop, "ANALYZE"])
    )
    return conditions


def grid_memory_mb(path: Path) -> float:
    tracemalloc.start()
    grid = read_grid(path)
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(grid) > 0
    return current / 2**20


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--no-history", action="store_true")
    parser.add_argument(
        "--postgres", metavar="URL", help="also on this PostgreSQL database with PostGIS"
    )
    args = parser.parse_args()
    results = [await measure(int(n), args.queries, args.postgres) for n in args.sizes.split(",")]
    print(f"first wave ({WAVE_SIZE}, with the fairness rules), median ms")
    print_table(
        (
            "volunteers",
            "eligible (median)",
            "R*Tree",
            "nearest-first grid",
            "grid p90",
            "PostGIS KNN",
            "PostGIS p90",
            "naive scan",
            "same results",
            "edge cases found",
            "grid read s",
            "start-up s",
            "grid ready s",
        ),
        [
            (
                f"{r.volunteers:,}",
                r.found,
                r.rtree_ms,
                r.nearest_ms,
                r.nearest_p90_ms,
                NOT_RUN if r.postgis_ms is None else r.postgis_ms,
                NOT_RUN if r.postgis_p90_ms is None else r.postgis_p90_ms,
                r.naive_ms,
                f"{r.compared}/{r.compared}",
                r.edges_found,
                r.load_s,
                r.startup_s,
                r.grid_ready_s,
            )
            for r in results
        ],
    )
    mb = grid_memory_mb(await city(HISTORY_VOLUNTEERS))
    print(f"grid memory at {HISTORY_VOLUNTEERS:,} volunteers: {mb:.1f} MB (tracemalloc)")
    ratios = [(f"naive/grid at {r.volunteers:,}", r.naive_ms / r.nearest_ms) for r in results]
    ratios += [(f"R*Tree/grid at {r.volunteers:,}", r.rtree_ms / r.nearest_ms) for r in results]
    for r in results:
        if r.postgis_ms is not None:
            ratios.append((f"PostGIS/R*Tree at {r.volunteers:,}", r.postgis_ms / r.rtree_ms))
            ratios.append((f"PostGIS/grid at {r.volunteers:,}", r.postgis_ms / r.nearest_ms))
    if not args.no_history:
        with tempfile.TemporaryDirectory() as tmp:
            conditions = await history(Path(tmp))
        print()
        print(
            f"with a history: {HISTORY_VOLUNTEERS:,} volunteers, {HISTORY_OPEN:,} open "
            "requests, 30,000 done, 500 claimed, ~150,000 pings; first wave, median ms"
        )
        print_table(
            ("database", "R*Tree", "nearest-first grid", "same waves"),
            [(c.label, c.rtree_ms, c.nearest_ms, c.same) for c in conditions],
        )
        ratios.append(("no index/index, R*Tree", conditions[1].rtree_ms / conditions[0].rtree_ms))
        ratios.append(
            ("never analyzed/optimize, grid", conditions[3].nearest_ms / conditions[4].nearest_ms)
        )
    print_ratios(ratios)


if __name__ == "__main__":
    run(main)
