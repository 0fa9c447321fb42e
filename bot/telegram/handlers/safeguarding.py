"""Safeguarding: raising a concern (/concern and the ⚠️ button), recording what a task cost
(after ✅ Done), and the coordinators' logged look at a request's details (/details)."""

from __future__ import annotations

from enum import IntEnum
from zoneinfo import ZoneInfo

from telegram import Message, Update, User
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.domain.money import pounds_typed
from bot.domain.relay import Kind, RelayedMessage, Side
from bot.domain.results import Outcome
from bot.i18n import _, inserted, join_list, line, ngettext
from bot.services.safeguarding import MAX_SPEND_PENCE, RequestDetails
from bot.telegram import keyboards, notices, settling
from bot.telegram.buttons import Concern, NoReceipt, OnIt, PaidBack, Spend
from bot.telegram.claims import claim_receipt, claim_spend
from bot.telegram.context import BotContext
from bot.telegram.handlers.common import (
    END,
    GROUP_CONCERN_CONVERSATION,
    GROUP_FEATURES,
    GROUP_SPEND_CONVERSATION,
    PRIVATE,
    TEXT,
    Callback,
    answer,
    ask_again,
    consented_user,
    conversation,
    draft_of,
    first_question,
    not_yours,
    refuse_non_coordinator,
    reply,
    settled,
    words_fit,
)
from bot.telegram.presses import Press, press, stale_answer
from bot.telegram.texts import (
    category_label,
    clip,
    esc,
    format_time,
    money,
    status_label,
    when_text,
)

CONCERN = "concern"
SPEND = "spend"
MIN_CONCERN = 3
MAX_CONCERN = 2000
MAX_CONCERN_IN_DETAILS = 300
RECEIPT = PRIVATE & (filters.PHOTO | filters.Document.IMAGE)


class ConcernStep(IntEnum):
    WHICH = 1
    WORDS = 2


class SpendStep(IntEnum):
    AMOUNT = 1
    RECEIPT = 2


def _leaving(name: str) -> Callback:
    """A fallback for another feature's button pressed mid-way: drop this draft quietly
    and let the press go on to its own handler (it is not stopped here)."""

    async def leave(update: Update, context: BotContext) -> int:
        context.drafts.pop(name, None)
        return END

    return leave


# --- concerns ----------------------------------------------------------------------------


def _ask_concern(request_id: int | None) -> str:
    if request_id is None:
        question = _("⚠️ What's worrying you? Type it in your own words.")
    else:
        question = _("⚠️ What's worrying you about #{id}? Type it in your own words.").format(
            id=request_id
        )
    return (
        question
        + " "
        + _(
            "It goes straight to the group's coordinators.\n"
            "If someone is in danger right now, call 999."
        )
    )


async def begin_concern(update: Update, context: BotContext) -> int:
    """/concern: which request it is about (if any), then the person's own words."""
    user = await consented_user(update, context)
    if user is None:
        return END
    choices = await context.services.safeguarding.concern_choices(user.id)
    context.drafts[CONCERN] = {"request_id": None}
    if not choices:
        await reply(update, _ask_concern(None))
        return ConcernStep.WORDS
    await reply(
        update,
        _("⚠️ Which request is it about? Press one, or just type what's worrying you."),
        keyboards.concern_about(choices),
    )
    return ConcernStep.WHICH


@press(Concern, stale=END)
async def concern_about(update: Update, context: BotContext, press: Press[Concern]) -> int:
    """v1:concern[:<id>]: a concern about this request (or about none), from its button."""
    query, request_id = press.query, press.data.request_id
    user = await consented_user(update, context)  # shows the notice (and answers) if needed
    if user is None:
        return END
    if request_id is not None and not await context.services.safeguarding.may_raise_about(
        user.id, request_id
    ):
        await not_yours(query)
        return END
    return await first_question(
        update,
        context,
        CONCERN,
        {"request_id": request_id},
        _ask_concern(request_id),
        ConcernStep.WORDS,
    )


