"""The group's shared fund: donations in, reimbursements out, all in an open ledger.

The ledger is append-only (bot.db.fund; triggers refuse edits and deletions): a mistake
is corrected by a new row that reverses the old one. The balance is the sum of the rows,
always; nothing stores it. What everyone sees (figures, the monthly statement) carries
no name and no donor's note.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.db.fund import FundRepository
from bot.domain.fund import (
    Approval,
    Claim,
    FundFigures,
    Movement,
    MovementKind,
    Reversal,
    Statement,
    Totals,
)

# £99,999.99: more than that in one donation is a typing slip.
MAX_DONATION_PENCE = 9_999_999
MAX_DONOR_NOTE = 300
MAX_REASON = 500


def _effective_kind(row: Movement, by_id: dict[int, Movement]) -> MovementKind:
    """A reversal counts as the kind of row it undoes."""
    if row.kind is MovementKind.REVERSAL and row.reverses_id in by_id:
        return by_id[row.reverses_id].kind
    return row.kind


def _totals(rows: list[Movement], by_id: dict[int, Movement]) -> Totals:
    money_in = money_out = 0
    for row in rows:
        kind = _effective_kind(row, by_id)
        if kind is MovementKind.DONATION:
            money_in += row.pence
        elif kind is MovementKind.REIMBURSEMENT:
            money_out -= row.pence
    return Totals(money_in, money_out)


def _reversed_ids(rows: list[Movement]) -> set[int]:
    return {row.reverses_id for row in rows if row.reverses_id is not None}


@dataclass(eq=False, repr=False)
class Fund:
    repository: FundRepository
    timezone: ZoneInfo
    clock: Callable[[], float]

    def today(self) -> date:
        return datetime.fromtimestamp(self.clock(), self.timezone).date()

    # --- money in ----------------------------------------------------------------------

    async def donate(
        self, pence: int, on_date: date, donor_note: str, may_thank: bool, coordinator_id: int
    ) -> Movement:
        if not 0 < pence <= MAX_DONATION_PENCE:
            raise ValueError(f"not a donation: {pence}")
        return await self.repository.donate(
            pence,
            on_date,
            donor_note.strip()[:MAX_DONOR_NOTE],
            may_thank,
            coordinator_id,
            self.clock(),
        )

    # --- claims ------------------------------------------------------------------------

    async def claim(
        self, request_id: int, volunteer_id: int, pence: int
    ) -> tuple[Claim | None, Claim | None]:
        """A volunteer's recorded spend on a done task becomes a claim (see
        FundRepository.open_claim for what the pair means). Nothing for 0."""
        if pence <= 0:
            return None, None
        return await self.repository.open_claim(request_id, volunteer_id, pence, self.clock())

    async def attach_receipt(self, request_id: int, file_id: str) -> Claim | None:
        return await self.repository.attach_receipt(request_id, file_id)

    async def withdraw_paid_back(self, request_id: int) -> Claim | None:
        """The requester paid the volunteer back: the task's pending claim is withdrawn, so
        the fund never pays it too. Returns the withdrawn claim, if there was one."""
        return await self.repository.withdraw_pending(request_id, "", self.clock())

    async def get_claim(self, claim_id: int) -> Claim | None:
        return await self.repository.claim(claim_id)

    async def pending_claims(self) -> list[Claim]:
        return await self.repository.pending()

    async def approve(
        self, claim_id: int, coordinator_id: int
    ) -> tuple[Approval, Claim | None, int]:
        return await self.repository.approve(claim_id, coordinator_id, self.today(), self.clock())

    async def decline(self, claim_id: int, coordinator_id: int, reason: str) -> Claim | None:
        return await self.repository.decline(
            claim_id, coordinator_id, reason.strip()[:MAX_REASON], self.clock()
        )

    # --- corrections -------------------------------------------------------------------

    async def movement(self, row_id: int) -> Movement | None:
        return await self.repository.movement(row_id)

    async def reverse(self, row_id: int, coordinator_id: int) -> tuple[Reversal, Movement | None]:
        return await self.repository.reverse(row_id, coordinator_id, self.today(), self.clock())

    # --- what people see ---------------------------------------------------------------

    async def balance(self) -> int:
        return await self.repository.balance()

    async def ledger(self) -> list[Movement]:
        return await self.repository.movements()

    async def figures(self) -> FundFigures:
        rows = await self.repository.movements()
        by_id = {row.id: row for row in rows}
        today = self.today()
        month = [r for r in rows if (r.on_date.year, r.on_date.month) == (today.year, today.month)]
        undone = _reversed_ids(rows)
        paid = [
            -row.pence
            for row in rows
            if row.kind is MovementKind.REIMBURSEMENT and row.id not in undone
        ]
        return FundFigures(
            balance=sum(row.pence for row in rows),
            this_month=_totals(month, by_id),
            all_time=_totals(rows, by_id),
            reimbursements=len(paid),
            largest=max(paid) if paid else None,
            pending_claims=len(await self.repository.pending()),
        )

    def last_month(self) -> tuple[int, int]:
        today = self.today()
        return (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)

    async def statement(self, year: int, month: int) -> Statement:
        rows = await self.repository.movements()
        by_id = {row.id: row for row in rows}
        start = date(year, month, 1)
        before = [row for row in rows if row.on_date < start]
        within = [row for row in rows if (row.on_date.year, row.on_date.month) == (year, month)]
        totals = _totals(within, by_id)
        opening = sum(row.pence for row in before)
        undone = _reversed_ids(rows)
        kept = [row for row in within if row.id not in undone]
        donations = [row for row in kept if row.kind is MovementKind.DONATION]
        return Statement(
            year=year,
            month=month,
            opening=opening,
            money_in=totals.money_in,
            money_out=totals.money_out,
            closing=opening + sum(row.pence for row in within),
            donations=len(donations),
            thanked_donations=sum(1 for row in donations if row.may_thank),
            reimbursements=sum(1 for row in kept if row.kind is MovementKind.REIMBURSEMENT),
        )
