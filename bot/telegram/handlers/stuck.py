"""Coordinators: /open, the list of what is stuck, and handing a request to a named
volunteer. Asking everyone and closing reuse the buttons of the coordinators' alert
(bot.telegram.handlers.coordinators)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.domain.distance import haversine_km
from bot.domain.models import HelpRequest, RequestStatus, Volunteer
from bot.domain.results import Outcome
from bot.i18n import _, inserted, join_list, line, ngettext
from bot.services.desk import Stuck
from bot.services.matching import distance_matters, within_reach
from bot.telegram import keyboards, notices
from bot.telegram.buttons import Assign, OpenList
from bot.telegram.context import BotContext
from bot.telegram.handlers.common import (
    GROUP_FEATURES,
    PRIVATE,
    answer,
    coordinators_only,
    settled,
)
from bot.telegram.presses import Press, press
from bot.telegram.texts import (
    category_label,
    distance_text,
    esc,
    format_time,
    status_label,
    when_text,
)

# One message per request, each with its own buttons: enough to act on, few enough that
# /open never floods the coordinator's chat.
OPEN_LIMIT = 10
MAX_NAME_IN_BUTTON = 24
# "Someone else": at most this many approved volunteers, nearest first.
ANYONE_LIMIT = 20


def _entry(item: Stuck, context: BotContext) -> str:
    request = item.request
    tz = context.services.settings.timezone
    lines = [
        _("<b>#{id}</b> {category}, asked {asked}").format(
            id=request.id,
            category=category_label(request.category),
            asked=format_time(request.created_at, tz),
        ),
        line(
            "🕒 "
            + inserted(when_text(request.when, request.due_at, tz))
            + " · "
            + status_label(request.status)
            + " · "
            + ngettext("{n} volunteer asked", "{n} volunteers asked", item.asked).format(
                n=item.asked
            )
        ),
        line("“" + inserted(esc(request.description)) + "”"),
    ]
    if request.linked_to is not None:
        lines.append(
            _(
                "🔗 The same person also has #{other} open: they said this is a separate need."
            ).format(other=request.linked_to)
        )
    if item.additions:
        lines.append(
            ngettext(
                "➕ Added to {n} time by a second ask for the same need",
                "➕ Added to {n} times by a second ask for the same need",
                item.additions,
            ).format(n=item.additions)
        )
    if request.by_phone:
        lines.append(
            _("📞 Taken by phone for {name}").format(
                name=esc(request.contact_name or "") or _("(not given)")
            )
        )
    now = context.services.clock()
    if request.due_at is not None and request.due_at < now:
        if request.status is RequestStatus.CLAIMED:
            lines.append(
                _("⚠️ Overdue: {name} has it, and it was due {when}.").format(
                    name=esc(item.holder_name or ""), when=format_time(request.due_at, tz)
                )
            )
        else:
            lines.append(
                _("⚠️ Its time has passed ({when}).").format(when=format_time(request.due_at, tz))
            )
    return "\n".join(lines)


@coordinators_only
async def open_requests(update: Update, context: BotContext) -> None:
    """/open: open and overdue requests, oldest first, each with what can be done."""
    message = update.effective_message
    if message is None:
        return
    stuck, total = await context.services.desk.stuck(OPEN_LIMIT)
    if not stuck:
        await message.reply_text(_("Nothing is waiting: every request has a volunteer. 🎉"))
        return
    header = ngettext(
        "<b>{n} request needs a look</b>, oldest first.",
        "<b>{n} requests need a look</b>, oldest first.",
        total,
    ).format(n=total)
    if total > len(stuck):
        header += "\n" + ngettext(
            "Here is the oldest {n}.", "Here are the oldest {n}.", len(stuck)
        ).format(n=len(stuck))
    await message.reply_text(header)
    for item in stuck:
        await message.reply_text(
            _entry(item, context),
            reply_markup=keyboards.open_request(
                item.request.id, is_open=item.request.status is RequestStatus.OPEN
            ),
        )


@coordinators_only
async def open_list_pressed(update: Update, context: BotContext) -> None:
    """The digest's button: what /open shows, as replies under the digest."""
    if update.callback_query is not None:
        await answer(update.callback_query)
    await open_requests(update, context)


@coordinators_only
@press(Assign)
async def assign(update: Update, context: BotContext, press: Press[Assign]) -> None:
    """v1:assign:<request_id> lists who could take it; v1:assign:<request_id>:<user_id>
    hands it to them (v1:assign:<request_id>:any lists every approved volunteer)."""
    volunteer_id = press.data.to
    if volunteer_id is None:
        await _show_choices(context, press)
        return
    if volunteer_id == "any":
        await _show_anyone(context, press)
        return
    await _hand_over(context, press, volunteer_id)


