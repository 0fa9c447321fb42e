"""Coordinators: /volunteers (each volunteer's card: ID/DBS check, pause, remove, recent
tasks) and /coordinators (who coordinates; adding and removing one, never the last).
Every command and button is for coordinators only, checked on the server."""

from __future__ import annotations

from enum import IntEnum

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.domain.models import HandBack, RosterEntry, Signals, VolunteerStatus
from bot.domain.results import Appointment, Dismissal
from bot.i18n import _, join_list, ngettext
from bot.services.roster import Card
from bot.telegram import keyboards, notices
from bot.telegram.buttons import (
    Coordinator,
    Hold,
    MarkChecked,
    RemoveVolunteer,
    VolunteerCard,
    VolunteerPage,
)
from bot.telegram.commands import publish_commands_for
from bot.telegram.context import BotContext
from bot.telegram.handlers.common import (
    END,
    GROUP_FEATURES,
    GROUP_HOLD_CONVERSATION,
    PRIVATE,
    TEXT,
    answer,
    ask_again,
    conversation,
    coordinators_only,
)
from bot.telegram.presses import Press, press
from bot.telegram.texts import (
    category_label,
    clip,
    duration,
    esc,
    format_time,
    number,
    radius_text,
    status_label,
)

PAGE = 20
MAX_NAME_IN_BUTTON = 30
# The card lists this many of the latest hand-backs, with how late each came.
MAX_HAND_BACKS_SHOWN = 3
HOLD_DRAFT = "hold"  # the volunteer a coordinator is putting on hold
MAX_HOLD_REASON = 200


class HoldStep(IntEnum):
    REASON = 1


def _name(first_name: str, user_id: int) -> str:
    return esc(first_name) or str(user_id)


def _volunteer_status(status: VolunteerStatus) -> str:
    return {
        VolunteerStatus.APPROVED: _("approved"),
        VolunteerStatus.PENDING: _("waiting for approval"),
        VolunteerStatus.REJECTED: _("turned down"),
    }[status]


def _card_text(card: Card, context: BotContext) -> str:
    volunteer = card.volunteer
    tz = context.services.settings.timezone
    state = [_volunteer_status(volunteer.status)]
    if volunteer.held:
        state.append(_("✋ on hold"))
    if volunteer.paused:
        state.append(_("⏸ paused"))
    state.append(_("✔️ ID/DBS-checked") if volunteer.dbs_checked else _("not ID/DBS-checked"))
    lines = [
        _("<b>{name}</b> (id {id})").format(
            # Tap to chat with them.
            name=notices.person_link(volunteer.user_id, volunteer.first_name),
            id=volunteer.user_id,
        ),
        " · ".join(state),
        _("Goes up to {radius}. Offers: {categories}.").format(
            radius=radius_text(volunteer.radius_km),
            categories=join_list(category_label(c) for c in sorted(volunteer.categories)),
        ),
    ]
    if volunteer.held_at is not None:
        # Every coordinator sees who held them and why; the volunteer never does.
        lines.append(
            _("✋ On hold since {when}, by {coordinator}: “{reason}”").format(
                when=format_time(volunteer.held_at, tz),
                coordinator=esc(card.holder_name or "") or _("a coordinator"),
                reason=esc(volunteer.held_reason),
            )
        )
    if card.coordinator:
        lines.append(_("⭐ Also a coordinator"))
    if card.signals is not None:
        lines += ["", *_signal_lines(card.signals)]
    lines.append("")
    lines.append(_("<b>Recent tasks</b>"))
    if not card.recent:
        lines.append(_("None yet."))
    for request, their_answer in card.recent:
        how = _("handed back") if their_answer == "released" else status_label(request.status)
        lines.append(
            _("• #{id} {category}, asked {when}: {how}").format(
                id=request.id,
                category=category_label(request.category),
                when=format_time(request.created_at, tz),
                how=how,
            )
        )
    return clip("\n".join(lines))


