"""/fund: the group's shared fund. Everyone who agreed to the notice sees the figures (no
names); coordinators record money in (/fund add), decide reimbursement claims, correct
a row (/fund reverse <row>), download the ledger and post a monthly statement."""

from __future__ import annotations

import re
from datetime import date, timedelta
from enum import IntEnum

from telegram import InputFile, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.domain.fund import Approval, Reversal
from bot.i18n import _, use_language
from bot.services.fund import MAX_DONATION_PENCE, MAX_DONOR_NOTE, MAX_REASON
from bot.telegram import fund_views, settling
from bot.telegram.buttons import (
    ClaimDecline,
    FundDay,
    FundLedger,
    FundNoNote,
    FundPost,
    FundReverse,
    FundStatement,
    FundThank,
    Reimburse,
)
from bot.telegram.callbacks import Action, any_of
from bot.telegram.context import BotContext
from bot.telegram.handlers.common import (
    END,
    GROUP_FEATURES,
    PRIVATE,
    TEXT,
    answer,
    ask_again,
    consented_user,
    conversation,
    coordinators_only,
    draft_of,
    first_question,
    refuse_non_coordinator,
    reply,
)
from bot.telegram.presses import Press, press, stale_answer
from bot.telegram.texts import money

DRAFT = "fund"
# Its own group, before the features' catch-all (see handlers.common).
GROUP_FUND_CONVERSATION = 8
AMOUNT = re.compile(
    r"£?\s*(\d{1,3}(?:[,\s]\d{3})+|\d{1,7})(?:[.,](\d{1,2}))?\s*(?:£|gbp|pounds?)?"
)
DAY = re.compile(r"(\d{1,2})[./-](\d{1,2})(?:[./-](\d{2}|\d{4}))?")


class Step(IntEnum):
    AMOUNT = 1
    DAY = 2
    NOTE = 3
    THANK = 4
    REASON = 5


def parse_amount(text: str) -> int | None:
    """Pence from "50", "£1,200", "12.50"; None if it isn't an amount the fund takes."""
    match = AMOUNT.fullmatch(text.strip().lower())
    if not match:
        return None
    pounds = int(re.sub(r"[,\s]", "", match.group(1)))
    pence = pounds * 100 + int((match.group(2) or "0").ljust(2, "0"))
    return pence if 0 < pence <= MAX_DONATION_PENCE else None


def parse_day(text: str, today: date) -> date | None:
    """A day typed as 3/5, 03.05.2025 or 2025-05-03, not in the future."""
    text = text.strip()
    try:
        found = date.fromisoformat(text)
    except ValueError:
        match = DAY.fullmatch(text)
        if not match:
            return None
        year = int(match.group(3) or today.year)
        year = year + 2000 if year < 100 else year
        try:
            found = date(year, int(match.group(2)), int(match.group(1)))
        except ValueError:
            return None
    return found if found <= today else None


# --- /fund -------------------------------------------------------------------------------


async def fund_command(update: Update, context: BotContext) -> int:
    """/fund, /fund add, /fund reverse <row>, /fund ledger, /fund statement."""
    user = await consented_user(update, context)
    if user is None:
        return END
    args = [a.lower() for a in context.args or []]
    if args and args[0] in ("add", "reverse", "ledger", "statement"):
        if not context.is_coordinator:
            await refuse_non_coordinator(update)
            return END
        if args[0] == "add":
            context.drafts[DRAFT] = {}
            await reply(
                update,
                _("💷 How much came in, in pounds? For example 50 or 12.50."),
            )
            return Step.AMOUNT
        if args[0] == "reverse":
            await _ask_reversal(update, context, args[1:])
        elif args[0] == "ledger":
            await _send_ledger(update, context)
        else:
            await _show_statement(update, context)
        return END
    await _show_figures(update, context, coordinator=context.is_coordinator)
    return END


async def _show_figures(update: Update, context: BotContext, *, coordinator: bool) -> None:
    figures = await context.services.fund.figures()
    text = fund_views.figures_text(figures)
    if coordinator:
        text += "\n\n" + fund_views.coordinator_footer(figures)
        await reply(update, text, fund_views.coordinator_tools())
    else:
        await reply(update, text)


# --- /fund add ---------------------------------------------------------------------------