async def _show_choices(context: BotContext, press: Press[Assign]) -> None:
    query, sender, request_id = press.query, press.sender, press.data.request_id
    candidates = await context.services.desk.assign_choices(request_id)
    if candidates is None:
        await answer(query, _("That request is no longer open."))
        return
    if not candidates:
        # Not a dead end: the coordinator may have phoned someone who said yes.
        await _show_anyone(context, press)
        return
    await answer(query)
    choices = [
        (
            c.volunteer.user_id,
            f"{c.volunteer.first_name[:MAX_NAME_IN_BUTTON] or c.volunteer.user_id} · "
            + distance_text(c.distance_km),
        )
        for c in candidates
    ]
    await context.bot.send_message(
        sender.id,
        _(
            "Who should take #{id}? The nearest eligible volunteers come first. They get "
            "the address at once, as if they had accepted, so agree it with them first."
        ).format(id=request_id),
        reply_markup=keyboards.assign_choices(request_id, choices, anyone=True),
    )


def _misfit(request: HelpRequest, volunteer: Volunteer) -> list[str]:
    """Why a volunteer is outside the usual match for a request ([] if they fit)."""
    reasons = []
    if request.category not in volunteer.categories:
        reasons.append(
            _("they don't offer {category}").format(category=category_label(request.category))
        )
    distance = haversine_km(request.lat, request.lon, volunteer.lat, volunteer.lon)
    if distance_matters(request.category) and not within_reach(volunteer, distance):
        reasons.append(
            _("it is {distance}, beyond how far they go").format(distance=distance_text(distance))
        )
    return reasons


async def _show_anyone(context: BotContext, press: Press[Assign]) -> None:
    """Every approved volunteer who could be handed it, past the usual filter (the kind
    of help, the distance), nearest first; ⚠️ marks those outside it."""
    query, sender, request_id = press.query, press.sender, press.data.request_id
    found = await context.services.desk.anyone_for(request_id)
    if found is None:
        await answer(query, _("That request is no longer open."))
        return
    request, everyone = found
    if not everyone:
        await answer(query, _("No approved volunteer can be handed this one."), alert=True)
        return
    await answer(query)

    def far(v: Volunteer) -> float:
        return haversine_km(request.lat, request.lon, v.lat, v.lon)

    choices = []
    for volunteer in everyone[:ANYONE_LIMIT]:
        mark = " ⚠️" if _misfit(request, volunteer) else ""
        name = volunteer.first_name[:MAX_NAME_IN_BUTTON] or str(volunteer.user_id)
        choices.append((volunteer.user_id, f"{name} · {distance_text(far(volunteer))}{mark}"))
    await context.bot.send_message(
        sender.id,
        _(
            "Who should take #{id}? Any approved volunteer, nearest first; ⚠️ marks someone "
            "who doesn't offer this kind of help or lives beyond how far they go, so agree "
            "it with them first. They get the address at once."
        ).format(id=request_id),
        reply_markup=keyboards.assign_choices(request_id, choices),
    )


async def _hand_over(context: BotContext, press: Press[Assign], volunteer_id: int) -> None:
    query, sender, request_id = press.query, press.sender, press.data.request_id
    services = context.services
    result = await services.desk.assign(request_id, volunteer_id, sender.id)
    if result.outcome is Outcome.OK:
        await answer(query, _("Handed over."))
        profile = await services.volunteering.profile(volunteer_id)
        text = _("👤 #{id} is now with {name} (handed over by {coordinator}).").format(
            id=request_id,
            name=esc(profile.first_name if profile is not None else str(volunteer_id)),
            coordinator=esc(sender.first_name),
        )
        if result.request is not None:
            await _retire_old_ping(context, result.request, volunteer_id)
            misfit = _misfit(result.request, profile) if profile is not None else []
            if misfit:
                text += "\n" + _("⚠️ Outside their usual help: {reasons}.").format(
                    reasons=join_list(misfit)
                )
        await query.edit_message_text(text)
    elif result.outcome is Outcome.TOO_LATE:
        # Taken or closed meanwhile: the card's buttons go too.
        await settled(query, notices.handover_refusal(result.outcome)[0])
    else:
        text, alert = notices.handover_refusal(result.outcome)
        await answer(query, text, alert=alert)


async def _retire_old_ping(context: BotContext, request: HelpRequest, volunteer_id: int) -> None:
    """The taker's earlier ping still said "I'll do it / Not this time": it says the task
    is theirs now, so a late "Not this time" can't look like giving it back."""
    services = context.services
    ping = await services.matchmaker.ping_to(request, volunteer_id)
    if ping is None or ping.chat_id is None or ping.message_id is None:
        return
    await services.messenger.retell(
        volunteer_id,
        ping.chat_id,
        ping.message_id,
        lambda: _("👤 A coordinator has handed #{id} to you: its task card is below.").format(
            id=request.id
        ),
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handlers(
        [
            CommandHandler("open", open_requests, filters=PRIVATE),
            CallbackQueryHandler(assign, pattern=Assign.matches()),
            CallbackQueryHandler(open_list_pressed, pattern=OpenList.matches()),
        ],
        group=GROUP_FEATURES,
    )