def _signal_lines(signals: Signals) -> list[str]:
    """The last 90 days at a glance, then how late the latest hand-backs came."""
    lines = [
        _("<b>Last 90 days</b>"),
        _(
            "✅ Done: {done} · ↩️ Handed back: {back} · 😟 “Didn't come”: {no_show} · "
            "⚠️ Concerns: {concerns}"
        ).format(
            done=number(signals.done),
            back=number(len(signals.hand_backs)),
            no_show=number(signals.no_shows),
            concerns=number(signals.concerns),
        ),
    ]
    for hand_back in signals.hand_backs[:MAX_HAND_BACKS_SHOWN]:
        lines.append(_hand_back_line(hand_back))
    return lines


def _hand_back_line(hand_back: HandBack) -> str:
    """How late it came: before or after the due time, else how long after taking it."""
    released, due = hand_back.released_at, hand_back.due_at
    if due is not None and released <= due:
        how = _("{time} before it was due").format(time=duration(due - released))
    elif due is not None:
        how = _("{time} after it was due").format(time=duration(released - due))
    elif hand_back.claimed_at is not None:
        how = _("{time} after taking it").format(time=duration(released - hand_back.claimed_at))
    else:
        how = ""
    if not how:
        return _("↩️ #{id}: handed back").format(id=hand_back.request_id)
    return _("↩️ #{id}: handed back {how}").format(id=hand_back.request_id, how=how)


def _button_label(entry: RosterEntry) -> str:
    marks = {
        VolunteerStatus.APPROVED: "",
        VolunteerStatus.PENDING: " ⏳",
        VolunteerStatus.REJECTED: " ✖️",
    }[entry.status]
    if entry.held:
        marks += " ✋"
    if entry.paused:
        marks += " ⏸"
    if entry.dbs_checked:
        marks += " ✔️"
    return (entry.first_name[:MAX_NAME_IN_BUTTON] or str(entry.user_id)) + marks


async def _page(
    context: BotContext, offset: int, search: str | None
) -> tuple[str, InlineKeyboardMarkup | None]:
    entries, total = await context.services.roster.listing(offset, PAGE, search)
    if total == 0:
        text = (
            _("Nobody on the volunteer list matches “{search}”.").format(search=esc(search))
            if search
            else _("Nobody has signed up as a volunteer yet.")
        )
        return text, None
    text = ngettext(
        "<b>{n} volunteer</b>. Tap one for their card.",
        "<b>{n} volunteers</b>. Tap one for their card.",
        total,
    ).format(n=total)
    text += "\n" + _(
        "✋ on hold · ⏸ paused · ✔️ ID/DBS-checked · ⏳ waiting for approval. "
        "/volunteers followed by a name finds someone."
    )
    more = offset + PAGE if offset + PAGE < total and not search else None
    if search and total > PAGE:
        text += "\n" + ngettext(
            "Only the first {n} is shown: try a longer name.",
            "Only the first {n} are shown: try a longer name.",
            PAGE,
        ).format(n=PAGE)
    return text, keyboards.volunteer_list([(e.user_id, _button_label(e)) for e in entries], more)


@coordinators_only
async def list_volunteers(update: Update, context: BotContext) -> None:
    """/volunteers [name or id]: the roster, or the volunteers that match."""
    message = update.effective_message
    if message is None:
        return
    search = " ".join(context.args or []).strip()[:64] or None
    text, markup = await _page(context, 0, search)
    await message.reply_text(text, reply_markup=markup)


@coordinators_only
@press(VolunteerPage)
async def next_page(update: Update, context: BotContext, press: Press[VolunteerPage]) -> None:
    """v1:vols:<offset>: the next page of the roster, in place."""
    query, offset = press.query, press.data.offset
    text, markup = await _page(context, offset, None)
    await answer(query)
    await query.edit_message_text(text, reply_markup=markup)


async def _show_card(update: Update, context: BotContext, card: Card | None, here: bool) -> None:
    query = update.callback_query
    assert query is not None
    if card is None:
        await answer(query, _("They're not on the volunteer list any more."))
        if here:
            await query.edit_message_reply_markup(reply_markup=None)
        return
    text = _card_text(card, context)
    markup = keyboards.volunteer_card(card.volunteer, coordinator=card.coordinator)
    if here:
        await query.edit_message_text(text, reply_markup=markup)
    elif update.effective_user is not None:
        await context.bot.send_message(update.effective_user.id, text, reply_markup=markup)


