"""The radius search on PostgreSQL, nearest first: PostGIS's KNN walk of the GiST index on
volunteers' positions, in place of SQLite's in-process grid (bot/db/nearest.py).

A first wave needs the best few of everyone whose circle holds the request, and at a
city's scale that is thousands of people. As on SQLite, the walk reads those nearest the
request first (`ORDER BY position <-> point LIMIT n`: the index hands them out in order
of distance and stops after n), keeps those inside their own radius, and hands their ids
to the repository's one search (VolunteerRepository.ranked, `among`), which checks every
rule against the database and orders them exactly as it orders everyone. The walk reads
further (twice as many each time) only until the wave is settled by the grid's own rule
(`settles`): nobody not yet read could come before its last member.

Nothing is kept in the bot's process, so nothing needs keeping in step: every search
reads the database, and a standby that takes over searches at once.
"""

from __future__ import annotations

from typing import NamedTuple

from bot.db import postgis
from bot.db.connection import Database
from bot.db.nearest import MOST_IDS, NearestVolunteers, band_of, settles
from bot.db.volunteers import VolunteerRepository, free_to_ask
from bot.domain.distance import haversine_km
from bot.domain.grid import SLACK_KM
from bot.domain.models import Candidate, Category, Search

# Pingable as far as the volunteer's own row tells (PINGABLE without the user's row).
NOT_RESTING = free_to_ask()
# The first read: a few times the wave, as the grid's first steps read a few cells.
FIRST_READ = 64
# PostGIS's distance (which orders the walk) and haversine's (which decides) differ: its
# sphere's radius is 0.03 m larger (4.5e-9 of a distance: 0.05 mm at 10 km) and its
# formula rounds differently. A walk is taken as covering a centimetre less than it
# read, so a wave is never settled on that difference; a metre would leave unsettled
# every wave whose next volunteer lives within a metre past a band's edge.
WALK_SLACK_KM = 1e-5


class Step(NamedTuple):
    """A volunteer the walk passed: how far (haversine's km) and whether the request lies
    inside their own radius (plus any stretch)."""

    km: float
    user_id: int
    reaches: bool


class PostgisNearest:
    """CandidateSearch on PostgreSQL: waves by PostGIS's KNN, everything else (ask
    everyone, a phone call, who is resting) from the repository's SQL."""

    def __init__(self, db: Database, volunteers: VolunteerRepository) -> None:
        self._db = db
        self._volunteers = volunteers
        # Waves the walk settled, and those it handed to the whole search (a far walk).
        self.settled = 0
        self.handed_over = 0

    # The grid's life cycle, with nothing to load: the database is the only copy.
    ready = True

    async def start(self) -> None:
        return None

    async def loaded(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def walk(
        self,
        lat: float,
        lon: float,
        category: Category,
        *,
        needs_check: bool,
        stretch_km: float,
        count: int,
    ) -> tuple[list[Step], bool]:
        """The `count` pingable volunteers nearest the request who offer its kind of help,
        nearest first, and whether nobody further could reach it (the walk is complete)."""
        # Who is blocked, asked already or resting is left to the search the ids go to,
        # as the grid leaves it: a join here would cost every row read.
        rows = await self._db.fetchall(
            f"""
            SELECT v.user_id, v.lat, v.lon, v.radius_km, {postgis.WIDEST_KM} AS widest
            FROM volunteers v
            WHERE {NOT_RESTING} AND (',' || v.categories || ',') LIKE :category
              {"AND v.dbs_checked = 1" if needs_check else ""}
            ORDER BY v.position <-> {postgis.POINT}
            LIMIT :count
            """,
            {"lat": lat, "lon": lon, "category": f"%,{category.value},%", "count": count},
        )
        steps = []
        for row in rows:
            km = haversine_km(lat, lon, row["lat"], row["lon"])
            steps.append(Step(km, row["user_id"], km <= row["radius_km"] + stretch_km + SLACK_KM))
        # Complete when the index has nobody more, or the last one read lives beyond the
        # widest radius anyone has: everyone further is further still.
        complete = len(rows) < count or (
            steps[-1].km - WALK_SLACK_KM > rows[-1]["widest"] + stretch_km + SLACK_KM
        )
        return steps, complete

    async def candidates(self, search: Search) -> list[Candidate]:
        """The same as VolunteerRepository.candidates (same people, same order), found
        nearest first when a wave (`limit`) is asked within volunteers' radii."""
        if search.limit is None or search.limit <= 0 or search.any_distance or search.held:
            return [r.candidate for r in await self._volunteers.ranked(search)]
        wanted = search.limit
        count = max(FIRST_READ, 4 * search.limit)
        walked: tuple[list[Step], bool] | None = None
        while count <= 4 * MOST_IDS:
            if walked is None:
                walked = await self.walk(
                    search.lat,
                    search.lon,
                    search.category,
                    needs_check=search.needs_check,
                    stretch_km=search.stretch_km,
                    count=count,
                )
            steps, complete = walked
            # The nearest `wanted` who reach the request, and everyone else in the last
            # one's 500 m band: within a band, fewer tasks lately come first.
            reaching = [step for step in steps if step.reaches]
            ids: list[int] = []
            last_km = -1.0
            for step in reaching:
                if len(ids) >= wanted and band_of(step.km) != band_of(last_km):
                    break
                last_km = step.km
                ids.append(step.user_id)
            if len(ids) > MOST_IDS:
                break
            if len(ids) == len(reaching) and not complete:
                # The walk ended inside the band being read: read further before asking
                # (a band is read whole, as the grid reads it).
                count *= 2
                walked = None
                continue
            # How near the nearest one not asked about could be: the next who reaches
            # it, and (while the walk goes on) anyone unread, at least as far as the last
            # one read.
            nearer = [reaching[len(ids)].km] if len(ids) < len(reaching) else []
            if not complete:
                nearer.append(steps[-1].km)
            ranked = await self._volunteers.ranked(search, among=ids)
            if not nearer or settles(ranked, search.limit, min(nearer), WALK_SLACK_KM):
                self.settled += 1
                return [r.candidate for r in ranked]
            wanted = max(search.limit, len(ids) * 2)
            if not complete and wanted > len(reaching):
                count *= 2  # the walk must read further out
                walked = None
        self.handed_over += 1
        return [r.candidate for r in await self._volunteers.ranked(search)]


# What the bot's matching searches with: the grid on SQLite, the KNN walk on PostgreSQL.
NearestSearch = NearestVolunteers | PostgisNearest


def nearest_first(db: Database, volunteers: VolunteerRepository) -> NearestSearch:
    """The nearest-first search for this database's backend."""
    if db.dialect == "postgresql":
        return PostgisNearest(db, volunteers)
    return NearestVolunteers(db, volunteers)
