"""What the benchmarks share: a city of volunteers stored through the project's own code,
timing by medians, and the table every script prints. The Bot API at the HTTP edge is
tests/support/telegram.py's BotApiStandIn, which the tests use too."""

from __future__ import annotations

import asyncio
import hashlib
import math
import os
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterator, Sequence
from pathlib import Path
from typing import Any

from bot.db import Database
from bot.db.connection import MIGRATIONS_DIR
from bot.domain.distance import EARTH_RADIUS_KM
from bot.domain.models import Category
from bot.telegram.handlers.common import NOTICE_VERSION

# A city the size of Greater London (1,572 km²): a disc of radius 22.4 km.
CITY_CENTER = (51.5072, -0.1276)
CITY_RADIUS_KM = 22.4
# How far volunteers go: the /volunteer keyboard's choices, weighted towards the 1.5 km
# default, plus a few who type a bigger number.
RADII_KM = (0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
RADIUS_WEIGHTS = (10, 25, 35, 14, 10, 5, 1)
# Share of volunteers offering each kind of help.
OFFERS = {
    Category.GROCERIES: 0.6,
    Category.PRESCRIPTION: 0.2,
    Category.DOG_WALKING: 0.3,
    Category.PHONE_CALL: 0.3,
    Category.ERRAND: 0.4,
    Category.OTHER: 0.2,
}
FIRST_VOLUNTEER_ID = 10_000_000
FIRST_REQUESTER_ID = 5_000_000
SEED = 8


CACHE_DIR = Path(os.environ.get("BENCH_CACHE", Path(tempfile.gettempdir()) / "mutualaid-bench"))


def destination(lat: float, lon: float, bearing_deg: float, km: float) -> tuple[float, float]:
    """The point `km` away from (lat, lon) along a bearing, on the same sphere as haversine."""
    phi1, lmb1, theta = math.radians(lat), math.radians(lon), math.radians(bearing_deg)
    delta = km / EARTH_RADIUS_KM
    phi2 = math.asin(
        math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(theta)
    )
    lmb2 = lmb1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi1),
        math.cos(delta) - math.sin(phi1) * math.sin(phi2),
    )
    lon2 = (math.degrees(lmb2) + 540) % 360 - 180
    return math.degrees(phi2), lon2


def point_in_city(rng: random.Random) -> tuple[float, float]:
    """A point spread evenly over the city's disc."""
    km = CITY_RADIUS_KM * math.sqrt(rng.random())
    return destination(*CITY_CENTER, rng.uniform(0, 360), km)


def _volunteer_rows(n: int, seed: int) -> Iterator[tuple[tuple[object, ...], tuple[object, ...]]]:
    """(users row, volunteers row) for n volunteers: mostly approved, some paused, pending,
    turned down, blocked the bot, or ID-checked, as in a real group."""
    rng = random.Random(seed)
    categories = list(OFFERS)
    for i in range(n):
        user_id = FIRST_VOLUNTEER_ID + i
        lat, lon = point_in_city(rng)
        radius = rng.choices(RADII_KM, RADIUS_WEIGHTS)[0]
        offered = [c.value for c in categories if rng.random() < OFFERS[c]] or ["groceries"]
        roll = rng.random()
        status = "approved" if roll < 0.9 else "pending" if roll < 0.95 else "rejected"
        paused = int(rng.random() < 0.05)
        blocked = 1.0 if rng.random() < 0.01 else None
        checked = int(rng.random() < 0.1)
        user = (user_id, f"V{i}", "en", 0.0, NOTICE_VERSION, 0, blocked, 0.0)
        codes = ",".join(sorted(offered))
        yield user, (user_id, lat, lon, radius, codes, status, paused, checked, 0.0, 0.0)


