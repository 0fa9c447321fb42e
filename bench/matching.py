"""Finding volunteers for a request: VolunteerRepository.candidates() against a naive full
scan that computes every distance in Python, on the same database in the same run.

    .venv/bin/python -m bench.matching [--sizes 10000,100000,1000000] [--queries 200]

Each request point is asked of both (naive on the first few points only: it takes
seconds at a million), alternately, and the two result sets must be identical. Half of
the points compared lie exactly on the edge of some volunteer's radius, who must be found.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from dataclasses import dataclass

from bench.support import (
    city,
    destination,
    median_ms,
    point_in_city,
    print_ratios,
    print_table,
    run,
)
from bot.db import Database, VolunteerRepository
from bot.domain.distance import haversine_km
from bot.domain.models import Category, Slot
from bot.services.matching import RECENT_TASKS_WINDOW_S

CATEGORY = Category.GROCERIES
NAIVE_QUERIES = {10_000: 40, 100_000: 20, 1_000_000: 6}
WAVE_SIZE = 5  # the default setting


@dataclass(frozen=True)
class Figures:
    volunteers: int
    found: float  # median volunteers found per request
    indexed_ms: float
    indexed_p90_ms: float
    us_per_found: float  # median over requests of the time per volunteer found
    wave_ms: float  # what the bot runs: the first wave only (limit = WAVE_SIZE)
    naive_ms: float
    compared: int
    edges_found: int
    speedup: float  # naive over indexed, medians over the same requests
    wave_speedup: float  # naive over the first-wave query


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


async def indexed(volunteers: VolunteerRepository, lat: float, lon: float) -> set[int]:
    candidates = await volunteers.candidates(
        request_id=0,
        round_=1,
        lat=lat,
        lon=lon,
        category=CATEGORY,
        exclude=(),
        needs_check=False,
        any_distance=False,
        recent_since=time.time() - RECENT_TASKS_WINDOW_S,
    )
    return {c.volunteer.user_id for c in candidates}


async def first_wave(volunteers: VolunteerRepository, lat: float, lon: float) -> list[int]:
    """The query Matchmaker.send_wave runs: the best WAVE_SIZE, ordered in SQL."""
    candidates = await volunteers.candidates(
        request_id=0,
        round_=1,
        lat=lat,
        lon=lon,
        category=CATEGORY,
        exclude=(),
        needs_check=False,
        any_distance=False,
        recent_since=time.time() - RECENT_TASKS_WINDOW_S,
        free_slots=frozenset({Slot.WEEKDAY_DAYTIME}),
        limit=WAVE_SIZE,
    )
    return [c.volunteer.user_id for c in candidates]


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


async def measure(n: int, queries: int) -> Figures:
    path = await city(n)
    db = Database(path)
    await db.open()
    volunteers = VolunteerRepository(db)
    rng = random.Random(n)
    try:
        compared = min(NAIVE_QUERIES.get(n, 10), queries)
        for _ in range(3):  # warm the page cache and the statement cache
            await indexed(volunteers, *point_in_city(rng))
        indexed_s: list[float] = []
        wave_s: list[float] = []
        naive_s: list[float] = []
        sizes: list[int] = []
        edges_found = 0
        for i in range(queries):
            edge_id = None
            if i < compared and i % 2 == 1:
                edge_id, lat, lon = await edge_point(db, rng)
            else:
                lat, lon = point_in_city(rng)
            started = time.perf_counter()
            found = await indexed(volunteers, lat, lon)
            indexed_s.append(time.perf_counter() - started)
            sizes.append(len(found))
            started = time.perf_counter()
            wave = await first_wave(volunteers, lat, lon)
            wave_s.append(time.perf_counter() - started)
            assert set(wave) <= found, "the first wave holds someone not eligible"
            assert len(wave) == min(WAVE_SIZE, len(found))
            if i < compared:
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
        return Figures(
            volunteers=n,
            found=statistics.median(sizes),
            indexed_ms=median_ms(indexed_s),
            indexed_p90_ms=sorted(indexed_s)[int(len(indexed_s) * 0.9)] * 1000,
            us_per_found=statistics.median(
                s / max(1, size) * 1e6 for s, size in zip(indexed_s, sizes, strict=True)
            ),
            wave_ms=median_ms(wave_s),
            naive_ms=median_ms(naive_s),
            compared=compared,
            edges_found=edges_found,
            speedup=median_ms(naive_s) / median_ms(indexed_s[:compared]),
            wave_speedup=median_ms(naive_s) / median_ms(wave_s[:compared]),
        )
    finally:
        await db.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    results = [await measure(int(n), args.queries) for n in args.sizes.split(",")]
    print_table(
        (
            "volunteers",
            "found (median)",
            "candidates() median ms",
            "p90 ms",
            "µs per found",
            f"first wave ({WAVE_SIZE}) median ms",
            "naive scan median ms",
            "same results",
            "edge cases found",
        ),
        [
            (
                f"{r.volunteers:,}",
                r.found,
                r.indexed_ms,
                r.indexed_p90_ms,
                r.us_per_found,
                r.wave_ms,
                r.naive_ms,
                f"{r.compared}/{r.compared}",
                r.edges_found,
            )
            for r in results
        ],
    )
    print_ratios(
        [(f"naive/first wave at {r.volunteers:,}", r.wave_speedup) for r in results]
        + [(f"naive/all eligible at {r.volunteers:,}", r.speedup) for r in results]
    )


if __name__ == "__main__":
    run(main)
