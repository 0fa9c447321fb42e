"""The group's shared fund: movements of an append-only ledger, and reimbursement claims."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class MovementKind(StrEnum):
    DONATION = "donation"  # money in (positive)
    REIMBURSEMENT = "reimbursement"  # a paid claim (negative)
    REVERSAL = "reversal"  # undoes one earlier row (its amount negated)


class ClaimStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # the volunteer recorded a new amount instead
    REVERSED = "reversed"  # paid, then the payment was reversed


@dataclass(frozen=True)
class Movement:
    """One row of the ledger: amount in pence, who recorded it and when."""

    id: int
    kind: MovementKind
    pence: int
    on_date: date
    claim_id: int | None
    reverses_id: int | None
    donor_note: str  # coordinators only
    may_thank: bool
    recorded_by: int | None  # None once they are erased
    recorded_at: float


@dataclass(frozen=True)
class Claim:
    id: int
    request_id: int
    volunteer_id: int | None
    pence: int
    receipt_file_id: str | None
    status: ClaimStatus
    first_approver: int | None
    decided_by: int | None
    reason: str
    created_at: float


class Approval(StrEnum):
    """What pressing "approve" on a claim did."""

    PAID = "paid"
    NEEDS_SECOND = "needs_second"  # it would take the fund below zero: another must approve
    ALREADY_APPROVED = "already_approved"  # this coordinator approved it; another must
    CLOSED = "closed"  # no longer pending (paid, declined, withdrawn) or no such claim


class Reversal(StrEnum):
    DONE = "done"
    NO_SUCH_ROW = "no_such_row"
    ALREADY_REVERSED = "already_reversed"
    IS_A_REVERSAL = "is_a_reversal"  # corrections are not themselves reversed: record anew
    BELOW_ZERO = "below_zero"  # the balance would go below zero


@dataclass(frozen=True)
class Totals:
    money_in: int  # donations, less their reversals
    money_out: int  # reimbursements, less their reversals (a positive number)


@dataclass(frozen=True)
class FundFigures:
    """What /fund shows everyone: no names, no notes."""

    balance: int
    this_month: Totals
    all_time: Totals
    reimbursements: int  # paid and not reversed
    largest: int | None  # the largest single reimbursement
    pending_claims: int


@dataclass(frozen=True)
class Statement:
    """One calendar month, for the group chat: no names, no notes."""

    year: int
    month: int
    opening: int
    money_in: int
    money_out: int
    closing: int
    donations: int
    thanked_donations: int  # donors who may be thanked publicly (counted, never named)
    reimbursements: int