@coordinators_only
@press(VolunteerCard)
async def show_card(update: Update, context: BotContext, press: Press[VolunteerCard]) -> None:
    """v1:vol:<user_id>[:here]: a volunteer's card (here: in place of this message)."""
    query, user_id, where = press.query, press.data.user_id, press.data.here
    card = await context.services.roster.card(user_id)
    if card is not None:
        await answer(query)
    await _show_card(update, context, card, here=where == "here")


@coordinators_only
@press(MarkChecked)
async def mark_checked(update: Update, context: BotContext, press: Press[MarkChecked]) -> None:
    """v1:vcheck:<user_id>:1|0: ID/DBS-checked (prescriptions go only to them), or not."""
    query, sender, user_id = press.query, press.sender, press.data.user_id
    checked = press.data.checked == "1"
    card = await context.services.roster.set_checked(user_id, checked, sender.id)
    if card is not None:
        await answer(query, _("Marked as ID/DBS-checked.") if checked else _("Check cleared."))
    await _show_card(update, context, card, here=True)


@coordinators_only
@press(Hold, stale=END)
async def hold(update: Update, context: BotContext, press: Press[Hold]) -> int:
    """v1:vhold:<user_id>:1 asks the coordinator why, then puts the volunteer on hold;
    v1:vhold:<user_id>:0 lifts the hold."""
    query, sender, user_id, value = press.query, press.sender, press.data.user_id, press.data.held
    roster = context.services.roster
    if value == "0":
        card = await roster.lift_hold(user_id, sender.id)
        if card is not None:
            await answer(query, _("Hold lifted."))
        await _show_card(update, context, card, here=True)
        return END
    card = await roster.card(user_id)
    if card is None:
        await _show_card(update, context, None, here=True)
        return END
    if card.volunteer.held:
        await answer(query, _("They're already on hold."))
        return END
    await answer(query)
    context.drafts[HOLD_DRAFT] = user_id
    await context.bot.send_message(
        sender.id,
        _(
            "Why are you putting {name} on hold? A few words are enough: the other "
            "coordinators will see them on the card ({name} won't). /cancel leaves it."
        ).format(name=_name(card.volunteer.first_name, user_id)),
    )
    return HoldStep.REASON


@coordinators_only
async def hold_reason(update: Update, context: BotContext) -> int:
    """The coordinator's reason for a hold: the volunteer is held from now on."""
    message, sender = update.effective_message, update.effective_user
    if message is None or sender is None:
        return END
    user_id = context.drafts.get(HOLD_DRAFT)
    if not isinstance(user_id, int):
        await message.reply_text(_("This has gone out of date. Please open the card again."))
        return END
    reason = (message.text or "").strip()
    if len(reason) < 3:
        await message.reply_text(_("Please give a short reason, in a few words."))
        return HoldStep.REASON
    if len(reason) > MAX_HOLD_REASON:
        await message.reply_text(
            ngettext(
                "Please keep it under {n} character.",
                "Please keep it under {n} characters.",
                MAX_HOLD_REASON,
            ).format(n=MAX_HOLD_REASON)
        )
        return HoldStep.REASON
    context.drafts.pop(HOLD_DRAFT, None)
    card = await context.services.roster.hold(user_id, sender.id, reason)
    if card is None:
        await message.reply_text(_("They're not on the volunteer list any more."))
        return END
    await message.reply_text(
        _("✋ {name} is on hold. Only a coordinator can lift it, from their card.").format(
            name=_name(card.volunteer.first_name, user_id)
        )
    )
    await message.reply_text(
        _card_text(card, context),
        reply_markup=keyboards.volunteer_card(card.volunteer, coordinator=card.coordinator),
    )
    return END


hold_reason_again = ask_again(
    HoldStep.REASON, lambda: _("Please type the reason for the hold, or /cancel.")
)