async def concern_written(update: Update, context: BotContext) -> int:
    """The concern in the person's words: stored, and sent to every coordinator at once."""
    message, sender = update.effective_message, update.effective_user
    if message is None or sender is None:
        return END
    text = (message.text or "").strip()
    if not await words_fit(update, text, MIN_CONCERN, MAX_CONCERN):
        return ConcernStep.WORDS
    draft = context.drafts.pop(CONCERN, None) or {}
    request_id = draft.get("request_id")
    reached = await context.services.safeguarding.raise_concern(
        sender.id, request_id if isinstance(request_id, int) else None, text
    )
    if reached:
        await reply(
            update,
            _(
                "Thank you for telling us. The coordinators have been told and one of them "
                "will get back to you."
            ),
        )
    else:
        await reply(
            update,
            _(
                "Thank you for telling us. I've recorded it, but I couldn't reach a "
                "coordinator just now, so please also contact the group's organisers. "
                "If someone is in danger, call 999."
            ),
        )
    return END


@press(OnIt)
async def on_it(update: Update, context: BotContext, press: Press[OnIt]) -> None:
    """v1:onit:<concern_id>: a coordinator takes a concern on; the others are told, so
    that two don't both act."""
    query, sender, concern_id = press.query, press.sender, press.data.concern_id
    services = context.services
    if not context.is_coordinator:
        await refuse_non_coordinator(update)
        return
    taken = await services.safeguarding.take_concern(sender.id, concern_id)
    if taken is None:
        await answer(query, stale_answer())
        return
    outcome, name = taken
    await query.edit_message_reply_markup(reply_markup=None)
    if outcome is not Outcome.OK:
        await answer(
            query,
            _("{name} is already on it.").format(name=name or _("Another coordinator")),
            alert=True,
        )
        return
    await answer(query, _("Thank you: the other coordinators are told you're on it."))
    for user_id, _language in await services.coordinators.recipients():
        if user_id != sender.id:
            await services.messenger.tell(
                user_id,
                lambda: _("🙋 {name} is handling concern #{id}.").format(
                    name=notices.person_link(sender.id, sender.first_name), id=concern_id
                ),
            )


concern_choose_again = ask_again(
    ConcernStep.WHICH, lambda: _("Please press one of the buttons, or type what's worrying you.")
)


concern_words_again = ask_again(ConcernStep.WORDS, lambda: _("Please type your concern in words."))


# --- money spent on a task ---------------------------------------------------------------


def parse_pounds(text: str) -> int | None:
    """Pence from "12.50", "£12,5", "12 pounds"; None if it isn't an amount (or too much)."""
    pence = pounds_typed(text)
    return pence if pence is not None and pence <= MAX_SPEND_PENCE else None


@press(Spend, stale=END)
async def begin_spend(update: Update, context: BotContext, press: Press[Spend]) -> int:
    """v1:spend:<id>: the volunteer records what a shopping or errand task cost."""
    query, sender, request_id = press.query, press.sender, press.data.request_id
    task = await context.services.safeguarding.spending_task(sender.id, request_id)
    if task is None:
        await answer(query, stale_answer())
        return END
    spending = await context.services.safeguarding.spending(task.id)
    if spending is not None and spending.settled_at is not None:
        # The receipt is in: the amount is locked, and the requester has been told it.
        await answer(query)
        await reply(update, _settled_text(task.id, spending.pence or 0))
        return END
    return await first_question(
        update,
        context,
        SPEND,
        {"request_id": task.id},
        _(
            "How much did you spend on #{id}, in pounds? Type just the amount, for example "
            "12.50 (or 0 if you paid nothing)."
        ).format(id=task.id),
        SpendStep.AMOUNT,
    )


def _settled_text(request_id: int, pence: int) -> str:
    return _(
        "What you spent on #{id} is already recorded ({amount}) with its receipt, so it "
        "can't be changed here. If it's wrong, /concern reaches the coordinators."
    ).format(id=request_id, amount=money(pence))


