"""What the coordinators' map reads about requests: never a name, address, phone number or
description, only what a point on the map needs."""

from __future__ import annotations

from bot.db.connection import Database
from bot.db.rows import record
from bot.domain.figures import RequestOnMap
from bot.domain.models import Category, RequestStatus


class MapRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def requests(self) -> list[RequestOnMap]:
        """Every open or taken request with a place, oldest first. Only these columns are
        read, so nothing personal can reach the map by mistake."""
        rows = await self._db.fetchall(
            """
            SELECT r.id, r.category, r.status, r.lat, r.lon, r.created_at, r.due_at,
                   (SELECT count(DISTINCT p.round || ':' || p.wave) FROM pings p
                     WHERE p.request_id = r.id AND p.wave > 0) AS waves,
                   (SELECT count(DISTINCT p.volunteer_id) FROM pings p
                     WHERE p.request_id = r.id) AS asked
            FROM requests r
            WHERE r.status IN ('open', 'claimed') AND r.lat IS NOT NULL AND r.lon IS NOT NULL
            ORDER BY r.created_at, r.id
            """
        )
        return [
            record(
                RequestOnMap,
                row,
                category=Category(row["category"]),
                status=RequestStatus(row["status"]),
            )
            for row in rows
        ]