@coordinators_only
@press(RemoveVolunteer)
async def remove(update: Update, context: BotContext, press: Press[RemoveVolunteer]) -> None:
    """v1:vremove:<user_id> asks first; v1:vremove:<user_id>:yes takes them off the list."""
    query, sender, user_id = press.query, press.sender, press.data.user_id
    value = press.data.answer or ""
    roster = context.services.roster
    card = await roster.card(user_id)
    if card is None:
        await _show_card(update, context, None, here=True)
        return
    name = _name(card.volunteer.first_name, user_id)
    if value == "":
        await answer(query)
        await query.edit_message_text(
            _(
                "Remove {name} from the volunteers? They won't get requests any more, and "
                "any task they hold goes back to other volunteers. To help again they would "
                "have to sign up and be approved again."
            ).format(name=name),
            reply_markup=keyboards.confirm_removal(user_id),
        )
        return
    if not await roster.remove(user_id, sender.id):
        await _show_card(update, context, None, here=True)
        return
    await answer(query, _("Removed."))
    await query.edit_message_text(
        _("🗑 {name} is no longer a volunteer (removed by {coordinator}).").format(
            name=name, coordinator=esc(sender.first_name)
        )
    )


# --- coordinators ----------------------------------------------------------------------


async def _coordinator_list(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    everyone = await context.services.roster.coordinators()
    lines = [_("<b>Coordinators</b>")]
    for coordinator in everyone:
        line = "• " + _("{name} (id {id})").format(
            name=_name(coordinator.first_name, coordinator.user_id) or "?",
            id=coordinator.user_id,
        )
        if coordinator.from_settings:
            line += " " + _("· from ADMIN_IDS")
        if not coordinator.first_name:
            line += " " + _("· hasn't started the bot")
        lines.append(line)
    lines += [
        "",
        _(
            "To add a coordinator, open their card from /volunteers, or send /coordinators "
            "followed by their Telegram user id (they must have started the bot first)."
        ),
    ]
    markup = keyboards.coordinator_list(
        [(c.user_id, c.first_name[:MAX_NAME_IN_BUTTON] or str(c.user_id)) for c in everyone]
    )
    return clip("\n".join(lines)), markup


@coordinators_only
async def list_coordinators(update: Update, context: BotContext) -> None:
    """/coordinators: who coordinates; /coordinators <user id> offers to add someone."""
    message = update.effective_message
    if message is None:
        return
    args = context.args or []
    if args:
        await _offer_appointment(update, context, args[0])
        return
    text, markup = await _coordinator_list(context)
    await message.reply_text(text, reply_markup=markup)


async def _offer_appointment(update: Update, context: BotContext, raw: str) -> None:
    message = update.effective_message
    assert message is not None
    user_id = int(raw) if raw.isdigit() and len(raw) <= 19 else None
    if user_id is None or user_id >= 2**63:
        await message.reply_text(
            _("Please send /coordinators, or /coordinators followed by a Telegram user id.")
        )
        return
    services = context.services
    person = await services.roster.person(user_id)
    if person is None or not person.has_consented:
        await message.reply_text(
            _(
                "I don't know anyone with that id yet: they need to start the bot and agree "
                "to the privacy notice first."
            )
        )
        return
    name = _name(person.first_name, user_id)
    if await services.coordinators.is_coordinator(user_id):
        await message.reply_text(_("{name} is already a coordinator.").format(name=name))
        return
    await message.reply_text(
        _(
            "Make {name} (id {id}) a coordinator? Coordinators can see people's details, "
            "approve volunteers and message everyone."
        ).format(name=name, id=user_id),
        reply_markup=keyboards.make_coordinator(user_id),
    )


@coordinators_only
@press(Coordinator)
async def change_role(update: Update, context: BotContext, press: Press[Coordinator]) -> None:
    """v1:coord:<user_id>:add|remove|dismiss|keep[:card]: make someone a coordinator;
    "remove" asks first, "dismiss" (its Yes) stops them being one (never the last), "keep"
    (its No) leaves them be. Pressed on a volunteer's card, the card is refreshed."""
    query, sender, user_id = press.query, press.sender, press.data.user_id
    change, on_card = press.data.change, press.data.card is not None
    services = context.services
    person = await services.roster.person(user_id)
    name = _name(person.first_name if person else "", user_id)
    if change == "remove":
        await _ask_to_dismiss(update, context, user_id, name, on_card)
        return
    if change == "keep":
        await answer(query, _("Nothing changed."))
        card = await services.roster.card(user_id) if on_card else None
        if card is not None:
            await _show_card(update, context, card, here=True)
        else:
            text, markup = await _coordinator_list(context)
            await query.edit_message_text(text, reply_markup=markup)
        return
    if change == "add":
        appointed = await services.roster.appoint(user_id, sender.id)
        if appointed is Appointment.UNKNOWN:
            await answer(query, _("They need to start the bot first."), alert=True)
            return
        await answer(
            query,
            _("Done: they're a coordinator now.")
            if appointed is Appointment.DONE
            else _("They're already a coordinator."),
        )
        outcome_text = _("⭐ {name} is now a coordinator (made one by {coordinator}).")
    else:
        dismissal = await services.roster.dismiss(user_id, sender.id)
        if dismissal is Dismissal.LAST:
            await answer(
                query,
                _("They're the last coordinator: make someone else a coordinator first."),
                alert=True,
            )
            return
        if dismissal is Dismissal.UNKNOWN:
            await answer(
                query,
                _(
                    "They are a coordinator through the ADMIN_IDS setting and have never "
                    "started the bot: ask whoever runs the bot to change ADMIN_IDS."
                ),
                alert=True,
            )
            return
        await answer(
            query,
            _("Done: they're no longer a coordinator.")
            if dismissal is Dismissal.DONE
            else _("They're not a coordinator."),
        )
        outcome_text = _("{name} is no longer a coordinator (changed by {coordinator}).")
    await publish_commands_for(
        context.bot,
        user_id,
        person.language if person else None,
        coordinator=await services.coordinators.is_coordinator(user_id),
        map_url=services.settings.webapp_url,
    )
    card = await services.roster.card(user_id) if on_card else None
    if card is not None:
        await _show_card(update, context, card, here=True)
    else:
        await query.edit_message_text(
            outcome_text.format(name=name, coordinator=esc(sender.first_name))
        )


async def _ask_to_dismiss(
    update: Update, context: BotContext, user_id: int, name: str, on_card: bool
) -> None:
    """Removing a coordinator takes a second press: the question, Yes or No."""
    query = update.callback_query
    assert query is not None
    services = context.services
    if not await services.coordinators.is_coordinator(user_id):
        await answer(query, _("They're not a coordinator."))
        return
    await answer(query)
    text = _(
        "Stop {name} being a coordinator? They won't see people's details, approve "
        "volunteers or message everyone any more."
    ).format(name=name)
    if user_id in services.settings.admin_ids:
        text += "\n\n" + _(
            "They are in ADMIN_IDS, but that won't make them a coordinator again: to undo "
            "this, a coordinator makes them one again with /coordinators {id}."
        ).format(id=user_id)
    await query.edit_message_text(
        text, reply_markup=keyboards.confirm_dismissal(user_id, on_card=on_card)
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(
        conversation(
            "hold",
            entry_points=[CallbackQueryHandler(hold, pattern=Hold.matches())],
            states={
                HoldStep.REASON: [
                    MessageHandler(TEXT, hold_reason),
                    MessageHandler(PRIVATE & ~filters.COMMAND, hold_reason_again),
                ],
            },
        ),
        group=GROUP_HOLD_CONVERSATION,
    )
    app.add_handlers(
        [
            CommandHandler("volunteers", list_volunteers, filters=PRIVATE),
            CommandHandler("coordinators", list_coordinators, filters=PRIVATE),
            CallbackQueryHandler(next_page, pattern=VolunteerPage.matches()),
            CallbackQueryHandler(show_card, pattern=VolunteerCard.matches()),
            CallbackQueryHandler(mark_checked, pattern=MarkChecked.matches()),
            CallbackQueryHandler(remove, pattern=RemoveVolunteer.matches()),
            CallbackQueryHandler(change_role, pattern=Coordinator.matches()),
        ],
        group=GROUP_FEATURES,
    )