def _spend_request(context: BotContext) -> int | None:
    """The task whose spending is being recorded (from the persisted draft)."""
    request_id = draft_of(context, SPEND).get("request_id")
    return request_id if isinstance(request_id, int) else None


async def amount_given(update: Update, context: BotContext) -> int:
    message, sender = update.effective_message, update.effective_user
    if message is None or sender is None:
        return END
    pence = parse_pounds(message.text or "")
    if pence is None:
        await reply(update, _("Please type just the amount in pounds, like 12.50."))
        return SpendStep.AMOUNT
    request_id = _spend_request(context)
    services = context.services
    over = (
        await services.safeguarding.record_spend(sender.id, request_id, pence)
        if request_id is not None
        else None
    )
    if over is None or request_id is None:
        context.drafts.pop(SPEND, None)
        spending = await services.safeguarding.spending(request_id) if request_id else None
        if request_id is not None and spending is not None and spending.settled_at is not None:
            await reply(update, _settled_text(request_id, spending.pence or 0))
            return END
        await reply(update, _("That task is no longer yours to record, so nothing was saved."))
        return END
    if pence == 0:
        context.drafts.pop(SPEND, None)
        await reply(update, _("Thank you: I've noted that you paid nothing."))
        return END
    text = _("Thank you: {amount} recorded for #{id}.").format(amount=money(pence), id=request_id)
    if over:
        text += "\n" + _(
            "That's more than the group's limit of {cap} for one task, so I've let the "
            "coordinators know; they may ask you about it."
        ).format(cap=money(services.safeguarding.cap_pence))
    claimed = await claim_spend(services, request_id, sender.id, pence)
    if claimed:
        text += "\n" + claimed
    text += "\n\n" + _("Now please send a photo of the receipt.")
    await reply(update, text, keyboards.no_receipt(request_id))
    return SpendStep.RECEIPT


amount_again = ask_again(
    SpendStep.AMOUNT, lambda: _("Please type just the amount in pounds, like 12.50.")
)


async def receipt_sent(update: Update, context: BotContext) -> int:
    message, sender = update.effective_message, update.effective_user
    if message is None or sender is None:
        return END
    if message.photo:
        file_id = message.photo[-1].file_id  # the largest size
    elif message.document is not None:
        file_id = message.document.file_id
    else:
        return await receipt_again(update, context)
    request_id = (context.drafts.pop(SPEND, None) or {}).get("request_id")
    saved = isinstance(request_id, int) and await context.services.safeguarding.record_receipt(
        sender.id, request_id, file_id
    )
    if saved:
        assert isinstance(request_id, int)
        await claim_receipt(context.services, request_id, file_id)
        await reply(
            update, _("🧾 Thank you, the receipt is saved with #{id}.").format(id=request_id)
        )
        await settling.tell_settled(context.services, request_id)
    else:
        await reply(update, _("That task is no longer yours to record, so nothing was saved."))
    return END


@press(NoReceipt, stale=END)
async def no_receipt(update: Update, context: BotContext, press: Press[NoReceipt]) -> int:
    """v1:noreceipt:<id>: the volunteer has no receipt to send."""
    query, sender, request_id = press.query, press.sender, press.data.request_id
    context.drafts.pop(SPEND, None)
    await settled(query, _("OK."))
    await reply(update, _("No problem. Thank you for helping!"))
    if await context.services.safeguarding.settle_without_receipt(sender.id, request_id):
        await settling.tell_settled(context.services, request_id)
    return END


@press(PaidBack)
async def paid_back(update: Update, context: BotContext, press: Press[PaidBack]) -> None:
    """v1:paidback:<id>: the requester has paid the volunteer back; the volunteer is told."""
    query, sender, request_id = press.query, press.sender, press.data.request_id
    services = context.services
    result = await services.safeguarding.paid_back(sender.id, request_id)
    if result.outcome is Outcome.OK and result.request is not None:
        await settled(query, _("Thank you! I've let them know."))
        await settling.tell_paid_back(services, result.request)
    elif result.outcome is Outcome.ALREADY:
        await settled(query, _("That's already settled. Thank you!"))
    elif result.outcome is Outcome.NOT_FOUND:
        await answer(query, stale_answer())
    else:
        await not_yours(query)


