"""Nobody left out: volunteers nobody has asked, and where requests came from."""

from __future__ import annotations

from bot.db.connection import Database
from bot.db.volunteers import _COLUMNS, PINGABLE, _volunteer
from bot.domain.models import Category, Volunteer


class FairnessRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def left_out(self, approved_before: float, *, unnoted: bool = False) -> list[Volunteer]:
        """Pingable volunteers approved before then who have never had a ping since (and,
        with `unnoted`, not yet had the kind note), oldest first."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM volunteers v JOIN users u ON u.id = v.user_id "
            f"WHERE {PINGABLE} AND v.approved_at IS NOT NULL AND v.approved_at <= ? "
            f"{'AND v.left_out_noted_at IS NULL' if unnoted else ''} "
            "AND NOT EXISTS (SELECT 1 FROM pings p WHERE p.volunteer_id = v.user_id "
            "                AND p.sent_at >= v.approved_at) "
            "ORDER BY v.approved_at, v.user_id",
            (approved_before,),
        )
        return [_volunteer(row) for row in rows]

    async def mark_noted(self, user_id: int, now: float) -> bool:
        """Record that the kind note went; False if it already had (it goes once)."""
        changed = await self._db.execute(
            "UPDATE volunteers SET left_out_noted_at = ? "
            "WHERE user_id = ? AND left_out_noted_at IS NULL",
            (now, user_id),
        )
        return changed == 1

    async def requests_since(self, since: float) -> list[tuple[float, float, Category]]:
        """Where and what every request made since then was (purged ones have no place)."""
        rows = await self._db.fetchall(
            "SELECT lat, lon, category FROM requests "
            "WHERE created_at >= ? AND lat IS NOT NULL AND lon IS NOT NULL",
            (since,),
        )
        found = []
        for row in rows:
            category = Category.parse(row["category"])
            if category is not None:
                found.append((float(row["lat"]), float(row["lon"]), category))
        return found

    async def pingable(self) -> list[Volunteer]:
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM volunteers v JOIN users u ON u.id = v.user_id "
            f"WHERE {PINGABLE}"
        )
        return [_volunteer(row) for row in rows]