async def amount_given(update: Update, context: BotContext) -> int:
    message = update.effective_message
    pence = parse_amount(message.text or "") if message else None
    if pence is None:
        await reply(update, _("Please type just the amount in pounds, like 50 or 12.50."))
        return Step.AMOUNT
    draft_of(context, DRAFT)["pence"] = pence
    await reply(
        update,
        _("On which day did it come in? Press a button, or type the date, like 3/5."),
        fund_views.donation_date(),
    )
    return Step.DAY


async def day_typed(update: Update, context: BotContext) -> int:
    message = update.effective_message
    on = parse_day(message.text or "", context.services.fund.today()) if message else None
    if on is None:
        await reply(
            update,
            _("Please type a day that has passed, like 3/5 or 2025-05-03, or press a button."),
            fund_views.donation_date(),
        )
        return Step.DAY
    return await _day_chosen(update, context, on)


@press(FundDay, stay=Step.DAY)
async def day_pressed(update: Update, context: BotContext, press: Press[FundDay]) -> int:
    await answer(press.query)
    back = int(press.data.back)
    return await _day_chosen(update, context, context.services.fund.today() - timedelta(days=back))


async def _day_chosen(update: Update, context: BotContext, on: date) -> int:
    draft_of(context, DRAFT)["day"] = on.isoformat()
    await reply(
        update,
        _(
            "Any note about the donor, for coordinators only (who gave it, how)? Type it, or "
            "press “No note”. It is never shown to anyone else."
        ),
        fund_views.no_note(),
    )
    return Step.NOTE


async def note_typed(update: Update, context: BotContext) -> int:
    message = update.effective_message
    note = (message.text or "").strip() if message else ""
    if len(note) > MAX_DONOR_NOTE:
        await reply(
            update,
            _("Please keep the note under {n} characters.").format(n=MAX_DONOR_NOTE),
            fund_views.no_note(),
        )
        return Step.NOTE
    return await _ask_thanks(update, context, note)


async def no_note_pressed(update: Update, context: BotContext) -> int:
    await answer(update.callback_query)
    return await _ask_thanks(update, context, "")


async def _ask_thanks(update: Update, context: BotContext, note: str) -> int:
    draft_of(context, DRAFT)["note"] = note
    await reply(
        update,
        _(
            "May the donor be thanked publicly? The monthly statement then counts their gift "
            "in its thank-you (never with a name)."
        ),
        fund_views.may_thank(),
    )
    return Step.THANK


@press(FundThank, stay=Step.THANK)
async def thanks_pressed(update: Update, context: BotContext, press: Press[FundThank]) -> int:
    sender = press.sender
    draft = context.drafts.pop(DRAFT, None) or {}
    pence, day_text = draft.get("pence"), draft.get("day")
    if not isinstance(pence, int) or not isinstance(day_text, str):
        await answer(press.query, stale_answer())
        return END
    await answer(update.callback_query)
    fund = context.services.fund
    row = await fund.donate(
        pence,
        date.fromisoformat(day_text),
        str(draft.get("note") or ""),
        press.data.answer == "yes",
        sender.id,
    )
    await reply(update, fund_views.donation_recorded(row, await fund.balance()))
    return END


async def press_a_button(update: Update, context: BotContext) -> int:
    await reply(update, _("Please press one of the buttons."))
    return Step.THANK


# --- claims ------------------------------------------------------------------------------