async def receipt_again(update: Update, context: BotContext) -> int:
    request_id = draft_of(context, SPEND).get("request_id")
    await reply(
        update,
        _("Please send the receipt as a photo, or press “I have no receipt”."),
        keyboards.no_receipt(request_id) if isinstance(request_id, int) else None,
    )
    return SpendStep.RECEIPT


# --- coordinators ------------------------------------------------------------------------


def _request_number(context: BotContext) -> int | None:
    args = context.args or []
    text = args[0].lstrip("#") if args else ""
    return int(text) if text.isdigit() and len(text) <= 18 and int(text) > 0 else None


def _links_lines(details: RequestDetails, tz: ZoneInfo) -> list[str]:
    """How this request is tied to its requester's other asks for the same kind of help."""
    request, lines = details.request, []
    if request.linked_to is not None:
        lines.append(
            _("🔗 Asked beside #{other}, which they said is a separate need.").format(
                other=request.linked_to
            )
        )
    if details.linked_from:
        lines.append(
            _("🔗 Their separate needs of the same kind: {ids}").format(
                ids=", ".join(f"#{other}" for other in details.linked_from)
            )
        )
    for at in details.additions:
        lines.append(
            _("➕ Added to by a second ask for the same need, {when}").format(
                when=format_time(at, tz)
            )
        )
    return lines


def _details_text(details: RequestDetails, tz: ZoneInfo) -> str:
    request = details.request
    removed = _("(removed)")
    lines = [
        _("🔒 <b>Request #{id}</b>: for coordinators only; this look is logged.").format(
            id=request.id
        ),
        line(join_list([category_label(request.category), status_label(request.status)])),
        line("🕒 " + inserted(when_text(request.when, request.due_at, tz))),
        line("“" + inserted(esc(request.description) or removed) + "”"),
        _("Asked by: {name}").format(
            name=notices.person_link(request.requester_id, details.requester_name or "")
            if request.requester_id is not None
            else _("(nobody stored)")
        ),
    ]
    if request.contact_name or request.contact_phone:  # taken over the phone (/onbehalf)
        lines.append(
            _("For: {name}, phone {phone}").format(
                name=esc(request.contact_name or "") or "-",
                phone=esc(request.contact_phone or "") or "-",
            )
        )
        lines.append(_("/forget {id} erases their details.").format(id=request.id))
    if not request.category.at_the_door:
        # A friendly phone call keeps the number to ring where an address would be.
        if request.address:
            lines.append(_("Number to ring: {phone}").format(phone=esc(request.address)))
        elif not request.contact_phone:
            lines.append(_("No number: they talk through the bot."))
    else:
        lines += [
            _("Address and notes: {address}").format(address=esc(request.address) or removed),
            _("Safety code: {code}").format(code=request.safety_code),
        ]
    if request.volunteer_id is not None:
        lines.append(
            _("Volunteer: {name}").format(
                name=notices.person_link(request.volunteer_id, details.volunteer_name or "")
            )
        )
    lines += _links_lines(details, tz)
    if request.prescription is not None:
        lines += notices.prescription_lines(request.prescription)
        lines.append(
            _("✍️ Agreed to collection by the volunteer we send: {when}").format(
                when=format_time(request.prescription.consent_at, tz)
            )
        )
    spending = details.spending
    if spending is not None and spending.pence is not None:
        lines.append(_("Spent: {amount}").format(amount=money(spending.pence)))
        if spending.pence:
            lines.append(
                _("Paid back: yes")
                if spending.paid_back_at is not None
                else _("Paid back: not yet")
            )
            lines.append(
                _("/spent {id} and an amount corrects it (logged).").format(id=request.id)
            )
    for concern in details.concerns:
        lines.append(
            _("⚠️ Concern: “{text}”").format(
                text=esc(clip(concern.text, MAX_CONCERN_IN_DETAILS)) or removed
            )
        )
    return clip("\n".join(lines))


