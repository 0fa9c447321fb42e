"""Safeguarding records: concerns, money spent on someone's behalf, ID/DBS checks, and the
audit trail of coordinators looking at personal details."""

from __future__ import annotations

from bot.db.connection import Database, Transaction
from bot.domain.models import Category, Concern, Spending


async def _audit(
    tx: Transaction,
    now: float,
    actor_id: int | None,
    action: str,
    *,
    request_id: int | None = None,
    subject_id: int | None = None,
    note: str = "",
) -> None:
    await tx.execute(
        "INSERT INTO audit (at, actor_id, request_id, subject_id, action, note) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (now, actor_id, request_id, subject_id, action, note),
    )


class SafeguardingRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- concerns ----------------------------------------------------------------------

    async def add_concern(
        self, request_id: int | None, reporter_id: int, role: str, text: str, now: float
    ) -> Concern:
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                # The volunteer holding the request now: its own column changes on a
                # hand-back, and the concern stays on their card (bot.db.doorstep).
                "INSERT INTO concerns (request_id, reporter_id, role, text, created_at, "
                "volunteer_id) VALUES (?, ?, ?, ?, ?, "
                "(SELECT volunteer_id FROM requests WHERE id = ?))",
                (request_id, reporter_id, role, text, now, request_id),
            )
            concern_id = int(cursor.lastrowid or 0)
            await _audit(
                tx, now, reporter_id, "concern:raised", request_id=request_id, note=str(concern_id)
            )
        return Concern(concern_id, request_id, reporter_id, role, text, now)

    async def concerns_about(self, request_id: int, limit: int = 3) -> list[Concern]:
        """The latest concerns about a request, newest first."""
        rows = await self._db.fetchall(
            "SELECT * FROM concerns WHERE request_id = ? ORDER BY id DESC LIMIT ?",
            (request_id, limit),
        )
        return [
            Concern(
                r["id"], r["request_id"], r["reporter_id"], r["role"], r["text"], r["created_at"]
            )
            for r in rows
        ]

    async def role_in(self, request_id: int, user_id: int) -> str | None:
        """How someone is involved in a request: 'requester', 'volunteer' (holds or held
        it, or was asked), or None."""
        row = await self._db.fetchone(
            """
            SELECT r.requester_id = :user AS asked,
                   (r.volunteer_id = :user OR EXISTS (
                       SELECT 1 FROM pings p WHERE p.request_id = r.id AND p.volunteer_id = :user
                   )) AS helped
            FROM requests r WHERE r.id = :id
            """,
            {"id": request_id, "user": user_id},
        )
        if row is None:
            return None
        if row["asked"]:
            return "requester"
        return "volunteer" if row["helped"] else None

    async def involved_in(self, user_id: int, limit: int = 6) -> list[tuple[int, Category]]:
        """The requests someone asked for or took on, latest first (for /concern)."""
        rows = await self._db.fetchall(
            "SELECT id, category FROM requests WHERE requester_id = ? OR volunteer_id = ? "
            "ORDER BY id DESC LIMIT ?",
            (user_id, user_id, limit),
        )
        return [(row["id"], Category(row["category"])) for row in rows]

    # --- money -------------------------------------------------------------------------

    async def record_spend(
        self, request_id: int, volunteer_id: int, pence: int, now: float
    ) -> bool:
        """What the volunteer who did a task spent on it; False if it isn't their done task."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE requests SET spent_pence = ?, updated_at = ? "
                "WHERE id = ? AND volunteer_id = ? AND status = 'done'",
                (pence, now, request_id, volunteer_id),
            )
            if cursor.rowcount != 1:
                return False
            await _audit(
                tx, now, volunteer_id, "spend:recorded", request_id=request_id, note=str(pence)
            )
            return True

    async def record_receipt(
        self, request_id: int, volunteer_id: int, file_id: str, now: float
    ) -> bool:
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE requests SET receipt_file_id = ?, updated_at = ? "
                "WHERE id = ? AND volunteer_id = ? AND status = 'done'",
                (file_id, now, request_id, volunteer_id),
            )
            if cursor.rowcount != 1:
                return False
            await _audit(tx, now, volunteer_id, "spend:receipt", request_id=request_id)
            return True

    async def spending_of(self, request_id: int) -> Spending | None:
        row = await self._db.fetchone(
            "SELECT spent_pence, receipt_file_id FROM requests WHERE id = ?", (request_id,)
        )
        return Spending(row["spent_pence"], row["receipt_file_id"]) if row else None

    async def flag_over_cap(self, request_id: int, pence: int, now: float) -> None:
        async with self._db.transaction() as tx:
            await _audit(tx, now, None, "spend:over_cap", request_id=request_id, note=str(pence))

    # --- coordinators ------------------------------------------------------------------

    async def log_details_view(
        self, coordinator_id: int, request_id: int, subject_id: int | None, now: float
    ) -> None:
        """Who looked at whose personal details, and when."""
        async with self._db.transaction() as tx:
            await _audit(
                tx,
                now,
                coordinator_id,
                "details:viewed",
                request_id=request_id,
                subject_id=subject_id,
            )

    async def set_checked(
        self, volunteer_id: int, checked: bool, coordinator_id: int, now: float
    ) -> bool:
        """Mark a volunteer ID/DBS-checked (or not); False if there is no such volunteer."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE volunteers SET dbs_checked = ?, updated_at = ? WHERE user_id = ?",
                (int(checked), now, volunteer_id),
            )
            if cursor.rowcount != 1:
                return False
            await _audit(
                tx,
                now,
                coordinator_id,
                "volunteer:checked" if checked else "volunteer:unchecked",
                subject_id=volunteer_id,
            )
            return True
