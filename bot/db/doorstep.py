"""The doorstep and the volunteer's record: visits (arrived, left, asked, alerted),
"they didn't come" reports, first tasks, and the signals on a volunteer's card."""

from __future__ import annotations

from bot.db.connection import Database, Transaction
from bot.db.rows import record
from bot.domain.models import HandBack, Signals, Visit


async def _audit(
    tx: Transaction, now: float, actor_id: int | None, request_id: int, action: str
) -> None:
    await tx.execute(
        "INSERT INTO audit (at, actor_id, request_id, action) VALUES (?, ?, ?, ?)",
        (now, actor_id, request_id, action),
    )


class DoorstepRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- visits ------------------------------------------------------------------------

    async def arrive(self, request_id: int, volunteer_id: int, now: float) -> Visit | None:
        """Record the arrival; None if they are already there (a second press). Arriving
        again after leaving (a second trip) starts a new visit."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                """
                INSERT INTO visits (request_id, volunteer_id, arrived_at) VALUES (?, ?, ?)
                ON CONFLICT (request_id, volunteer_id) DO UPDATE SET
                    arrived_at = excluded.arrived_at, left_at = NULL, asked_at = NULL,
                    help_at = NULL, alerted_at = NULL
                WHERE visits.left_at IS NOT NULL
                """,
                (request_id, volunteer_id, now),
            )
            if cursor.rowcount != 1:
                return None
            await _audit(tx, now, volunteer_id, request_id, "doorstep:arrived")
            row = await tx.fetchone(
                "SELECT * FROM visits WHERE request_id = ? AND volunteer_id = ?",
                (request_id, volunteer_id),
            )
        return record(Visit, row) if row else None

    async def visit(self, request_id: int, volunteer_id: int) -> Visit | None:
        row = await self._db.fetchone(
            "SELECT * FROM visits WHERE request_id = ? AND volunteer_id = ?",
            (request_id, volunteer_id),
        )
        return record(Visit, row) if row else None

    async def leave(self, request_id: int, volunteer_id: int, now: float) -> Visit | None:
        """They have left safely; None if they were not on the doorstep (a second press)."""
        return await self._mark(request_id, volunteer_id, "left_at", now, "doorstep:left")

    async def mark_asked(self, request_id: int, volunteer_id: int, now: float) -> Visit | None:
        return await self._mark(request_id, volunteer_id, "asked_at", now, "doorstep:asked")

    async def mark_help(self, request_id: int, volunteer_id: int, now: float) -> Visit | None:
        return await self._mark(request_id, volunteer_id, "help_at", now, "doorstep:help")

    async def mark_alerted(self, request_id: int, volunteer_id: int, now: float) -> Visit | None:
        return await self._mark(request_id, volunteer_id, "alerted_at", now, "doorstep:alerted")

    async def _mark(
        self, request_id: int, volunteer_id: int, column: str, now: float, action: str
    ) -> Visit | None:
        """Set one moment of a visit still on the doorstep, once; None if it was set
        already or they have left. `column` is one of this module's own names."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                f"UPDATE visits SET {column} = ? WHERE request_id = ? AND volunteer_id = ? "
                f"AND {column} IS NULL AND left_at IS NULL",
                (now, request_id, volunteer_id),
            )
            if cursor.rowcount != 1:
                return None
            await _audit(tx, now, volunteer_id, request_id, action)
            row = await tx.fetchone(
                "SELECT * FROM visits WHERE request_id = ? AND volunteer_id = ?",
                (request_id, volunteer_id),
            )
        return record(Visit, row) if row else None

    # --- "they didn't come" ------------------------------------------------------------

    async def report_no_show(
        self, request_id: int, volunteer_id: int, reporter_id: int, now: float
    ) -> bool:
        """False if this was reported already."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "INSERT OR IGNORE INTO no_shows (request_id, volunteer_id, reporter_id, "
                "reported_at) VALUES (?, ?, ?, ?)",
                (request_id, volunteer_id, reporter_id, now),
            )
            if cursor.rowcount != 1:
                return False
            await _audit(tx, now, reporter_id, request_id, "doorstep:no_show")
        return True

    # --- a volunteer's record ----------------------------------------------------------

    async def tasks_taken(self, volunteer_id: int) -> int:
        """How many requests this volunteer has ever taken (handed back ones too)."""
        return await self._db.number(
            "SELECT count(*) FROM pings WHERE volunteer_id = ? "
            "AND answer IN ('accepted', 'released')",
            (volunteer_id,),
        )

    async def took(self, request_id: int, volunteer_id: int) -> bool:
        """Whether this volunteer took this request at some point."""
        return await self._db.exists(
            "SELECT 1 FROM pings WHERE request_id = ? AND volunteer_id = ? "
            "AND answer IN ('accepted', 'released')",
            (request_id, volunteer_id),
        )

    async def tasks_done(self, volunteer_id: int) -> int:
        return await self._db.number(
            "SELECT count(*) FROM requests WHERE volunteer_id = ? AND status = 'done'",
            (volunteer_id,),
        )

    async def signals(self, volunteer_id: int, since: float) -> Signals:
        done = await self._db.number(
            "SELECT count(*) FROM requests WHERE volunteer_id = ? AND status = 'done' "
            "AND closed_at >= ?",
            (volunteer_id, since),
        )
        # A hand-back is the audit's claimed->open by the volunteer; the claim before it
        # says how long they had it.
        rows = await self._db.fetchall(
            """
            SELECT a.request_id, a.at AS released_at, r.due_at,
                   (SELECT max(c.at) FROM audit c WHERE c.request_id = a.request_id
                      AND c.action = 'open->claimed' AND c.at <= a.at) AS claimed_at
            FROM audit a JOIN requests r ON r.id = a.request_id
            WHERE a.action = 'claimed->open' AND a.actor_id = ? AND a.at >= ?
            ORDER BY a.at DESC, a.id DESC
            """,
            (volunteer_id, since),
        )
        no_shows = await self._db.number(
            "SELECT count(*) FROM no_shows WHERE volunteer_id = ? AND reported_at >= ?",
            (volunteer_id, since),
        )
        # Concerns about tasks they held, not the ones they raised themselves.
        concerns = await self._db.number(
            "SELECT count(*) FROM concerns WHERE volunteer_id = ? AND created_at >= ? "
            "AND coalesce(reporter_id, 0) != ?",
            (volunteer_id, since, volunteer_id),
        )
        return Signals(
            done=done,
            hand_backs=[record(HandBack, row) for row in rows],
            no_shows=no_shows,
            concerns=concerns,
        )