# Of a request's private line, in /details: the latest messages, and the media among them.
MAX_LINE_SHOWN = 40
MAX_LINE_MEDIA = 10
MAX_LINE_TEXT = 300


def _line_text(request_id: int, messages: list[tuple[RelayedMessage, str]], tz: ZoneInfo) -> str:
    """A request's private line as coordinators read it: when, who, what."""
    sides = {
        Side.REQUESTER: _("requester"),
        Side.VOLUNTEER: _("volunteer"),
        Side.DESK: _("coordinator"),
    }
    lines = [_("💬 <b>Messages on #{id}'s line</b>, oldest first:").format(id=request_id)]
    if len(messages) > MAX_LINE_SHOWN:
        lines.append(
            ngettext("(the {n} latest)", "(the {n} latest)", MAX_LINE_SHOWN).format(
                n=MAX_LINE_SHOWN
            )
        )
    for message, name in messages[-MAX_LINE_SHOWN:]:
        what = {
            Kind.TEXT: "",
            Kind.PHOTO: _("📷 a photo"),
            Kind.VOICE: _("🎤 a voice note"),
            Kind.LOCATION: _("📍 a location"),
        }[message.kind]
        if message.kind is Kind.LOCATION and message.lat is not None and message.lon is not None:
            what += f" {message.lat:.5f},{message.lon:.5f}"
        said = esc(clip(message.text, MAX_LINE_TEXT))
        said = inserted("“" + said + "”") if said else ""
        # Built outside _(): its line and its values marked as translated text's are.
        lines.append(
            line(
                "{when} · <b>{name}</b> ({side}): {what}".format(
                    when=inserted(format_time(message.sent_at, tz)),
                    name=inserted(esc(name) or _("(erased)")),
                    side=sides[message.side],
                    what=" ".join(part for part in (what, said) if part),
                )
            )
        )
    return clip("\n".join(lines))


async def _show_line(message: Message, context: BotContext, request_id: int) -> None:
    """After /details (whose look is already logged): the request's private line."""
    messages = await context.services.relay.transcript(request_id)
    if not messages:
        return
    tz = context.services.settings.timezone
    await message.reply_text(_line_text(request_id, messages, tz), protect_content=True)
    media = [m for m, _name in messages if m.file_id and m.kind in (Kind.PHOTO, Kind.VOICE)]
    for item in media[-MAX_LINE_MEDIA:]:
        caption = _("💬 #{id}, {when}").format(id=request_id, when=format_time(item.sent_at, tz))
        assert item.file_id is not None
        if item.kind is Kind.PHOTO:
            await message.reply_photo(item.file_id, caption=caption, protect_content=True)
        else:
            await message.reply_voice(item.file_id, caption=caption, protect_content=True)


async def _coordinator_asking(update: Update, context: BotContext) -> tuple[Message, User] | None:
    """The message and its sender, if a coordinator sent it; anyone else is told no."""
    message, sender = update.effective_message, update.effective_user
    if message is None or sender is None:
        return None
    if not context.is_coordinator:
        await refuse_non_coordinator(update)
        return None
    return message, sender


async def show_details(update: Update, context: BotContext) -> None:
    """/details <number>: a request's personal details, for coordinators; each look is
    written to the audit log."""
    asking = await _coordinator_asking(update, context)
    if asking is None:
        return
    message, sender = asking
    services = context.services
    request_id = _request_number(context)
    if request_id is None:
        await message.reply_text(
            _("Send /details and the request's number, for example /details 12.")
        )
        return
    details = await services.safeguarding.details(sender.id, request_id)
    if details is None:
        await message.reply_text(_("There is no request #{id}.").format(id=request_id))
        return
    await message.reply_text(
        _details_text(details, services.settings.timezone), protect_content=True
    )
    spending = details.spending
    if spending is not None and spending.receipt_file_id:
        await message.reply_photo(
            spending.receipt_file_id,
            caption=notices.receipt_caption(request_id, spending.pence),
            protect_content=True,
        )
    await _show_line(message, context, request_id)


