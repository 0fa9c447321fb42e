"""The fund's ledger (append-only: the balance is always the sum of its rows) and the
reimbursement claims it pays. Each decision is one BEGIN IMMEDIATE transaction, so two
coordinators pressing at once cannot pay a claim twice or spend the same pound twice."""

from __future__ import annotations

from datetime import date

from bot.db.connection import Database, Row, Transaction
from bot.db.rows import record
from bot.domain.fund import (
    Approval,
    Claim,
    ClaimStatus,
    Movement,
    MovementKind,
    Reversal,
)


def _movement(row: Row) -> Movement:
    return record(
        Movement,
        row,
        kind=MovementKind(row["kind"]),
        on_date=date.fromisoformat(row["on_date"]),
        may_thank=bool(row["may_thank"]),
    )


def _claim(row: Row) -> Claim:
    return record(Claim, row, status=ClaimStatus(row["status"]))


async def _balance(tx: Transaction) -> int:
    row = await tx.fetchone("SELECT coalesce(sum(pence), 0) AS total FROM fund_ledger")
    return int(row["total"]) if row else 0


async def _insert(
    tx: Transaction,
    kind: MovementKind,
    pence: int,
    on_date: date,
    recorded_by: int | None,
    now: float,
    *,
    claim_id: int | None = None,
    reverses_id: int | None = None,
    donor_note: str = "",
    may_thank: bool = False,
) -> Movement:
    cursor = await tx.execute(
        "INSERT INTO fund_ledger (kind, pence, on_date, claim_id, reverses_id, donor_note, "
        "may_thank, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            kind.value,
            pence,
            on_date.isoformat(),
            claim_id,
            reverses_id,
            donor_note,
            int(may_thank),
            recorded_by,
            now,
        ),
    )
    row = await tx.fetchone("SELECT * FROM fund_ledger WHERE id = ?", (cursor.lastrowid,))
    assert row is not None
    return _movement(row)


class FundRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- the ledger --------------------------------------------------------------------

    async def donate(
        self,
        pence: int,
        on_date: date,
        donor_note: str,
        may_thank: bool,
        coordinator_id: int,
        now: float,
    ) -> Movement:
        async with self._db.transaction() as tx:
            return await _insert(
                tx,
                MovementKind.DONATION,
                pence,
                on_date,
                coordinator_id,
                now,
                donor_note=donor_note,
                may_thank=may_thank,
            )

    async def balance(self) -> int:
        row = await self._db.fetchone("SELECT coalesce(sum(pence), 0) AS total FROM fund_ledger")
        return int(row["total"]) if row else 0

    async def movements(self) -> list[Movement]:
        rows = await self._db.fetchall("SELECT * FROM fund_ledger ORDER BY id")
        return [_movement(row) for row in rows]

    async def movement(self, row_id: int) -> Movement | None:
        row = await self._db.fetchone("SELECT * FROM fund_ledger WHERE id = ?", (row_id,))
        return _movement(row) if row else None

    async def reverse(
        self, row_id: int, coordinator_id: int, on_date: date, now: float
    ) -> tuple[Reversal, Movement | None]:
        """A correction: a new row that undoes an old one (never an edit)."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone("SELECT * FROM fund_ledger WHERE id = ?", (row_id,))
            if row is None:
                return Reversal.NO_SUCH_ROW, None
            original = _movement(row)
            if original.kind is MovementKind.REVERSAL:
                return Reversal.IS_A_REVERSAL, original
            done = await tx.fetchone("SELECT 1 FROM fund_ledger WHERE reverses_id = ?", (row_id,))
            if done is not None:
                return Reversal.ALREADY_REVERSED, original
            if await _balance(tx) - original.pence < 0:
                return Reversal.BELOW_ZERO, original
            await _insert(
                tx,
                MovementKind.REVERSAL,
                -original.pence,
                on_date,
                coordinator_id,
                now,
                claim_id=original.claim_id,
                reverses_id=original.id,
            )
            if original.kind is MovementKind.REIMBURSEMENT:
                await tx.execute(
                    "UPDATE fund_claims SET status = 'reversed' WHERE id = ? AND status = 'paid'",
                    (original.claim_id,),
                )
                # Owed again, unless the requester paid it back meanwhile.
                await tx.execute(
                    "UPDATE requests SET paid_back_at = NULL, paid_back_by = NULL "
                    "WHERE paid_back_by = 'fund' AND id = "
                    "(SELECT request_id FROM fund_claims WHERE id = ?)",
                    (original.claim_id,),
                )
            return Reversal.DONE, original

    # --- claims ------------------------------------------------------------------------

    async def claim(self, claim_id: int) -> Claim | None:
        row = await self._db.fetchone("SELECT * FROM fund_claims WHERE id = ?", (claim_id,))
        return _claim(row) if row else None

    async def live_claim_of(self, request_id: int) -> Claim | None:
        row = await self._db.fetchone(
            "SELECT * FROM fund_claims WHERE request_id = ? AND status IN ('pending', 'paid')",
            (request_id,),
        )
        return _claim(row) if row else None

    async def pending(self) -> list[Claim]:
        rows = await self._db.fetchall(
            "SELECT * FROM fund_claims WHERE status = 'pending' ORDER BY id"
        )
        return [_claim(row) for row in rows]

    async def open_claim(
        self, request_id: int, volunteer_id: int, pence: int, now: float
    ) -> tuple[Claim | None, Claim | None]:
        """(the new claim, the pending one it replaces); (None, the paid one) when the task
        was already paid back: a new amount then goes through a coordinator instead."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT * FROM fund_claims WHERE request_id = ? AND status IN ('pending', 'paid')",
                (request_id,),
            )
            old = _claim(row) if row else None
            if old is not None and old.status is ClaimStatus.PAID:
                return None, old
            receipt = None
            if old is not None:
                receipt = old.receipt_file_id
                await tx.execute(
                    "UPDATE fund_claims SET status = 'withdrawn', decided_at = ? WHERE id = ?",
                    (now, old.id),
                )
            cursor = await tx.execute(
                "INSERT INTO fund_claims (request_id, volunteer_id, pence, receipt_file_id, "
                "created_at) VALUES (?, ?, ?, ?, ?)",
                (request_id, volunteer_id, pence, receipt, now),
            )
            new = await tx.fetchone("SELECT * FROM fund_claims WHERE id = ?", (cursor.lastrowid,))
            assert new is not None
            return _claim(new), old

    async def attach_receipt(self, request_id: int, file_id: str) -> Claim | None:
        """The receipt photo, on the task's pending claim (returned), if it has one."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE fund_claims SET receipt_file_id = ? "
                "WHERE request_id = ? AND status = 'pending'",
                (file_id, request_id),
            )
            row = await tx.fetchone(
                "SELECT * FROM fund_claims WHERE request_id = ? AND status = 'pending'",
                (request_id,),
            )
            return _claim(row) if row else None

    async def withdraw_pending(self, request_id: int, reason: str, now: float) -> Claim | None:
        """The task's pending claim, withdrawn because the volunteer was paid back another
        way (returned); None when it had none pending."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT * FROM fund_claims WHERE request_id = ? AND status = 'pending'",
                (request_id,),
            )
            if row is None:
                return None
            await tx.execute(
                "UPDATE fund_claims SET status = 'withdrawn', decided_at = ?, reason = ? "
                "WHERE id = ? AND status = 'pending'",
                (now, reason, row["id"]),
            )
            done = await tx.fetchone("SELECT * FROM fund_claims WHERE id = ?", (row["id"],))
            return _claim(done) if done else None

    async def approve(
        self, claim_id: int, coordinator_id: int, on_date: date, now: float
    ) -> tuple[Approval, Claim | None, int]:
        """Pay a pending claim from the fund, unless that would take the balance below
        zero: then it needs two different coordinators' approval. Returns what happened,
        the claim as it now stands and the balance after."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone("SELECT * FROM fund_claims WHERE id = ?", (claim_id,))
            claim = _claim(row) if row else None
            balance = await _balance(tx)
            if claim is None or claim.status is not ClaimStatus.PENDING:
                return Approval.CLOSED, claim, balance
            if balance - claim.pence < 0:
                if claim.first_approver is None:
                    await tx.execute(
                        "UPDATE fund_claims SET first_approver = ? WHERE id = ?",
                        (coordinator_id, claim.id),
                    )
                    row = await tx.fetchone("SELECT * FROM fund_claims WHERE id = ?", (claim_id,))
                    return Approval.NEEDS_SECOND, _claim(row) if row else claim, balance
                if claim.first_approver == coordinator_id:
                    return Approval.ALREADY_APPROVED, claim, balance
            await _insert(
                tx,
                MovementKind.REIMBURSEMENT,
                -claim.pence,
                on_date,
                coordinator_id,
                now,
                claim_id=claim.id,
            )
            await tx.execute(
                "UPDATE fund_claims SET status = 'paid', decided_by = ?, decided_at = ? "
                "WHERE id = ? AND status = 'pending'",
                (coordinator_id, now, claim.id),
            )
            # The volunteer is paid back: nothing is owed on the task any more.
            await tx.execute(
                "UPDATE requests SET paid_back_at = ?, paid_back_by = 'fund' "
                "WHERE id = ? AND paid_back_at IS NULL",
                (now, claim.request_id),
            )
            row = await tx.fetchone("SELECT * FROM fund_claims WHERE id = ?", (claim_id,))
            return Approval.PAID, _claim(row) if row else claim, balance - claim.pence

    async def decline(
        self, claim_id: int, coordinator_id: int, reason: str, now: float
    ) -> Claim | None:
        """Decline a pending claim with a reason; None when it is no longer pending."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE fund_claims SET status = 'declined', decided_by = ?, decided_at = ?, "
                "reason = ? WHERE id = ? AND status = 'pending'",
                (coordinator_id, now, reason, claim_id),
            )
            if cursor.rowcount != 1:
                return None
            row = await tx.fetchone("SELECT * FROM fund_claims WHERE id = ?", (claim_id,))
            return _claim(row) if row else None