@coordinators_only
@press(Reimburse)
async def approve(update: Update, context: BotContext, press: Press[Reimburse]) -> None:
    """v1:reimburse:<claim_id>: pay it from the fund (a second coordinator's approval too
    when it would take the fund below zero)."""
    query, sender, claim_id = press.query, press.sender, press.data.claim_id
    services = context.services
    outcome, claim, balance = await services.fund.approve(claim_id, sender.id)
    if claim is None or outcome is Approval.CLOSED:
        status = fund_views.claim_status_label(claim.status) if claim else ""
        await answer(
            query,
            _("Claim #{claim} was already decided ({status}).").format(
                claim=claim_id, status=status
            )
            if claim
            else stale_answer(),
        )
        return
    if outcome is Approval.ALREADY_APPROVED:
        await answer(
            query,
            _("You've approved it already: another coordinator must approve it too."),
            alert=True,
        )
        return
    if outcome is Approval.NEEDS_SECOND:
        await answer(query)
        await reply(
            update,
            _(
                "The fund holds {balance}, so paying claim #{claim} ({amount}) would take it "
                "below zero. A second coordinator must approve it too: I've asked the others."
            ).format(balance=money(balance), claim=claim.id, amount=money(claim.pence)),
        )
        first = sender.id
        for user_id, _language in await services.coordinators.recipients():
            if user_id != first:
                await services.messenger.tell(
                    user_id,
                    lambda: _(
                        "Claim #{claim} ({amount}) has one approval, but would take the fund "
                        "below zero: it needs yours too."
                    ).format(claim=claim.id, amount=money(claim.pence)),
                    lambda: fund_views.claim_buttons(claim.id),
                )
        return
    await answer(query, _("Paid."))
    if query is not None and query.message is not None:
        await query.edit_message_reply_markup(reply_markup=None)
    await reply(
        update,
        _("✅ Claim #{claim} paid: {amount}. The fund now holds {balance}.").format(
            claim=claim.id, amount=money(claim.pence), balance=money(balance)
        ),
    )
    if claim.volunteer_id is not None:
        await services.messenger.tell(
            claim.volunteer_id, lambda: fund_views.paid_for_volunteer(claim)
        )
    # A requester who was told the amount needn't pay it now.
    await settling.tell_fund_paid(services, claim.request_id)


@coordinators_only
@press(ClaimDecline, stale=END)
async def begin_decline(update: Update, context: BotContext, press: Press[ClaimDecline]) -> int:
    """v1:claimno:<claim_id>: ask for the reason the volunteer will read."""
    query, claim_id = press.query, press.data.claim_id
    claim = await context.services.fund.get_claim(claim_id)
    if claim is None or claim.status.value != "pending":
        await answer(query, _("This claim is no longer waiting for a decision."))
        return END
    return await first_question(
        update,
        context,
        DRAFT,
        {"decline": claim.id},
        _(
            "Why are you declining claim #{claim}? Type a short reason: the volunteer will "
            "read it."
        ).format(claim=claim.id),
        Step.REASON,
    )


async def reason_given(update: Update, context: BotContext) -> int:
    message, sender = update.effective_message, update.effective_user
    reason = (message.text or "").strip() if message else ""
    if len(reason) < 3 or len(reason) > MAX_REASON:
        await reply(
            update,
            _("Please type a reason of a few words (under {n} characters).").format(n=MAX_REASON),
        )
        return Step.REASON
    claim_id = (context.drafts.pop(DRAFT, None) or {}).get("decline")
    services = context.services
    claim = (
        await services.fund.decline(claim_id, sender.id, reason)
        if isinstance(claim_id, int) and sender is not None and context.is_coordinator
        else None
    )
    if claim is None:
        await reply(update, _("This claim is no longer waiting for a decision."))
        return END
    await reply(
        update, _("Claim #{claim} declined; the volunteer is told why.").format(claim=claim.id)
    )
    if claim.volunteer_id is not None:
        await services.messenger.tell(
            claim.volunteer_id, lambda: fund_views.declined_for_volunteer(claim)
        )
    return END


reason_again = ask_again(Step.REASON, lambda: _("Please type the reason in words."))


# --- corrections, the ledger, the statement ----------------------------------------------


async def _ask_reversal(update: Update, context: BotContext, args: list[str]) -> None:
    text = args[0].lstrip("#") if args else ""
    row = (
        await context.services.fund.movement(int(text))
        if text.isdigit() and len(text) < 10
        else None
    )
    if row is None:
        await reply(
            update,
            _(
                "Send /fund reverse and the ledger row's number (from the CSV), for example "
                "/fund reverse 12."
            ),
        )
        return
    await reply(
        update,
        fund_views.movement_line(row)
        + "\n"
        + _("Reverse it? A new row will undo it; the old one stays in the ledger."),
        fund_views.confirm_reversal(row),
    )


@coordinators_only
@press(FundLedger, FundStatement, FundPost, FundReverse)
async def fund_button(
    update: Update,
    context: BotContext,
    press: Press[FundLedger | FundStatement | FundPost | FundReverse],
) -> None:
    """v1:fund:ledger | statement | post:<YYYY-MM> | rev:<row>:yes|no."""
    query, data = press.query, press.data
    if isinstance(data, FundLedger):
        await answer(query)
        await _send_ledger(update, context)
    elif isinstance(data, FundStatement):
        await answer(query)
        await _show_statement(update, context)
    elif isinstance(data, FundPost):
        await _post_statement(update, context, data.month)
    else:
        await _reverse(update, context, data.row_id, data.answer == "yes")


