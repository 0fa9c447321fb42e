"""Volunteers: where they are, how far they go, what they offer, and whether they may be pinged."""

from __future__ import annotations

from collections.abc import Collection, Iterable

import aiosqlite

from bot.db.connection import Database
from bot.distance import bounding_box, haversine_km
from bot.models import Candidate, Category, Volunteer, VolunteerStatus

# A volunteer's radius is capped here, which bounds the box the radius search scans.
MAX_RADIUS_KM = 50.0
_COLUMNS = "v.*, u.first_name, u.language"


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
        box_sql = ""
        params: list[object] = [f"%,{category.value},%"]
        if not any_distance:
            min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, MAX_RADIUS_KM)
            box_sql = "AND v.lat BETWEEN ? AND ? AND v.lon BETWEEN ? AND ?"
            params += [min_lat, max_lat, min_lon, max_lon]
        excluded = sorted(set(exclude))
        marks = ",".join("?" * len(excluded)) or "NULL"
        rows = await self._db.fetchall(
            f"""
            SELECT {_COLUMNS},
                   (SELECT count(*) FROM requests r
                     WHERE r.volunteer_id = v.user_id AND r.claimed_at >= ?) AS recent_tasks
            FROM volunteers v JOIN users u ON u.id = v.user_id
            WHERE v.status = 'approved' AND v.paused = 0 AND u.blocked_at IS NULL
              AND (',' || v.categories || ',') LIKE ?
              {box_sql}
              {"AND v.dbs_checked = 1" if needs_check else ""}
              AND v.user_id NOT IN ({marks})
              AND v.user_id NOT IN (
                  SELECT p.volunteer_id FROM pings p
                  WHERE p.request_id = ? AND (p.round = ? OR p.answer IN ('declined', 'released')))
            """,
            [recent_since, *params, *excluded, request_id, round_],
        )
        found: list[tuple[float, int, Candidate]] = []
        for row in rows:
            distance = haversine_km(lat, lon, row["lat"], row["lon"])
            if not any_distance and distance > row["radius_km"] + 1e-9:
                continue
            found.append((distance, row["recent_tasks"], Candidate(_volunteer(row), distance)))
        # Nearest first; among volunteers about as near (same 500 m band), those who have
        # had fewer tasks lately go first, so the same people are not always asked.
        found.sort(key=lambda item: (round(item[0] * 2), item[1], item[0]))
        return [candidate for _, _, candidate in found]
