"""Volunteers: where they are, how far they go, what they offer, and whether they may be pinged."""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable

import aiosqlite

from bot.db.connection import Database
from bot.distance import haversine_km
from bot.models import Candidate, Category, Volunteer, VolunteerStatus

# A volunteer's radius is capped here, which also bounds their circle's box in the radius
# search's R*Tree (migration 0002).
MAX_RADIUS_KM = 50.0
# A volunteer exactly at the edge of their radius is in it, whatever the last bit says.
EDGE_KM = 1e-9
_COLUMNS = "v.*, u.first_name, u.language"


# Only a few dozen different offers exist, and matching parses one per candidate.
@functools.lru_cache(maxsize=256)
def _categories(raw: str) -> frozenset[Category]:
    return frozenset(c for c in (Category.parse(code) for code in raw.split(",")) if c)


def _volunteer(row: aiosqlite.Row) -> Volunteer:
    return Volunteer(
        user_id=row["user_id"],
        first_name=row["first_name"],
        language=row["language"],
        lat=row["lat"],
        lon=row["lon"],
        radius_km=row["radius_km"],
        categories=_categories(row["categories"]),
        status=VolunteerStatus(row["status"]),
        paused=bool(row["paused"]),
        dbs_checked=bool(row["dbs_checked"]),
    )


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

    async def save_profile(
        self,
        user_id: int,
        lat: float,
        lon: float,
        radius_km: float,
        categories: Iterable[Category],
        now: float,
    ) -> Volunteer:
        """Create or edit a profile. A new (or previously turned down) volunteer waits
        for a coordinator; an approved one stays approved."""
        codes = ",".join(sorted(c.value for c in categories))
        await self._db.execute(
            """
            INSERT INTO volunteers
                (user_id, lat, lon, radius_km, categories, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (user_id) DO UPDATE SET
                lat = excluded.lat, lon = excluded.lon, radius_km = excluded.radius_km,
                categories = excluded.categories, updated_at = excluded.updated_at,
                status = CASE WHEN status = 'rejected' THEN 'pending' ELSE status END
            """,
            (user_id, lat, lon, min(radius_km, MAX_RADIUS_KM), codes, now, now),
        )
        volunteer = await self.get(user_id)
        assert volunteer is not None
        return volunteer

    async def decide(
        self, user_id: int, status: VolunteerStatus, coordinator_id: int, now: float
    ) -> bool:
        """Approve or turn down a pending volunteer; False if someone already decided."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE volunteers SET status = ?, decided_by = ?, updated_at = ? "
                "WHERE user_id = ? AND status = 'pending'",
                (status.value, coordinator_id, now, user_id),
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

    async def pending(self) -> list[Volunteer]:
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM volunteers v JOIN users u ON u.id = v.user_id "
            "WHERE v.status = 'pending' ORDER BY v.created_at"
        )
        return [_volunteer(row) for row in rows]

    async def candidates(
        self,
        *,
        request_id: int,
        round_: int,
        lat: float,
        lon: float,
        category: Category,
        exclude: Collection[int],
        needs_check: bool,
        any_distance: bool,
        recent_since: float,
    ) -> list[Candidate]:
        """Volunteers who may be pinged for a request, nearest first.

        Eligible: approved, not paused, not blocked, offering the category, checked where
        the category needs it, not pinged in this round, never declined or handed it back,
        and the request inside their own radius (unless distance doesn't matter).
        """
        params: list[object] = [recent_since]
        if any_distance:
            source = "volunteers v"
            area = ""
        else:
            # Whose circle holds the request: the R*Tree of each pingable volunteer's circle
            # (migration 0002) gives those whose box holds it; the exact check below trims
            # the box's corners.
            source = "volunteer_areas a JOIN volunteers v ON v.user_id = a.user_id"
            area = "a.min_lat <= ? AND a.max_lat >= ? AND a.min_lon <= ? AND a.max_lon >= ? AND"
            params += [lat, lat, lon, lon]
        excluded = sorted(set(exclude))
        # No "NOT IN (NULL)" when nobody is excluded: that is never true, and would leave
        # a request whose requester deleted their account with nobody to ask.
        marks = ",".join("?" * len(excluded))
        # Only the columns a Candidate needs: at a city's scale each extra one costs more
        # than the R*Tree search itself.
        rows = await self._db.fetchall(
            f"""
            SELECT v.user_id, v.lat, v.lon, v.radius_km, v.categories, v.dbs_checked,
                   u.first_name, u.language,
                   (SELECT count(*) FROM requests r
                     WHERE r.volunteer_id = v.user_id AND r.claimed_at >= ?) AS recent_tasks
            FROM {source} JOIN users u ON u.id = v.user_id
            WHERE {area} v.status = 'approved' AND v.paused = 0 AND u.blocked_at IS NULL
              AND (',' || v.categories || ',') LIKE ?
              {"AND v.dbs_checked = 1" if needs_check else ""}
              {f"AND v.user_id NOT IN ({marks})" if excluded else ""}
              AND v.user_id NOT IN (
                  SELECT p.volunteer_id FROM pings p
                  WHERE p.request_id = ? AND (p.round = ? OR p.answer IN ('declined', 'released')))
            """,
            [*params, f"%,{category.value},%", *excluded, request_id, round_],
        )
        found: list[tuple[float, int, Candidate]] = []
        for user_id, v_lat, v_lon, radius_km, codes, checked, name, language, recent in rows:
            distance = haversine_km(lat, lon, v_lat, v_lon)
            if not any_distance and distance > radius_km + EDGE_KM:
                continue
            volunteer = Volunteer(
                user_id=user_id,
                first_name=name,
                language=language,
                lat=v_lat,
                lon=v_lon,
                radius_km=radius_km,
                categories=_categories(codes),
                status=VolunteerStatus.APPROVED,
                paused=False,
                dbs_checked=bool(checked),
            )
            found.append((distance, recent, Candidate(volunteer, distance)))
        # Nearest first; among volunteers about as near (same 500 m band), those who have
        # had fewer tasks lately go first, so the same people are not always asked.
        found.sort(key=lambda item: (round(item[0] * 2), item[1], item[0]))
        return [candidate for _, _, candidate in found]