async def _reverse(update: Update, context: BotContext, row_id: int, yes: bool) -> None:
    query, sender = update.callback_query, update.effective_user
    if query is not None and query.message is not None:
        await query.edit_message_reply_markup(reply_markup=None)
    if not yes or sender is None:
        await answer(query, _("OK, it stays as it is."))
        return
    fund = context.services.fund
    outcome, _row = await fund.reverse(row_id, sender.id)
    texts = {
        Reversal.DONE: _("↩️ Reversed: a new row undoes row #{row}. The fund now holds {balance}."),
        Reversal.NO_SUCH_ROW: _("There is no ledger row #{row}."),
        Reversal.ALREADY_REVERSED: _("Row #{row} was already reversed."),
        Reversal.IS_A_REVERSAL: _(
            "Row #{row} is itself a correction: record the right movement anew instead."
        ),
        Reversal.BELOW_ZERO: _(
            "Reversing row #{row} would take the fund below zero ({balance} now). Record the "
            "right amount first, then reverse this one."
        ),
    }
    await answer(query)
    await reply(update, texts[outcome].format(row=row_id, balance=money(await fund.balance())))


async def _send_ledger(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    services = context.services
    rows = await services.fund.ledger()
    await context.bot.send_document(
        chat.id,
        InputFile(
            fund_views.ledger_csv(rows, services.settings.timezone), filename="fund-ledger.csv"
        ),
        caption=_(
            "📒 The fund's ledger: one row per movement, amounts in pence. Donor notes are "
            "inside: for coordinators only."
        ),
        # Donor notes are in it: not forwardable or savable from Telegram.
        protect_content=True,
    )


async def _show_statement(update: Update, context: BotContext) -> None:
    fund = context.services.fund
    year, month = fund.last_month()
    statement = await fund.statement(year, month)
    text = fund_views.statement_text(statement)
    if await context.services.board.linked():
        await reply(update, text, fund_views.post_statement(year, month))
    else:
        await reply(
            update,
            text
            + "\n\n"
            + _("No group chat is linked yet: /linkgroup, sent in the group, links it."),
        )


async def _post_statement(update: Update, context: BotContext, month_text: str) -> None:
    query = update.callback_query
    year, month = month_text.split("-")  # FundPost.valid() read it as YYYY-MM
    services = context.services
    statement = await services.fund.statement(int(year), int(month))
    chats = await services.board.linked()
    if not chats:
        await answer(query, _("No group chat is linked yet."), alert=True)
        return
    # The group reads the group's language, as its request posts do.
    with use_language(services.settings.default_language):
        text = fund_views.statement_text(statement)
    for chat in chats:
        await context.bot.send_message(chat.chat_id, text)
    await answer(query, _("Posted."))
    if query is not None and query.message is not None:
        await query.edit_message_reply_markup(reply_markup=None)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(
        conversation(
            "fund",
            entry_points=[
                CommandHandler("fund", fund_command, filters=PRIVATE),
                CallbackQueryHandler(begin_decline, pattern=ClaimDecline.matches()),
            ],
            states={
                Step.AMOUNT: [MessageHandler(TEXT, amount_given)],
                Step.DAY: [
                    MessageHandler(TEXT, day_typed),
                    CallbackQueryHandler(day_pressed, pattern=FundDay.matches()),
                ],
                Step.NOTE: [
                    MessageHandler(TEXT, note_typed),
                    CallbackQueryHandler(no_note_pressed, pattern=FundNoNote.matches()),
                ],
                Step.THANK: [
                    CallbackQueryHandler(thanks_pressed, pattern=FundThank.matches()),
                    MessageHandler(PRIVATE & ~filters.COMMAND, press_a_button),
                ],
                Step.REASON: [
                    MessageHandler(TEXT, reason_given),
                    MessageHandler(PRIVATE & ~filters.COMMAND, reason_again),
                ],
            },
        ),
        group=GROUP_FUND_CONVERSATION,
    )
    app.add_handlers(
        [
            CallbackQueryHandler(approve, pattern=Reimburse.matches()),
            # Every other v1:fund:..., so that a mangled one is answered as stale too.
            CallbackQueryHandler(fund_button, pattern=any_of(Action.FUND)),
        ],
        group=GROUP_FEATURES,
    )
