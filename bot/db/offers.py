"""Offers, their takes and notices, the members listening for them, and their lines.

Taking is one conditional UPDATE checked by its row count (as a request's claim is):
that is what keeps the takers to exactly the offer's units when many press at once.
"""

from __future__ import annotations

from bot.db.connection import Database, Row
from bot.db.relay import count_said_since, keep_said
from bot.db.rows import record
from bot.db.volunteers import quiet_hours_of
from bot.domain.distance import bounding_box
from bot.domain.offers import (
    Listener,
    Notice,
    Offer,
    OfferDraft,
    OfferKind,
    OfferStatus,
    Take,
    TakeOutcome,
    TakeResult,
)
from bot.domain.relay import Said

ENDED = ("gone", "closed", "expired")


# A take with its taker's name ('' once they are forgotten). Every Take is read through
# this: record() takes no default for a column left out.
_TAKE_NAMED = (
    "SELECT t.*, coalesce(u.first_name, '') AS taker_name FROM offer_takes t "
    "LEFT JOIN users u ON u.id = t.taker_id"
)


def _offer(row: Row) -> Offer:
    return record(Offer, row, kind=OfferKind(row["kind"]), status=OfferStatus(row["status"]))


class OfferRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- offers ------------------------------------------------------------------------

    async def create(self, offerer_id: int, draft: OfferDraft, now: float) -> Offer:
        offer_id = await self._db.insert(
            "INSERT INTO offers (offerer_id, kind, description, units, lat, lon, until_at, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                offerer_id,
                draft.kind.value,
                draft.description,
                draft.units,
                draft.lat,
                draft.lon,
                draft.until_at,
                now,
            ),
        )
        offer = await self.get(offer_id)
        assert offer is not None
        return offer

    async def get(self, offer_id: int) -> Offer | None:
        row = await self._db.fetchone("SELECT * FROM offers WHERE id = ?", (offer_id,))
        return _offer(row) if row else None

    async def of_offerer(self, offerer_id: int, limit: int) -> list[Offer]:
        """Their offers, open ones first, newest first."""
        rows = await self._db.fetchall(
            "SELECT * FROM offers WHERE offerer_id = ? AND purged_at IS NULL "
            "ORDER BY status != 'open', created_at DESC, id DESC LIMIT ?",
            (offerer_id, limit),
        )
        return [_offer(row) for row in rows]

    async def open_near(self, lat: float, lon: float, radius_km: float, now: float) -> list[Offer]:
        """Open offers inside the bounding box of a circle (the caller checks the distance)."""
        south, north, west, east = bounding_box(lat, lon, radius_km)
        rows = await self._db.fetchall(
            "SELECT * FROM offers WHERE status = 'open' AND until_at > ? "
            "AND lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?",
            (now, south, north, west, east),
        )
        return [_offer(row) for row in rows]

    async def take(self, offer_id: int, taker_id: int, now: float) -> TakeResult:
        """One unit for this member; the last unit marks the offer gone, in the same UPDATE."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                """
                UPDATE offers SET taken = taken + 1,
                    status = CASE WHEN taken + 1 >= units THEN 'gone' ELSE 'open' END,
                    closed_at = CASE WHEN taken + 1 >= units THEN :now ELSE closed_at END
                WHERE id = :id AND status = 'open' AND taken < units AND until_at > :now
                    AND offerer_id IS NOT NULL AND offerer_id != :taker
                    AND NOT EXISTS (
                        SELECT 1 FROM offer_takes WHERE offer_id = :id AND taker_id = :taker)
                """,
                {"id": offer_id, "taker": taker_id, "now": now},
            )
            row = await tx.fetchone("SELECT * FROM offers WHERE id = ?", (offer_id,))
            if row is None:
                return TakeResult(TakeOutcome.NOT_FOUND)
            offer = _offer(row)
            if cursor.rowcount != 1:
                if offer.offerer_id == taker_id:
                    return TakeResult(TakeOutcome.OWN, offer)
                mine = await tx.fetchone(
                    f"{_TAKE_NAMED} WHERE t.offer_id = ? AND t.taker_id = ?",
                    (offer_id, taker_id),
                )
                if mine is not None:
                    return TakeResult(TakeOutcome.ALREADY, offer, record(Take, mine))
                return TakeResult(TakeOutcome.GONE, offer)
            take_cursor = await tx.execute(
                "INSERT INTO offer_takes (offer_id, taker_id, taken_at) VALUES (?, ?, ?)",
                (offer_id, taker_id, now),
            )
            take_id = int(take_cursor.lastrowid or 0)
        return TakeResult(TakeOutcome.OK, offer, Take(take_id, offer_id, taker_id, now))

    async def close(self, offer_id: int, offerer_id: int, now: float) -> Offer | None:
        """The offerer closes it early; None if it was not open (or not theirs)."""
        return await self._end(
            offer_id, "closed", now, "AND offerer_id = ?", (offerer_id,), allowed=("open",)
        )

    async def expire(self, offer_id: int, now: float) -> Offer | None:
        """Its time has come: an open one expires; None if it had ended already."""
        return await self._end(offer_id, "expired", now, "", (), allowed=("open",))

    async def _end(
        self,
        offer_id: int,
        to: str,
        now: float,
        condition: str,
        params: tuple[object, ...],
        allowed: tuple[str, ...],
    ) -> Offer | None:
        marks = ",".join("?" * len(allowed))
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                f"UPDATE offers SET status = ?, closed_at = ? "
                f"WHERE id = ? AND status IN ({marks}) {condition}",
                (to, now, offer_id, *allowed, *params),
            )
            if cursor.rowcount != 1:
                return None
            row = await tx.fetchone("SELECT * FROM offers WHERE id = ?", (offer_id,))
        return _offer(row) if row else None

    async def open_of(self, offerer_id: int) -> list[int]:
        rows = await self._db.fetchall(
            "SELECT id FROM offers WHERE offerer_id = ? AND status = 'open'", (offerer_id,)
        )
        return [row["id"] for row in rows]

    # --- takes -------------------------------------------------------------------------

    async def takes_of(self, offer_id: int) -> list[Take]:
        rows = await self._db.fetchall(
            f"{_TAKE_NAMED} WHERE t.offer_id = ? ORDER BY t.taken_at, t.id", (offer_id,)
        )
        return [record(Take, row) for row in rows]

    async def get_take(self, take_id: int) -> Take | None:
        row = await self._db.fetchone(f"{_TAKE_NAMED} WHERE t.id = ?", (take_id,))
        return record(Take, row) if row else None

    # --- notices -----------------------------------------------------------------------

    async def reserve_notice(
        self, offer_id: int, chat_id: int, day: str, cap: int | None, now: float
    ) -> bool:
        """Claim the right to send one notice to this chat: once per offer, and (with a
        `cap`) while the chat has had fewer than `cap` notices on this local day. Counted
        and claimed in one transaction (it holds the write lock), so two offers posted at
        once can't both take a member's last one."""
        async with self._db.transaction() as tx:
            if cap is not None:
                row = await tx.fetchone(
                    "SELECT count(*) FROM offer_notices WHERE chat_id = ? AND day = ?",
                    (chat_id, day),
                )
                if row is not None and int(row[0]) >= cap:
                    return False
            cursor = await tx.execute(
                "INSERT OR IGNORE INTO offer_notices (offer_id, chat_id, day, sent_at) "
                "VALUES (?, ?, ?, ?)",
                (offer_id, chat_id, day, now),
            )
            return cursor.rowcount == 1

    async def set_notice_message(self, offer_id: int, chat_id: int, message_id: int) -> None:
        await self._db.execute(
            "UPDATE offer_notices SET message_id = ? WHERE offer_id = ? AND chat_id = ?",
            (message_id, offer_id, chat_id),
        )

    async def drop_notice(self, offer_id: int, chat_id: int) -> None:
        """A notice that could not be sent: it does not count against the day's cap."""
        await self._db.execute(
            "DELETE FROM offer_notices WHERE offer_id = ? AND chat_id = ?", (offer_id, chat_id)
        )

    async def notices_of(self, offer_id: int) -> list[Notice]:
        rows = await self._db.fetchall(
            "SELECT * FROM offer_notices WHERE offer_id = ? AND message_id IS NOT NULL",
            (offer_id,),
        )
        return [record(Notice, row) for row in rows]

    async def set_shown(self, offer_id: int, chat_id: int, shown: str) -> None:
        await self._db.execute(
            "UPDATE offer_notices SET shown = ? WHERE offer_id = ? AND chat_id = ?",
            (shown, offer_id, chat_id),
        )

    # --- listeners ---------------------------------------------------------------------

    async def listen(self, user_id: int, where: tuple[float, float] | None, now: float) -> None:
        lat, lon = where if where is not None else (None, None)
        await self._db.execute(
            "INSERT INTO offer_listeners (user_id, lat, lon, since) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET lat = excluded.lat, lon = excluded.lon",
            (user_id, lat, lon, now),
        )

    async def stop_listening(self, user_id: int) -> None:
        await self._db.execute("DELETE FROM offer_listeners WHERE user_id = ?", (user_id,))

    async def is_listening(self, user_id: int) -> bool:
        return await self._db.exists("SELECT 1 FROM offer_listeners WHERE user_id = ?", (user_id,))

    async def place_of(self, user_id: int) -> tuple[float, float] | None:
        """Where a member hears of offers from: their chosen place, or where they volunteer."""
        row = await self._db.fetchone(
            """
            SELECT coalesce(l.lat, v.lat) AS lat, coalesce(l.lon, v.lon) AS lon
            FROM users u
            LEFT JOIN offer_listeners l ON l.user_id = u.id
            LEFT JOIN volunteers v ON v.user_id = u.id
            WHERE u.id = ?
            """,
            (user_id,),
        )
        if row is None or row["lat"] is None or row["lon"] is None:
            return None
        return float(row["lat"]), float(row["lon"])

    async def listeners_near(self, lat: float, lon: float, radius_km: float) -> list[Listener]:
        """Members listening for offers whose place lies in the bounding box of a circle,
        who agreed to the notice and have not blocked the bot (the caller checks the
        distance)."""
        south, north, west, east = bounding_box(lat, lon, radius_km)
        rows = await self._db.fetchall(
            """
            SELECT * FROM (
                SELECT l.user_id, coalesce(l.lat, v.lat) AS lat, coalesce(l.lon, v.lon) AS lon,
                       v.quiet_own, v.quiet_from, v.quiet_until
                FROM offer_listeners l
                JOIN users u ON u.id = l.user_id
                LEFT JOIN volunteers v ON v.user_id = l.user_id
                WHERE u.consented_at IS NOT NULL AND u.blocked_at IS NULL
            ) AS placed WHERE lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?
            """,
            (south, north, west, east),
        )
        return [
            record(
                Listener,
                row,
                own_quiet=bool(row["quiet_own"]),
                quiet_hours=quiet_hours_of(row),
            )
            for row in rows
        ]

    # --- the line between an offerer and a taker ---------------------------------------

    async def add_message(self, take_id: int, said: Said, now: float) -> int:
        return await keep_said(self._db, "offer_messages", "take_id", take_id, said, now)

    async def sent_since(self, sender_id: int, since: float) -> int:
        return await count_said_since(self._db, "offer_messages", sender_id, since)

    async def messages_of(self, take_id: int) -> list[str]:
        rows = await self._db.fetchall(
            "SELECT text FROM offer_messages WHERE take_id = ? ORDER BY sent_at, id", (take_id,)
        )
        return [row["text"] for row in rows]
