"""The shared fund's messages and buttons. What members and the group chat see carries
no name and no donor's note; only coordinators' messages name the volunteer who claims."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton
from telegram import InlineKeyboardMarkup

from bot.domain.fund import Claim, ClaimStatus, FundFigures, Movement, MovementKind, Statement
from bot.domain.models import HelpRequest
from bot.i18n import _, babel_locale, ngettext
from bot.telegram import buttons as b
from bot.telegram.callbacks import inline
from bot.telegram.texts import category_label, esc, money, number


def day(on: date) -> str:
    return str(format_date(on, format="medium", locale=babel_locale()))


def month_name(year: int, month: int) -> str:
    return str(format_skeleton("yMMMM", datetime(year, month, 1), locale=babel_locale()))


# --- everyone ------------------------------------------------------------------------------


def figures_text(figures: FundFigures) -> str:
    lines = [
        _("💷 <b>The group's fund</b>"),
        _("Balance: <b>{amount}</b>").format(amount=money(figures.balance)),
        "",
        _("This month: {money_in} in, {money_out} out").format(
            money_in=money(figures.this_month.money_in),
            money_out=money(figures.this_month.money_out),
        ),
        _("Since the start: {money_in} in, {money_out} out").format(
            money_in=money(figures.all_time.money_in),
            money_out=money(figures.all_time.money_out),
        ),
        ngettext(
            "{n} volunteer paid back for shopping",
            "{n} volunteers paid back for shopping",
            figures.reimbursements,
        ).format(n=number(figures.reimbursements)),
    ]
    if figures.largest is not None:
        lines.append(
            _("The largest single reimbursement: {amount}").format(amount=money(figures.largest))
        )
    lines += ["", _("Every movement is recorded in an open ledger; no names are shown.")]
    return "\n".join(lines)


def coordinator_footer(figures: FundFigures) -> str:
    text = _(
        "For coordinators: /fund add records money in; /fund reverse and a row's number "
        "corrects a mistake."
    )
    if figures.pending_claims:
        text += "\n" + ngettext(
            "{n} claim is waiting for a decision.",
            "{n} claims are waiting for a decision.",
            figures.pending_claims,
        ).format(n=number(figures.pending_claims))
    return text


def coordinator_tools() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [inline(_("📒 The ledger (CSV)"), b.FundLedger())],
            [inline(_("🗓 Last month's statement"), b.FundStatement())],
        ]
    )


def statement_text(statement: Statement) -> str:
    lines = [
        _("💷 <b>The group's fund: {month}</b>").format(
            month=month_name(statement.year, statement.month)
        ),
        _("At the start of the month: {amount}").format(amount=money(statement.opening)),
        _("Money in: {amount}").format(amount=money(statement.money_in)),
        _("Paid back to volunteers for shopping: {amount}").format(
            amount=money(statement.money_out)
        ),
        _("At the end of the month: {amount}").format(amount=money(statement.closing)),
        ngettext(
            "{n} reimbursement this month.",
            "{n} reimbursements this month.",
            statement.reimbursements,
        ).format(n=number(statement.reimbursements)),
    ]
    if statement.thanked_donations:
        lines.append(
            "🙏 "
            + ngettext(
                "Thank you to the donor who gave this month!",
                "Thank you to the {n} donors who gave this month!",
                statement.thanked_donations,
            ).format(n=number(statement.thanked_donations))
        )
    lines.append(_("Anyone who has agreed to the notice can see the figures with /fund."))
    return "\n".join(lines)


def post_statement(year: int, month: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[inline(_("📣 Post it in the group chat"), b.FundPost(f"{year:04d}-{month:02d}"))]]
    )


# --- coordinators ----------------------------------------------------------------------


def claim_for_coordinators(claim: Claim, request: HelpRequest | None, name: str) -> str:
    what = category_label(request.category) if request is not None else "-"
    text = _(
        "🧾 <b>Reimbursement claim #{claim}</b>: {volunteer} spent {amount} on request #{id} "
        "({category})."
    ).format(
        claim=claim.id,
        volunteer=esc(name) or _("a volunteer"),
        amount=money(claim.pence),
        id=claim.request_id,
        category=what,
    )
    if claim.receipt_file_id:
        text += "\n" + _("The receipt photo is with it.")
    return text + "\n" + _("Approve it to pay it from the fund, or decline it with a reason.")


def claim_buttons(claim_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                inline(_("✅ Approve"), b.Reimburse(claim_id)),
                inline(_("✖️ Decline"), b.ClaimDecline(claim_id)),
            ]
        ]
    )


def receipt_for_claim(claim: Claim) -> str:
    return _("🧾 The receipt for claim #{claim} ({amount}, request #{id}).").format(
        claim=claim.id, amount=money(claim.pence), id=claim.request_id
    )


def claim_replaced(old: Claim) -> str:
    return _("Claim #{claim} was replaced by a new amount from the volunteer.").format(
        claim=old.id
    )


def donation_recorded(row: Movement, balance: int) -> str:
    text = _("✅ Recorded: {amount} in, on {day} (ledger row #{row}).").format(
        amount=money(row.pence), day=day(row.on_date), row=row.id
    )
    return text + "\n" + _("The fund now holds {amount}.").format(amount=money(balance))


def kind_label(kind: MovementKind) -> str:
    labels = {
        MovementKind.DONATION: _("donation"),
        MovementKind.REIMBURSEMENT: _("reimbursement"),
        MovementKind.REVERSAL: _("reversal"),
    }
    return labels[kind]


def movement_line(row: Movement) -> str:
    return _("Row #{row}: {kind} of {amount} on {day}").format(
        row=row.id, kind=kind_label(row.kind), amount=money(row.pence), day=day(row.on_date)
    )


def confirm_reversal(row: Movement) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                inline(_("↩️ Yes, reverse it"), b.FundReverse(row.id, "yes")),
                inline(_("Keep it"), b.FundReverse(row.id, "no")),
            ]
        ]
    )


def donation_date() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                inline(_("Today"), b.FundDay("0")),
                inline(_("Yesterday"), b.FundDay("1")),
            ]
        ]
    )


def no_note() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[inline(_("No note"), b.FundNoNote())]])


def may_thank() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                inline(_("Yes, thank them"), b.FundThank("yes")),
                inline(_("No, keep it quiet"), b.FundThank("no")),
            ]
        ]
    )


# --- the volunteer -----------------------------------------------------------------------


def paid_for_volunteer(claim: Claim) -> str:
    return _(
        "💷 Good news: your claim of {amount} for #{id} was approved and is paid from the "
        "group's fund. Thank you for helping!"
    ).format(amount=money(claim.pence), id=claim.request_id)


def declined_for_volunteer(claim: Claim) -> str:
    return _(
        "Your claim of {amount} for #{id} was not approved. The coordinator said: “{reason}”. "
        "/concern reaches the coordinators if you'd like to talk about it."
    ).format(amount=money(claim.pence), id=claim.request_id, reason=esc(claim.reason))


# --- the ledger as a file ------------------------------------------------------------------


def ledger_csv(rows: list[Movement], tz: ZoneInfo) -> bytes:
    """Every row as it stands: the coordinators' own copy (donor notes included)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "row",
            "kind",
            "amount_pence",
            "date",
            "claim",
            "reverses_row",
            "donor_note",
            "may_thank",
            "recorded_by",
            "recorded_at",
        ]
    )
    for row in rows:
        writer.writerow(
            [
                row.id,
                row.kind.value,
                row.pence,
                row.on_date.isoformat(),
                row.claim_id or "",
                row.reverses_id or "",
                _csv_safe(row.donor_note),
                "yes" if row.may_thank else "no",
                row.recorded_by if row.recorded_by is not None else "",
                datetime.fromtimestamp(row.recorded_at, tz).isoformat(timespec="seconds"),
            ]
        )
    return out.getvalue().encode("utf-8-sig")


def _csv_safe(text: str) -> str:
    """A note that starts like a formula is not run by a spreadsheet."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def claim_status_label(status: ClaimStatus) -> str:
    """How a claim stands, in the reader's words."""
    labels = {
        ClaimStatus.PENDING: _("waiting for a coordinator"),
        ClaimStatus.PAID: _("paid"),
        ClaimStatus.DECLINED: _("declined"),
        ClaimStatus.WITHDRAWN: _("replaced by a new amount"),
        ClaimStatus.REVERSED: _("paid, then reversed"),
    }
    return labels[status]