async def store_volunteers(db: Database, n: int, seed: int = SEED) -> None:
    """Bulk-insert n volunteers (and their users) through the project's Database."""
    batch: list[tuple[tuple[object, ...], tuple[object, ...]]] = []

    async def flush() -> None:
        await db.executemany(
            "INSERT INTO users (id, first_name, language, consented_at, notice_version, "
            "is_coordinator, blocked_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [user for user, _ in batch],
        )
        await db.executemany(
            "INSERT INTO volunteers (user_id, lat, lon, radius_km, categories, status, paused, "
            "dbs_checked, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [volunteer for _, volunteer in batch],
        )
        batch.clear()

    for rows in _volunteer_rows(n, seed):
        batch.append(rows)
        if len(batch) == 50_000:
            await flush()
    if batch:
        await flush()


async def store_open_requests(db: Database, n: int, seed: int = SEED) -> None:
    """n open, announced requests from n requesters spread over the city."""
    rng = random.Random(seed + 1)
    now = time.time()
    await db.executemany(
        "INSERT INTO users (id, first_name, language, consented_at, notice_version, created_at) "
        "VALUES (?, ?, 'en', 0, ?, 0)",
        [(FIRST_REQUESTER_ID + i, f"R{i}", NOTICE_VERSION) for i in range(n)],
    )
    rows = []
    for i in range(n):
        lat, lon = point_in_city(rng)
        rows.append(
            (
                *(FIRST_REQUESTER_ID + i, "groceries", f"Shopping for number {i}, milk, bread"),
                *(f"{i} Long Street, flat {i % 40}", lat, lon, "asap", f"{i % 10_000:04d}"),
                *(now, now, now),
            )
        )
    await db.executemany(
        "INSERT INTO requests (requester_id, category, description, address, lat, lon, "
        "when_kind, safety_code, announced_at, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def _schema_fingerprint() -> str:
    """Migrations and this generator: a city cached before either changed is rebuilt."""
    digest = hashlib.sha256()
    for path in [Path(__file__), *sorted(MIGRATIONS_DIR.glob("*.sql"))]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _cache_slot(n: int, open_requests: int) -> tuple[Path, Path]:
    """Where a city lives once built, and where it is built (cleared of any leftovers)."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    path = CACHE_DIR / f"city-{n}-{open_requests}-{SEED}-{_schema_fingerprint()}.db"
    building = path.with_suffix(".building")
    if not path.exists():
        # Cities cached by older migrations or an older generator (a million volunteers
        # take ~140 MB), and half-built leftovers of this one.
        for stale in CACHE_DIR.glob(f"city-{n}-{open_requests}-*"):
            stale.unlink()
    return path, building


async def city(n: int, open_requests: int = 0) -> Path:
    """A database file with n volunteers (and open requests), built once and reused.

    Built under a temporary name and renamed when complete, so an interrupted build is
    never mistaken for a finished one.
    """
    path, building = _cache_slot(n, open_requests)
    if path.exists():
        return path
    db = Database(building)
    await db.open()
    try:
        started = time.perf_counter()
        await store_volunteers(db, n)
        if open_requests:
            await store_open_requests(db, open_requests)
        await db.execute("ANALYZE")
        print(f"(built {path.name} in {time.perf_counter() - started:.0f} s)", flush=True)
    finally:
        await db.close()  # the last connection checkpoints the WAL into the file
    building.rename(path)
    return path


def copy_of(path: Path, folder: Path) -> Path:
    """A private copy for a benchmark that writes, so the cached city stays as built."""
    copy = folder / "bot.db"
    shutil.copyfile(path, copy)
    return copy


def median_ms(seconds: Sequence[float]) -> float:
    return statistics.median(seconds) * 1000


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A Markdown table, so that figures paste straight into the README."""
    cells = [[str(h) for h in headers], *[[_cell(v) for v in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) + " |"

    print(line(cells[0]))
    print("|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|")
    for row in cells[1:]:
        print(line(row))


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if value < 100 else f"{value:.0f}"
    return str(value)


def print_ratios(ratios: Sequence[tuple[str, float]]) -> None:
    """The final line: every comparison as one ratio."""
    print("ratios: " + "; ".join(f"{name} {value:.3g}x" for name, value in ratios))


def run(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(main())
