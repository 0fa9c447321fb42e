"""Safeguarding records: concerns, money spent on someone's behalf, ID/DBS checks, and the
audit trail of coordinators looking at personal details."""

from __future__ import annotations

from bot.db.connection import Database, Transaction
from bot.db.rows import record
from bot.domain.models import Category, Concern, Correction, Spending


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
        return [record(Concern, row) for row in rows]

    async def take_concern(
        self, concern_id: int, coordinator_id: int, now: float
    ) -> tuple[bool, int | None] | None:
        """A coordinator says "I'm on it": (True, them) if they are now the one handling
        it, (False, who is) if someone already was; None if there is no such concern."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE concerns SET handled_by = ?, handled_at = ? "
                "WHERE id = ? AND handled_by IS NULL",
                (coordinator_id, now, concern_id),
            )
            if cursor.rowcount == 1:
                request = await tx.fetchone(
                    "SELECT request_id FROM concerns WHERE id = ?", (concern_id,)
                )
                await _audit(
                    tx,
                    now,
                    coordinator_id,
                    "concern:handling",
                    request_id=request["request_id"] if request else None,
                    note=str(concern_id),
                )
                return True, coordinator_id
            row = await tx.fetchone("SELECT handled_by FROM concerns WHERE id = ?", (concern_id,))
            return None if row is None else (False, row["handled_by"])

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
        return await self._volunteers_change(
            request_id,
            volunteer_id,
            now,
            "spent_pence = ?",
            (pence,),
            "spend:recorded",
            str(pence),
        )

    async def record_receipt(
        self, request_id: int, volunteer_id: int, file_id: str, now: float
    ) -> bool:
        """The receipt photo, which settles the amount."""
        return await self._volunteers_change(
            request_id,
            volunteer_id,
            now,
            "receipt_file_id = ?, spend_settled_at = ?",
            (file_id, now),
            "spend:receipt",
        )

    async def settle_without_receipt(self, request_id: int, volunteer_id: int, now: float) -> bool:
        """The volunteer has no receipt: the amount they typed is settled as it is."""
        return await self._volunteers_change(
            request_id,
            volunteer_id,
            now,
            "spend_settled_at = ?",
            (now,),
            "spend:no_receipt",
            also="AND spent_pence > 0",
        )

    async def _volunteers_change(
        self,
        request_id: int,
        volunteer_id: int,
        now: float,
        changes: str,
        values: tuple[object, ...],
        action: str,
        note: str = "",
        *,
        also: str = "",
    ) -> bool:
        """One change by a done task's volunteer to what it cost, audited; False if it isn't
        their done task. Settled (the receipt in, or none): locked, only a coordinator
        corrects it. `changes` and `also` are this module's own SQL, never user input."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                f"UPDATE requests SET {changes}, updated_at = ? "
                "WHERE id = ? AND volunteer_id = ? AND status = 'done' "
                f"{also} AND spend_settled_at IS NULL",
                (*values, now, request_id, volunteer_id),
            )
            if cursor.rowcount != 1:
                return False
            await _audit(tx, now, volunteer_id, action, request_id=request_id, note=note)
            return True

    async def correct_spend(
        self, request_id: int, coordinator_id: int, correction: Correction, now: float
    ) -> int | None:
        """A coordinator's correction of a done task's amount, and with a receipt_file_id
        its receipt (audited with the old and the new amount); returns the old amount (0
        when none), None if there is no such done task."""
        pence, receipt_file_id = correction.pence, correction.receipt_file_id
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT spent_pence FROM requests WHERE id = ? AND status = 'done'",
                (request_id,),
            )
            if row is None:
                return None
            old = int(row["spent_pence"] or 0)
            await tx.execute(
                "UPDATE requests SET spent_pence = ?, "
                "receipt_file_id = coalesce(?, receipt_file_id), "
                "spend_settled_at = coalesce(spend_settled_at, ?), updated_at = ? WHERE id = ?",
                (pence, receipt_file_id, now, now, request_id),
            )
            await _audit(
                tx,
                now,
                coordinator_id,
                "spend:corrected",
                request_id=request_id,
                note=f"{old}->{pence}" + (" receipt" if receipt_file_id else ""),
            )
            return old

    async def mark_paid_back(self, request_id: int, actor_id: int, now: float) -> bool:
        """The requester (or a phone request's coordinator) paid the volunteer back;
        False when it was already paid back, or there is nothing settled to pay."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE requests SET paid_back_at = ?, paid_back_by = 'requester', "
                "updated_at = ? WHERE id = ? AND status = 'done' AND spent_pence > 0 "
                "AND spend_settled_at IS NOT NULL AND paid_back_at IS NULL",
                (now, now, request_id),
            )
            if cursor.rowcount != 1:
                return False
            await _audit(tx, now, actor_id, "spend:paid_back", request_id=request_id)
            return True

    async def spending_of(self, request_id: int) -> Spending | None:
        row = await self._db.fetchone(
            "SELECT spent_pence AS pence, receipt_file_id, spend_settled_at AS settled_at, "
            "paid_back_at FROM requests WHERE id = ?",
            (request_id,),
        )
        return record(Spending, row) if row else None

    async def owed(self, limit: int = 20) -> tuple[int, int, list[tuple[int, int]]]:
        """Money volunteers are still out of pocket by: (how many tasks, how much in all,
        the oldest few as (request id, pence))."""
        total = await self._db.fetchone(
            "SELECT count(*) AS n, coalesce(sum(spent_pence), 0) AS pence FROM requests "
            "WHERE spent_pence > 0 AND paid_back_at IS NULL"
        )
        rows = await self._db.fetchall(
            "SELECT id, spent_pence FROM requests WHERE spent_pence > 0 AND paid_back_at IS NULL "
            "ORDER BY id LIMIT ?",
            (limit,),
        )
        count = int(total["n"]) if total else 0
        pence = int(total["pence"]) if total else 0
        return count, pence, [(int(r["id"]), int(r["spent_pence"])) for r in rows]

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
