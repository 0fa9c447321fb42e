"""Referrals to neighbouring groups: a count per group and local day, never who."""

from __future__ import annotations

from bot.db.connection import Database


class ReferralRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def count(self, day: str, neighbour: str) -> None:
        """One more person needing help pointed to `neighbour` on `day` (YYYY-MM-DD)."""
        await self._db.execute(
            "INSERT INTO neighbour_referrals (day, neighbour, count) VALUES (?, ?, 1) "
            "ON CONFLICT (day, neighbour) DO UPDATE SET count = neighbour_referrals.count + 1",
            (day, neighbour),
        )

    async def since(self, day: str) -> dict[str, int]:
        """People pointed to each neighbouring group from `day` on, most first."""
        rows = await self._db.fetchall(
            "SELECT neighbour, sum(count) AS n FROM neighbour_referrals WHERE day >= ? "
            "GROUP BY neighbour ORDER BY n DESC, neighbour",
            (day,),
        )
        return {row["neighbour"]: int(row["n"]) for row in rows}
