"""The radius search, nearest first: a grid of pingable volunteers in the bot's own process,
kept in step with the database, which stays the truth.

VolunteerRepository.candidates asks the R*Tree for everyone whose circle holds the request
and lets SQLite order them all; at a city's scale that is thousands of rows for a wave of
five (bench/matching.py). Here the grid (bot.domain.grid) walks outwards from the request
and hands the nearest few to the same SQL, restricted to those ids, which checks every
rule against the database (pingable, not blocked, not asked this round, quiet hours, caps,
spacing, busy) and orders them exactly as before. The walk goes on only until the wave is
settled: nobody not yet read could come before its last member.

In step: TEMP triggers on this connection call back into Python for every insert, update
and delete of a volunteer (approve, hold, pause, a move, a new radius or offer, a check,
removal, /forgetme's cascade, a hand-run UPDATE through the bot's connection), queueing
who changed and where they were; the next search re-reads those volunteers first. The
grid may hold someone who is no longer pingable (the SQL drops them), never miss someone
who is. Until the grid is loaded (a thread reads it at start-up) or after the connection
was reopened, searches use the SQL path, with the same results.

On PostgreSQL the same port (bot.services.ports.CandidateSearch) is answered by
bot/db/nearest_postgis.py, which walks PostGIS's index outwards instead of a grid and
settles a wave by the same rule (`settles`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import sqlite3
import time
from collections import deque
from pathlib import Path

from bot.db.connection import Database, SqliteDatabase
from bot.db.volunteers import Ranked, VolunteerRepository, _categories, free_to_ask
from bot.domain.distance import KM_PER_DEGREE_LAT
from bot.domain.grid import SLACK_KM, VolunteerGrid, cell_size_for, offer_bits
from bot.domain.models import Candidate, Search

_LOGGER = logging.getLogger(__name__)

_PINGABLE = free_to_ask("")  # the grid's own queries read volunteers alone
_COLUMNS = "user_id, lat, lon, radius_km, categories, dbs_checked"
_FUNCTION = "nearest_volunteer_changed"
_TRIGGERS = (
    f"""CREATE TEMP TRIGGER IF NOT EXISTS nearest_after_insert AFTER INSERT ON main.volunteers
    BEGIN
        SELECT {_FUNCTION}(new.user_id, NULL, NULL);
    END""",
    f"""CREATE TEMP TRIGGER IF NOT EXISTS nearest_after_update
    AFTER UPDATE OF user_id, lat, lon, radius_km, categories, status, paused, held_at,
                    dbs_checked
    ON main.volunteers
    BEGIN
        SELECT {_FUNCTION}(old.user_id, old.lat, old.lon);
        SELECT {_FUNCTION}(new.user_id, NULL, NULL);
    END""",
    f"""CREATE TEMP TRIGGER IF NOT EXISTS nearest_after_delete AFTER DELETE ON main.volunteers
    BEGIN
        SELECT {_FUNCTION}(old.user_id, old.lat, old.lon);
    END""",
)
# Past this many ids, or a walk this many cells wide, the wave is hard to fill nearby (a
# rare kind of help, most people resting or asked): the R*Tree's one query is then the
# better plan.
MOST_IDS = 2_000
MOST_STEPS = 60


def band_of(km: float) -> int:
    """SQL's round(distance * 2) for a distance >= 0 (the search's 500 m bands)."""
    return math.floor(km * 2 + 0.5)


def settles(
    ranked: list[Ranked], limit: int, upcoming_km: float, slack_km: float = SLACK_KM
) -> bool:
    """Whether the wave found among the nearest few is the wave: nobody not yet read (all
    at least `upcoming_km` away, give or take `slack_km`) could come before its last
    member, because they are in a further 500 m band."""
    full = len(ranked) == limit and not ranked[-1].busy
    beyond = band_of(upcoming_km - slack_km)
    return full and band_of(ranked[-1].candidate.distance_km + slack_km) < beyond


def read_grid(path: Path, cell_km: float | None = None) -> VolunteerGrid:
    """Every pingable volunteer, from the database file itself (a thread's own read-only
    connection: WAL lets it read beside the bot's)."""
    started = time.perf_counter()
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        count, south, north, west, east = connection.execute(
            f"SELECT count(*), min(lat), max(lat), min(lon), max(lon) FROM volunteers "
            f"WHERE {_PINGABLE}"
        ).fetchone()
        area = 1.0
        if count:
            mid = math.cos(math.radians((south + north) / 2))
            area = max(1.0, (north - south) * (east - west) * mid * KM_PER_DEGREE_LAT**2)
        grid = VolunteerGrid(cell_km or cell_size_for(count, area))
        bits: dict[tuple[str, int], int] = {}
        add = grid.add
        for user_id, lat, lon, radius, codes, checked in connection.execute(
            f"SELECT {_COLUMNS} FROM volunteers WHERE {_PINGABLE}"
        ):
            offer = bits.get((codes, checked))
            if offer is None:
                offer = bits[codes, checked] = offer_bits(_categories(codes), bool(checked))
            add(user_id, lat, lon, radius, offer, known_new=True)
    finally:
        connection.close()
    _LOGGER.info(
        "Nearest-first grid: %s volunteers in %.2f s (cells of %.2f km)",
        len(grid),
        time.perf_counter() - started,
        grid.cell_km,
    )
    return grid


class NearestVolunteers:
    """CandidateSearch, nearest first: waves from the grid, everything else (ask everyone,
    a phone call, who is resting) from the repository's SQL."""

    def __init__(
        self, db: Database, volunteers: VolunteerRepository, *, cell_km: float | None = None
    ) -> None:
        self._db = db
        # Only SQLite's connection can call back into Python; on PostgreSQL every search
        # goes to the repository (bot/db/nearest_postgis.py is the search built for it).
        backend = db.backend
        self._sqlite = backend if isinstance(backend, SqliteDatabase) else None
        self._cell_km = cell_km  # None: sized to how densely volunteers live
        self._volunteers = volunteers
        self._grid: VolunteerGrid | None = None
        self._generation = 0
        # (user id, where they were or None): appended on aiosqlite's thread.
        self._changed: deque[tuple[int, float | None, float | None]] = deque()
        self._loading: asyncio.Task[None] | None = None
        # Waves the grid settled, and those it handed to the R*Tree (a far walk).
        self.settled = 0
        self.handed_over = 0

    @property
    def ready(self) -> bool:
        return self._grid is not None and self._generation == self._opened()

    def _opened(self) -> int:
        return self._sqlite.generation if self._sqlite is not None else 0

    async def start(self) -> None:
        """Watch the volunteers table, then read the grid in a thread (searches use SQL
        meanwhile). Call after the database is open."""
        await self.stop()
        self._grid = None
        self._changed.clear()
        if self._sqlite is None:
            return
        self._generation = self._sqlite.generation
        await self._sqlite.create_function(_FUNCTION, 3, self._note)
        for statement in _TRIGGERS:
            await self._db.execute(statement)
        self._loading = asyncio.create_task(self._load(), name="nearest-grid")

    async def loaded(self) -> None:
        """Wait until the grid is read (tests and benchmarks; the bot doesn't wait)."""
        if self._loading is not None:
            await asyncio.shield(self._loading)

    async def stop(self) -> None:
        if self._loading is not None and not self._loading.done():
            self._loading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loading
        self._loading = None

    def _note(self, user_id: int, lat: float | None, lon: float | None) -> None:
        self._changed.append((user_id, lat, lon))

    async def _load(self) -> None:
        try:
            grid = await asyncio.to_thread(read_grid, self._db.path, self._cell_km)
        except (sqlite3.Error, OSError) as error:
            _LOGGER.warning("The nearest-first grid could not be read; SQL it is: %s", error)
            return
        self._grid = grid
        await self._catch_up(grid)

    async def _catch_up(self, grid: VolunteerGrid) -> None:
        """Re-read the volunteers changed since the grid was read, or since the last search."""
        changed: set[int] = set()
        while self._changed:
            user_id, lat, lon = self._changed.popleft()
            if lat is not None and lon is not None:
                grid.remove(user_id, lat, lon)
            changed.add(user_id)
        if not changed:
            return
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM volunteers "
            f"WHERE user_id IN (SELECT value FROM json_each(?)) AND {_PINGABLE}",
            (json.dumps(sorted(changed)),),
        )
        for row in rows:
            offer = offer_bits(_categories(row["categories"]), bool(row["dbs_checked"]))
            grid.add(row["user_id"], row["lat"], row["lon"], row["radius_km"], offer)

    async def candidates(self, search: Search) -> list[Candidate]:
        """The same as VolunteerRepository.candidates (same people, same order), found
        nearest first when a wave (`limit`) is asked within volunteers' radii."""
        if self._grid is not None and self._generation != self._opened():
            # The connection was reopened: its triggers are gone, so is the grid's truth.
            _LOGGER.info("The database was reopened: reading the nearest-first grid again")
            await self.start()
        grid = self._grid
        if grid is not None:
            await self._catch_up(grid)
        if (
            grid is None
            or search.limit is None
            or search.limit <= 0
            or search.any_distance
            or search.held
        ):
            return [r.candidate for r in await self._volunteers.ranked(search)]
        walk = grid.nearest(
            search.lat,
            search.lon,
            search.category,
            needs_check=search.needs_check,
            stretch_km=search.stretch_km,
            give_up_km=MOST_STEPS * grid.cell_km,
        )
        ids: list[int] = []
        wanted = search.limit
        last_km = -1.0
        upcoming = next(walk, None)
        while True:
            # The nearest `wanted`, and everyone else in the last one's 500 m band: within
            # a band, fewer tasks lately come first, so a band is read whole.
            while upcoming is not None and (
                len(ids) < wanted or band_of(upcoming[0]) == band_of(last_km)
            ):
                last_km, user_id = upcoming
                ids.append(user_id)
                upcoming = next(walk, None)
            if len(ids) > MOST_IDS or (upcoming is None and not walk.complete):
                break
            ranked = await self._volunteers.ranked(search, among=ids)
            if upcoming is None:
                self.settled += 1
                return [r.candidate for r in ranked]
            if settles(ranked, search.limit, upcoming[0]):
                self.settled += 1
                return [r.candidate for r in ranked]
            wanted = len(ids) * 2
        self.handed_over += 1
        return [r.candidate for r in await self._volunteers.ranked(search)]