async def correct_spent(update: Update, context: BotContext) -> None:
    """/spent <number> <amount>: a coordinator corrects what a done task cost (logged);
    the volunteer and the requester are told the new amount."""
    asking = await _coordinator_asking(update, context)
    if asking is None:
        return
    message, sender = asking
    services = context.services
    # A photo captioned "/spent 12 8.40" is the right receipt too.
    receipt = message.photo[-1].file_id if message.photo else None
    caption_args = (message.caption or "").split()[1:] if receipt else None
    args = caption_args if caption_args is not None else (context.args or [])
    first = args[0].lstrip("#") if args else ""
    request_id = int(first) if first.isdigit() and len(first) <= 18 and int(first) else None
    pence = parse_pounds(" ".join(args[1:])) if len(args) >= 2 else None
    if request_id is None or pence is None:
        await message.reply_text(
            _(
                "Send /spent, the request's number and the right amount, for example "
                "/spent 12 8.40. To change the receipt too, send its photo with that as "
                "the caption."
            )
        )
        return
    corrected = await services.safeguarding.correct_spend(sender.id, request_id, pence, receipt)
    if corrected is None:
        await message.reply_text(
            _("#{id} isn't a done task, so there is no amount to correct.").format(id=request_id)
        )
        return
    request, old = corrected
    await message.reply_text(
        _("🧾 Corrected: #{id} cost {new} (it said {old}). This is logged.").format(
            id=request_id, new=money(pence), old=money(old)
        )
    )
    await settling.tell_corrected(services, request, old, pence)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(
        conversation(
            "concern",
            entry_points=[
                CommandHandler("concern", begin_concern, filters=PRIVATE),
                CallbackQueryHandler(concern_about, pattern=Concern.matches()),
            ],
            states={
                ConcernStep.WHICH: [
                    MessageHandler(TEXT, concern_written),
                    MessageHandler(PRIVATE & ~filters.COMMAND, concern_choose_again),
                ],
                ConcernStep.WORDS: [
                    MessageHandler(TEXT, concern_written),
                    MessageHandler(PRIVATE & ~filters.COMMAND, concern_words_again),
                ],
            },
            fallbacks=[CallbackQueryHandler(_leaving(CONCERN))],
        ),
        group=GROUP_CONCERN_CONVERSATION,
    )
    app.add_handler(
        conversation(
            "spend",
            entry_points=[CallbackQueryHandler(begin_spend, pattern=Spend.matches())],
            states={
                SpendStep.AMOUNT: [
                    MessageHandler(TEXT, amount_given),
                    MessageHandler(PRIVATE & ~filters.COMMAND, amount_again),
                ],
                SpendStep.RECEIPT: [
                    MessageHandler(RECEIPT, receipt_sent),
                    CallbackQueryHandler(no_receipt, pattern=NoReceipt.matches()),
                    MessageHandler(PRIVATE & ~filters.COMMAND, receipt_again),
                ],
            },
            fallbacks=[CallbackQueryHandler(_leaving(SPEND))],
        ),
        group=GROUP_SPEND_CONVERSATION,
    )
    app.add_handlers(
        [
            CommandHandler("details", show_details, filters=PRIVATE),
            CommandHandler("spent", correct_spent, filters=PRIVATE),
            MessageHandler(
                PRIVATE & filters.PHOTO & filters.CaptionRegex(r"^/spent(@\w+)?(\s|$)"),
                correct_spent,
            ),
            CallbackQueryHandler(paid_back, pattern=PaidBack.matches()),
            CallbackQueryHandler(on_it, pattern=OnIt.matches()),
        ],
        group=GROUP_FEATURES,
    )
