"""Volunteers: where they are, how far they go, what they offer, and whether they may be pinged."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Collection
from typing import NamedTuple

from bot.db import postgis
from bot.db.connection import Database, Row
from bot.db.rows import record
from bot.domain.distance import EARTH_RADIUS_KM, haversine_km
from bot.domain.limits import MAX_RADIUS_KM
from bot.domain.models import (
    Candidate,
    Category,
    PingRules,
    Profile,
    QuietHours,
    Search,
    Volunteer,
    VolunteerStatus,
)

# A volunteer exactly at the edge of their radius is in it, whatever the last bit says.
EDGE_KM = 1e-9
_COLUMNS = "v.*, u.first_name, u.language"


def free_to_ask(alias: str = "v.") -> str:
    """A volunteer's own row says they may be asked: approved, not paused, not held (a
    coordinator's hold keeps them out exactly as their own pause does). `alias`: the
    volunteers table's, with its dot ("" for none)."""
    return f"{alias}status = 'approved' AND {alias}paused = 0 AND {alias}held_at IS NULL"


# Who may be pinged at all, before any question of place or kind of help: matching's
# first test, shared with the coordinators' map so both count the same people.
PINGABLE = f"{free_to_ask()} AND u.blocked_at IS NULL"


# The same haversine as bot.domain.distance.haversine_km, term for term, from (:phi,
# :lmb_deg) to the volunteer's home: the distance the search filters and orders by, on
# both backends (PostGIS's own distances only narrow the search, never decide it).
DISTANCE = f"""2 * {EARTH_RADIUS_KM!r} * asin(min(1.0, sqrt(
        pow(sin((radians(v.lat) - :phi) / 2), 2)
        + cos(:phi) * cos(radians(v.lat)) * pow(sin(radians(v.lon - :lmb_deg) / 2), 2)
    )))"""


# Repeating help: whoever did the last occurrence of the same series is asked first, so
# the same neighbour comes week after week (NULL for anything else: nobody is first).
_LAST_TIME = """(SELECT prev.volunteer_id FROM requests prev
                JOIN requests this ON this.id = :request_id
                WHERE this.series_id IS NOT NULL AND prev.series_id = this.series_id
                  AND prev.id < this.id AND prev.status = 'done'
                ORDER BY prev.id DESC LIMIT 1)"""


def quiet_hours_of(row: Row) -> QuietHours | None:
    """A volunteer's own quiet hours from their columns (None: none chosen)."""
    if row["quiet_from"] is None or row["quiet_until"] is None:
        return None
    return QuietHours(row["quiet_from"], row["quiet_until"])


# Only a few dozen different offers exist, and matching parses one per candidate.
@functools.lru_cache(maxsize=256)
def _categories(raw: str) -> frozenset[Category]:
    return frozenset(c for c in (Category.parse(code) for code in raw.split(",")) if c)


def _volunteer(row: Row) -> Volunteer:
    """A volunteer from their row and their user's name and language (_COLUMNS)."""
    return record(
        Volunteer,
        row,
        categories=_categories(row["categories"]),
        status=VolunteerStatus(row["status"]),
        paused=bool(row["paused"]),
        dbs_checked=bool(row["dbs_checked"]),
        held_reason=row["held_reason"] or "",
        own_quiet=bool(row["quiet_own"]),
        quiet_hours=quiet_hours_of(row),
    )


class Ranked(NamedTuple):
    """A candidate as the search ranked them: `busy` when not usually free at the task's
    time (they come after everyone who is, however near)."""

    candidate: Candidate
    busy: bool


class VolunteerRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, user_id: int) -> Volunteer | None:
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM volunteers v JOIN users u ON u.id = v.user_id "
            "WHERE v.user_id = ?",
            (user_id,),
        )
        return _volunteer(row) if row else None

    async def save_profile(self, profile: Profile, now: float) -> Volunteer:
        """Create or edit a profile. A new (or previously turned down) volunteer waits
        for a coordinator; an approved one stays approved."""
        codes = ",".join(sorted(c.value for c in profile.categories))
        await self._db.execute(
            """
            INSERT INTO volunteers
                (user_id, lat, lon, radius_km, categories, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (user_id) DO UPDATE SET
                lat = excluded.lat, lon = excluded.lon, radius_km = excluded.radius_km,
                categories = excluded.categories, updated_at = excluded.updated_at,
                status = CASE WHEN volunteers.status = 'rejected' THEN 'pending'
                              ELSE volunteers.status END
            """,
            (
                profile.user_id,
                profile.lat,
                profile.lon,
                min(profile.radius_km, MAX_RADIUS_KM),
                codes,
                now,
                now,
            ),
        )
        volunteer = await self.get(profile.user_id)
        assert volunteer is not None
        return volunteer

    async def decide(
        self, user_id: int, status: VolunteerStatus, coordinator_id: int, now: float
    ) -> bool:
        """Approve or turn down a pending volunteer; False if someone already decided."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE volunteers SET status = ?, decided_by = ?, updated_at = ?, "
                "approved_at = CASE WHEN ? = 'approved' THEN ? ELSE approved_at END "
                "WHERE user_id = ? AND status = 'pending'",
                (status.value, coordinator_id, now, status.value, now, user_id),
            )
            if cursor.rowcount != 1:
                return False
            await tx.execute(
                "INSERT INTO audit (at, actor_id, subject_id, action) VALUES (?, ?, ?, ?)",
                (now, coordinator_id, user_id, f"volunteer:{status.value}"),
            )
            return True

    async def set_paused(self, user_id: int, paused: bool, now: float) -> bool:
        changed = await self._db.execute(
            "UPDATE volunteers SET paused = ?, updated_at = ? WHERE user_id = ?",
            (int(paused), now, user_id),
        )
        return changed > 0

    async def set_quiet(
        self, user_id: int, own: bool, quiet: QuietHours | None, now: float
    ) -> bool:
        """Their own quiet hours (None: none), or (own=False) the group's default again."""
        changed = await self._db.execute(
            "UPDATE volunteers SET quiet_own = ?, quiet_from = ?, quiet_until = ?, "
            "updated_at = ? WHERE user_id = ?",
            (
                int(own),
                quiet.start if own and quiet else None,
                quiet.end if own and quiet else None,
                now,
                user_id,
            ),
        )
        return changed > 0

    async def pending(self) -> list[Volunteer]:
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM volunteers v JOIN users u ON u.id = v.user_id "
            "WHERE v.status = 'pending' ORDER BY v.created_at"
        )
        return [_volunteer(row) for row in rows]

    async def pingable(self) -> list[Volunteer]:
        """Every volunteer matching may ask about something (see PINGABLE), in no order."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM volunteers v JOIN users u ON u.id = v.user_id "
            f"WHERE {PINGABLE}"
        )
        return [_volunteer(row) for row in rows]

    async def candidates(self, search: Search) -> list[Candidate]:
        """Volunteers who may be pinged for a request, best first, at most `limit`.
        (`ranked` without `among`; see there.)"""
        return [r.candidate for r in await self.ranked(search)]

    async def ranked(self, search: Search, among: Collection[int] | None = None) -> list[Ranked]:
        """Volunteers who may be pinged for a request, best first, at most `limit`.

        Eligible: approved, not paused, not held by a coordinator, not blocked, offering
        the category, checked where the category needs it, not pinged in this round, never
        declined or handed it back, and the request inside their own radius (unless
        distance doesn't matter).

        With `stretch_km`, the request may lie that far beyond a volunteer's own radius
        (an escalation's wider radius; the R*Tree of exact circles can't answer that, so
        on SQLite all volunteers are read: rare, and still a small table for a
        neighbourhood).

        On PostgreSQL, PostGIS's index finds everyone within the widest radius (and the
        stretch) instead of the R*Tree, and the same haversine decides (bot/db/postgis.py).

        Order: those usually free at the task's time (`free_slots`: the slots covering it;
        a volunteer who set none is free any time) before those who aren't; then nearest
        first, and among volunteers about as near (the same 500 m band) those with fewer
        tasks lately, so the same people are not always asked. With `any_distance`, fewer
        tasks lately first, wherever they live. Before all of that, for repeating help,
        the volunteer who did its last occurrence.

        With `rules`, those the fairness rules hold back right now are left out; with
        `held` too, only they are found (not those busy with a task at the time), each
        with when they may be asked (`held_until`): for a ping that has to wait.

        With `among`, only those volunteers are considered (looked up by id, no R*Tree):
        the nearest-first search (bot/db/nearest.py's grid, bot/db/nearest_postgis.py's
        KNN walk) passes the nearest few it found, and every rule above is still checked
        here, against the database.

        SQLite computes the distances, the order and the limit, so only the few rows a wave
        needs become Python objects: that, not the index search, is what costs at a city's
        scale (bench/matching.py).
        """
        params: dict[str, object] = {
            "lat": search.lat,
            "lon": search.lon,
            "phi": math.radians(search.lat),
            "lmb_deg": search.lon,
            "recent_since": search.recent_since,
            "category": f"%,{search.category.value},%",
            "request_id": search.request_id,
            "round": search.round,
            "edge": EDGE_KM * 1000 + search.stretch_km,  # generous here; exact below
        }
        on_postgis = self._db.dialect == "postgresql"
        if among is not None:
            source = "volunteers v"
            # And whoever did a repeating request's last occurrence: they come first,
            # however far (within their radius), so the grid's nearest few can't miss them.
            area = (
                f"{postgis.among(_LAST_TIME)} AND"
                if on_postgis
                else "(v.user_id IN (SELECT value FROM json_each(:among)) "
                f"OR v.user_id = {_LAST_TIME}) AND"
            )
            params["among"] = json.dumps(sorted(set(among)))
        elif search.any_distance:
            source = "volunteers v"
            area = ""
        elif on_postgis:
            # Within the widest radius (and the stretch) of the request, through the GiST
            # index on volunteers' positions; each one's own radius is checked below.
            source = "volunteers v"
            area = f"{postgis.within_widest_radius(params, search.stretch_km)} AND"
        elif search.stretch_km > 0:
            source = "volunteers v"
            area = ""
        else:
            # Whose circle holds the request: the R*Tree of each pingable volunteer's circle
            # (migration 0002) gives those whose box holds it; the distance check trims
            # the box's corners.
            source = "volunteer_areas a JOIN volunteers v ON v.user_id = a.user_id"
            area = "a.min_lat <= :lat AND a.max_lat >= :lat AND a.min_lon <= :lon "
            area += "AND a.max_lon >= :lon AND"
        excluded = sorted(set(search.exclude))
        for n, user_id in enumerate(excluded):
            params[f"x{n}"] = user_id
        # No "NOT IN (NULL)" when nobody is excluded: that is never true.
        not_excluded = (
            f"AND v.user_id NOT IN ({','.join(f':x{n}' for n in range(len(excluded)))})"
            if excluded
            else ""
        )
        busy = "0"
        if search.free_slots is not None:
            matches = " OR ".join(
                f"(',' || av.slots || ',') LIKE :slot{n}" for n in range(len(search.free_slots))
            )
            for n, slot in enumerate(sorted(search.free_slots)):
                params[f"slot{n}"] = f"%,{slot.value},%"
            busy = (
                "CASE WHEN av.slots IS NULL OR av.slots = '' THEN 0 "
                f"WHEN {matches or '1 = 0'} THEN 0 ELSE 1 END"
            )
        fair = "0 AS asleep, 0 AS pings_today, NULL AS last_untaken, 0 AS tasked"
        if search.rules is not None:
            fair = self._fairness_columns(search.rules, params)
        outer = [] if search.any_distance else ["distance <= radius_km + :edge"]
        if search.rules is not None:
            free = "asleep = 0 AND pings_today < :max_per_day AND last_untaken IS NULL"
            outer += ["tasked = 0", f"NOT ({free})" if search.held else free]
        within = f"WHERE {' AND '.join(outer)}" if outer else ""
        limit_sql = ""
        if search.limit is not None:
            # A few spare rows: the exact check below may still drop one at the very edge.
            params["limit"] = search.limit + 3
            limit_sql = "LIMIT :limit"
        # Where distance doesn't matter (a phone call), nearness doesn't rank either: the
        # fewest tasks lately come first.
        band = ""
        if not search.any_distance:
            band = f"{postgis.BAND}," if on_postgis else "round(distance * 2),"
        rows = await self._db.fetchall(
            f"""
            SELECT * FROM (
                SELECT v.user_id, v.lat, v.lon, v.radius_km, v.categories, v.dbs_checked,
                       v.quiet_own, v.quiet_from, v.quiet_until,
                       u.first_name, u.language, {busy} AS busy, {DISTANCE} AS distance,
                       {fair}
                FROM {source} JOIN users u ON u.id = v.user_id
                     LEFT JOIN availability av ON av.user_id = v.user_id
                WHERE {area} {PINGABLE}
                  AND (',' || v.categories || ',') LIKE :category
                  {"AND v.dbs_checked = 1" if search.needs_check else ""}
                  {not_excluded}
                  AND v.user_id NOT IN (
                      SELECT p.volunteer_id FROM pings p
                      WHERE p.request_id = :request_id
                        AND (p.round = :round OR p.answer IN ('declined', 'released')))
            ) AS candidate
            {within}
            ORDER BY CASE WHEN user_id = {_LAST_TIME} THEN 0 ELSE 1 END, busy, {band}
                     (SELECT count(*) FROM requests r
                       WHERE r.volunteer_id = user_id AND r.claimed_at >= :recent_since),
                     distance, user_id
            {limit_sql}
            """,
            params,
        )
        found: list[Ranked] = []
        for row in rows:
            exact = haversine_km(search.lat, search.lon, row["lat"], row["lon"])
            if not search.any_distance and exact > row["radius_km"] + search.stretch_km + EDGE_KM:
                continue
            # Only the columns a candidate needs: the search finds pingable volunteers
            # only, so approved, not paused and not held; when they were approved is
            # not asked.
            volunteer = record(
                Volunteer,
                row,
                categories=_categories(row["categories"]),
                status=VolunteerStatus.APPROVED,
                paused=False,
                held_at=None,
                held_by=None,
                held_reason="",
                approved_at=None,
                dbs_checked=bool(row["dbs_checked"]),
                own_quiet=bool(row["quiet_own"]),
                quiet_hours=quiet_hours_of(row),
            )
            until = None
            if search.held and search.rules is not None:
                until = search.rules.held_until(
                    volunteer.quiet(search.rules.default_quiet),
                    row["pings_today"],
                    row["last_untaken"],
                )
            found.append(Ranked(Candidate(volunteer, exact, until), bool(row["busy"])))
        return found[: search.limit] if search.limit is not None else found

    @staticmethod
    def _fairness_columns(rules: PingRules, params: dict[str, object]) -> str:
        """The columns the fairness rules filter on, for the radius search's inner query."""
        default = rules.default_quiet
        params.update(
            minute=rules.minute,
            dq_from=default.start if default else None,
            dq_until=default.end if default else None,
            day_start=rules.day_start,
            # No cap: a count can never reach it.
            max_per_day=rules.max_per_day if rules.max_per_day is not None else 2**62,
            spacing_since=rules.now - rules.spacing_s,
            now=rules.now,
            task_at=rules.task_at,
            overlap_s=rules.overlap_s,
        )
        q_from = "CASE WHEN v.quiet_own = 1 THEN v.quiet_from ELSE :dq_from END"
        q_until = "CASE WHEN v.quiet_own = 1 THEN v.quiet_until ELSE :dq_until END"
        # Like QuietHours.covers: a window that ends before it starts runs over midnight.
        # CAST: a comparison is 0/1 in SQLite but a boolean in PostgreSQL.
        asleep = f"""CASE WHEN ({q_from}) IS NULL OR ({q_until}) IS NULL THEN 0
                 WHEN ({q_from}) < ({q_until})
                     THEN CAST(:minute >= ({q_from}) AND :minute < ({q_until}) AS INTEGER)
                 ELSE CAST(:minute >= ({q_from}) OR :minute < ({q_until}) AS INTEGER) END"""
        pings_today = (
            "(SELECT count(*) FROM pings p WHERE p.volunteer_id = v.user_id "
            "AND p.sent_at >= :day_start)"
        )
        # Taken (or taken and handed back) is not a ping they were bothered by.
        last_untaken = (
            "(SELECT max(p.sent_at) FROM pings p WHERE p.volunteer_id = v.user_id "
            "AND p.sent_at > :spacing_since "
            "AND coalesce(p.answer, '') NOT IN ('accepted', 'released'))"
            if rules.spacing_s > 0
            else "NULL"
        )
        # A task in their hands at about the same time ("as soon as possible" counts as now).
        tasked = (
            "CAST(EXISTS (SELECT 1 FROM requests r WHERE r.volunteer_id = v.user_id "
            "AND r.status = 'claimed' "
            "AND abs(coalesce(r.due_at, :now) - :task_at) < :overlap_s) AS INTEGER)"
        )
        return (
            f"{asleep} AS asleep, {pings_today} AS pings_today, "
            f"{last_untaken} AS last_untaken, {tasked} AS tasked"
        )
