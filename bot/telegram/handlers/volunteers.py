"""Volunteers: signing up (/volunteer), the ping buttons, /mytasks, /pause and /resume."""

from __future__ import annotations

import re
from enum import IntEnum

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.domain.limits import MAX_RADIUS_KM, MIN_RADIUS_KM
from bot.domain.models import Category, Profile, QuietHours, RequestStatus, VolunteerStatus
from bot.domain.results import Outcome
from bot.domain.when import ascii_digits
from bot.i18n import _, distance_unit
from bot.services.safeguarding import SPENDING_CATEGORIES
from bot.telegram import keyboards, notices, offer_views
from bot.telegram.buttons import (
    Accept,
    Availability,
    Decline,
    Done,
    Later,
    Quiet,
    Release,
    VolunteerCategory,
    VolunteerSave,
)
from bot.telegram.commands import VOLUNTEER_LINK
from bot.telegram.context import BotContext
from bot.telegram.handlers.common import (
    END,
    GROUP_FEATURES,
    GROUP_VOLUNTEER_CONVERSATION,
    LOCATION,
    OFFER,
    PRIVATE,
    TEXT,
    answer,
    ask_again,
    consented_and_answered,
    consented_user,
    conversation,
    draft_of,
    not_their_task,
    reply,
    settled,
    ways_in,
)
from bot.telegram.handlers.places import volunteer_place_into
from bot.telegram.presses import Press, press, stale_answer
from bot.telegram.texts import decimal, from_reader_unit, in_reader_unit, radius_text

DRAFT = "volunteer"


class Step(IntEnum):
    LOCATION = 1
    RADIUS = 2
    CATEGORIES = 3


def _ask_location() -> str:
    return _(
        "Thank you for offering to help! 💪\n\nFirst, where are you based? Press the button "
        "below to share your location. It's only used to work out which requests are near "
        "you: other volunteers and requesters never see it, only the coordinators."
    )


def _ask_radius(default_km: float) -> str:
    example = decimal(in_reader_unit(default_km))
    if distance_unit() == "mi":
        return _("How far are you happy to go, in miles? Type a number, for example {n}.").format(
            n=example
        )
    return _(
        "How far are you happy to go, in kilometres? Type a number, for example {km}."
    ).format(km=example)


def _ask_categories() -> str:
    return _("What can you help with? Tap everything that fits, then press 💾 Save.")


def _chosen(context: BotContext) -> set[Category]:
    return {
        c
        for c in (Category.parse(code) for code in draft_of(context, DRAFT).get("categories", []))
        if c
    }


async def begin(update: Update, context: BotContext) -> int:
    """/volunteer (or "I want to volunteer"): sign up, or change an existing profile."""
    user = await consented_and_answered(update, context, then=OFFER)
    if user is None:
        return END
    existing = await context.services.volunteering.profile(user.id)
    context.drafts[DRAFT] = {
        "categories": sorted(c.value for c in existing.categories) if existing else []
    }
    await reply(update, _ask_location(), keyboards.share_location())
    return Step.LOCATION


async def located(update: Update, context: BotContext) -> int:
    if not await volunteer_place_into(update, context, DRAFT):
        return Step.LOCATION
    return await ask_radius(update, context)


location_again = ask_again(Step.LOCATION, _ask_location, keyboards.share_location)


# A unit typed after the number wins over the reader's own ("2 km" from a miles reader).
_KM_WORDS = r"km|kms|kilomet(?:er|re)s?|cilomet(?:r|rau)|kilometr(?:y|ów|a)?|км|کلومیٹر|কিমি|كم"
_MILE_WORDS = r"mi|miles?|milltir|mil[ei]?|миль?|милі|میل|মাইল|ميل|أميال"
_RADIUS = re.compile(
    rf"\s*(\d{{1,3}}(?:[.,]\d{{1,3}})?)\s*(?:(?P<km>{_KM_WORDS})|(?P<mi>{_MILE_WORDS}))?\s*"
)
# The bounds of a typed radius, in each unit (50 km is about 31 miles).
RADIUS_BOUNDS = {"km": (MIN_RADIUS_KM, MAX_RADIUS_KM), "mi": (0.1, 30.0)}


def parse_radius(text: str) -> float | None:
    """Kilometres from "2", "1,5", "1.5 km", "2 miles": a bare number is in the reader's
    unit (miles for English and Welsh readers); None if it isn't a sensible distance."""
    match = _RADIUS.fullmatch(ascii_digits(text.lower()))
    if not match:
        return None
    unit = "km" if match["km"] else "mi" if match["mi"] else distance_unit()
    value = float(match.group(1).replace(",", "."))
    low, high = RADIUS_BOUNDS[unit]
    if not low <= value <= high:
        return None
    return min(from_reader_unit(value, unit), MAX_RADIUS_KM)


async def radius_given(update: Update, context: BotContext) -> int:
    message = update.effective_message
    if message is None:
        return Step.RADIUS
    km = parse_radius(message.text or "")
    if km is None:
        low, high = (decimal(bound) for bound in RADIUS_BOUNDS[distance_unit()])
        again = (
            _("Please type a distance in miles between {low} and {high}, like 1.5.")
            if distance_unit() == "mi"
            else _("Please type a distance in kilometres between {low} and {high}, like 1.5.")
        )
        await message.reply_text(
            again.format(low=low, high=high), reply_markup=keyboards.radius_choices()
        )
        return Step.RADIUS
    draft_of(context, DRAFT)["radius_km"] = km
    await message.reply_text(
        _("Great: up to {radius}.").format(radius=radius_text(km)),
        reply_markup=ReplyKeyboardRemove(),
    )
    await message.reply_text(
        _ask_categories(), reply_markup=keyboards.volunteer_categories(_chosen(context))
    )
    return Step.CATEGORIES


async def ask_radius(update: Update, context: BotContext) -> int:
    """The radius question (after the place, and again for anything but a choice)."""
    await reply(
        update,
        _ask_radius(context.services.settings.default_radius_km),
        keyboards.radius_choices(),
    )
    return Step.RADIUS


@press(VolunteerCategory, stay=Step.CATEGORIES)
async def toggled_category(
    update: Update, context: BotContext, press: Press[VolunteerCategory]
) -> int:
    query, category = press.query, press.data.category
    chosen = _chosen(context)
    chosen ^= {category}
    draft_of(context, DRAFT)["categories"] = sorted(c.value for c in chosen)
    await answer(query)
    await query.edit_message_reply_markup(reply_markup=keyboards.volunteer_categories(chosen))
    return Step.CATEGORIES


async def saved(update: Update, context: BotContext) -> int:
    query, sender = update.callback_query, update.effective_user
    if query is None or sender is None:
        return Step.CATEGORIES
    draft, chosen = draft_of(context, DRAFT), _chosen(context)
    if not chosen:
        await answer(query, _("Please choose at least one kind of help first."), alert=True)
        return Step.CATEGORIES
    if not {"lat", "lon", "radius_km"} <= draft.keys():
        await answer(query, _("This form is out of date. Please use /volunteer to start again."))
        return END
    services = context.services
    signed_up = await services.volunteering.sign_up(
        Profile(
            sender.id, float(draft["lat"]), float(draft["lon"]), float(draft["radius_km"]), chosen
        )
    )
    volunteer = signed_up.volunteer
    context.drafts.pop(DRAFT, None)
    await settled(query, _("Saved!"))
    if volunteer.status is VolunteerStatus.APPROVED:
        text = _("✅ Your volunteer details are updated. Thank you!")
    else:
        text = _(
            "✅ Thank you for signing up! A coordinator will check your details and approve "
            "you; I'll tell you when that's done. Until then you won't get any requests."
        )
    await context.bot.send_message(sender.id, text)
    if signed_up.newly_waiting:
        await services.coordinators.tell(
            lambda: notices.volunteer_waiting(volunteer),
            lambda: keyboards.approval(volunteer.user_id),
        )
    # Before the availability question, which ends the form (and which people answer).
    default = services.settings.quiet_hours
    await context.bot.send_message(
        sender.id,
        notices.quiet_hours_prompt(volunteer.quiet(default), volunteer.own_quiet),
        reply_markup=keyboards.quiet_hours(volunteer.quiet_hours, volunteer.own_quiet, default),
    )
    # Anyone can hear of neighbours' offers; a volunteer near where they volunteer from.
    listening = await services.offers.listening(sender.id)
    await context.bot.send_message(
        sender.id,
        offer_views.news_prompt(listening),
        reply_markup=offer_views.news_keyboard(listening),
    )
    slots = await services.volunteering.free_slots(sender.id)
    await context.bot.send_message(
        sender.id,
        _(
            "One more (optional) thing: when are you usually free? Tap all that fit. "
            "Leave them all off if any time suits you. Requests for times you're free go "
            "to you first."
        ),
        reply_markup=keyboards.availability(slots),
    )
    return END


async def categories_again(update: Update, context: BotContext) -> int:
    await reply(update, _ask_categories(), keyboards.volunteer_categories(_chosen(context)))
    return Step.CATEGORIES


# --- the buttons on pings and tasks ------------------------------------------------------


@press(Accept)
async def accept(update: Update, context: BotContext, press: Press[Accept]) -> None:
    """v1:accept:<id>: the volunteer takes the request (exactly one ever wins)."""
    query, sender, request_id = press.query, press.sender, press.data.request_id
    services = context.services
    result = await services.desk.accept(request_id, sender.id)
    if result.outcome is Outcome.OK and result.request is not None:
        if result.details_sent:
            await answer(query, _("It's yours, thank you! I've sent you the details."))
        else:
            await answer(
                query,
                _(
                    "It's yours, thank you! I couldn't send you the details just now: "
                    "/mytasks shows them."
                ),
                alert=True,
            )
        await query.edit_message_text(
            notices.task_card(result.request, services.settings.timezone),
            reply_markup=keyboards.task(
                request_id,
                await services.relay.requester_name(result.request),
                at_door=result.request.category.at_the_door,
            ),
        )
    else:
        text, alert = notices.take_refusal(
            result.outcome, _("This request wasn't offered to you.")
        )
        await answer(query, text, alert=alert)


@press(Decline)
async def decline(update: Update, context: BotContext, press: Press[Decline]) -> None:
    query, sender, request_id = press.query, press.sender, press.data.request_id
    result = await context.services.desk.decline(request_id, sender.id)
    if result.outcome in (Outcome.NOT_FOUND, Outcome.NOT_YOURS):
        await answer(query, stale_answer())
        return
    taken = result.request
    if (
        taken is not None
        and taken.status is RequestStatus.CLAIMED
        and taken.volunteer_id == sender.id
    ):
        # An old ping of a task that is now theirs (a coordinator handed it over): saying
        # "no problem" would let them think they had declined it.
        await answer(
            query,
            _(
                "#{id} is yours now. To give it back, use “↩️ Hand it back” on its task card."
            ).format(id=taken.id),
            alert=True,
        )
        await query.edit_message_reply_markup(reply_markup=None)
        return
    await answer(query, _("No problem, thank you for letting us know."))
    if result.outcome is Outcome.OK:
        await query.edit_message_text(
            _("You said you can't help with #{id} this time. No problem!").format(id=request_id)
        )


@press(Done)
async def done(update: Update, context: BotContext, press: Press[Done]) -> None:
    query, sender, request_id = press.query, press.sender, press.data.request_id
    result = await context.services.desk.complete(request_id, sender.id)
    if result.outcome is Outcome.OK and result.request is not None:
        await answer(query, _("Thank you!"))
        text = _("✅ #{id} is done. Thank you so much for helping!").format(id=request_id)
        markup = None
        if result.request.category in SPENDING_CATEGORIES:
            # Optional: ignoring the button is skipping it.
            text += "\n\n" + _(
                "🧾 Did you pay for anything? Please record the amount and a photo of the "
                "receipt: it keeps things clear for everyone."
            )
            markup = keyboards.record_spending(result.request.id)
        if await context.services.doorstep.on_doorstep(result.request.id, sender.id):
            # Done is not gone: the check on them carries on until they say they've left.
            markup = keyboards.after_done(result.request.id, spending=markup is not None)
        await query.edit_message_text(text, reply_markup=markup)
    elif result.outcome is Outcome.ALREADY:
        await answer(query, _("It's already marked as done. Thank you!"))
    elif result.outcome is Outcome.NOT_YOURS:
        await answer(query, _("This task isn't yours, so you can't close it."), alert=True)
    else:
        await answer(query, _("This task is no longer open."))


@press(Release)
async def release(update: Update, context: BotContext, press: Press[Release]) -> None:
    """v1:release:<id> asks first; v1:release:<id>:yes hands the task back, :no keeps it."""
    query, sender, request_id = press.query, press.sender, press.data.request_id
    choice = press.data.answer or ""
    services = context.services
    message = query.message
    if choice != "yes":
        await _ask_or_keep(update, context, request_id, asking=choice == "")
        return
    # The address message the question was asked on is deleted by the hand-back itself.
    was_address = message is not None and (
        await services.addresses.find(message.chat.id, message.message_id) is not None
    )
    result = await services.desk.release(request_id, sender.id)
    if result.outcome is Outcome.OK:
        await answer(query, _("Handed back."))
        if not was_address:
            await query.edit_message_text(
                _(
                    "You've handed back #{id}. Thanks for letting us know: we'll find "
                    "someone else."
                ).format(id=request_id)
            )
    else:
        await not_their_task(query, result.outcome)


async def _ask_or_keep(
    update: Update, context: BotContext, request_id: int, *, asking: bool
) -> None:
    """Handing back takes a second press: the question, or (No) the task card again."""
    query, sender = update.callback_query, update.effective_user
    assert query is not None
    assert sender is not None
    services = context.services
    task = await services.desk.find(request_id)
    if task is None or task.status is not RequestStatus.CLAIMED:
        await not_their_task(query, Outcome.NOT_FOUND)
        return
    if task.volunteer_id != sender.id:
        await not_their_task(query, Outcome.NOT_YOURS)
        return
    if asking:
        await answer(query)
        await query.edit_message_text(
            _(
                "Hand #{id} back? We'll ask other volunteers, and the details will be "
                "removed from your chat."
            ).format(id=request_id),
            reply_markup=keyboards.confirm_release(request_id),
        )
        return
    await answer(query, _("Good: it's still yours."))
    text = notices.task_card(task, services.settings.timezone)
    message = query.message
    if message is not None and await services.addresses.find(message.chat.id, message.message_id):
        # It was a (protected) address message: it shows the details again.
        text += "\n\n" + notices.private_details(
            task,
            await services.people.name_of(task.requester_id) or "",
            tz=context.services.settings.timezone,
        )
    on_doorstep = await services.doorstep.on_doorstep(request_id, sender.id)
    name = await services.relay.requester_name(task)
    await query.edit_message_text(
        text,
        reply_markup=keyboards.task(
            request_id, name, on_doorstep=on_doorstep, at_door=task.category.at_the_door
        ),
    )


@press(Later)
async def more_time(update: Update, context: BotContext, press: Press[Later]) -> None:
    """v1:later:<id>: the volunteer needs longer; ask again later."""
    query, sender, request_id = press.query, press.sender, press.data.request_id
    services = context.services
    result = await services.desk.more_time(request_id, sender.id)
    if result.outcome is Outcome.OK and result.request is not None:
        await answer(query, _("No rush. I'll check in again later."))
        name = await services.relay.requester_name(result.request)
        at_door = result.request.category.at_the_door
        await query.edit_message_reply_markup(
            reply_markup=keyboards.task(result.request.id, name, at_door=at_door)
        )
    else:
        await answer(query, _("This task is no longer yours to change."))


@press(Availability)
async def toggled_availability(
    update: Update, context: BotContext, press: Press[Availability]
) -> None:
    """v1:avail:<slot>: when the volunteer is usually free (stored at each press)."""
    query, sender, slot = press.query, press.sender, press.data.slot
    services = context.services
    slots = await services.volunteering.toggle_free(sender.id, slot)
    if slots is None:
        await answer(query, _("Please sign up with /volunteer first."))
        return
    await answer(query, _("Saved."))
    await query.edit_message_reply_markup(reply_markup=keyboards.availability(slots))


@press(Quiet)
async def chose_quiet_hours(update: Update, context: BotContext, press: Press[Quiet]) -> None:
    """v1:quiet:<HHMM-HHMM|off|default>: when the volunteer is not to be pinged."""
    query, sender, raw = press.query, press.sender, press.data.hours
    services = context.services
    own = raw != "default"
    quiet = QuietHours.parse(raw) if own else None  # Quiet.valid() read it already
    volunteer = await services.volunteering.set_quiet(sender.id, own, quiet)
    if volunteer is None:
        await answer(query, _("Please sign up with /volunteer first."))
        return
    default = services.settings.quiet_hours
    await answer(query, _("Saved."))
    await query.edit_message_text(
        notices.quiet_hours_prompt(volunteer.quiet(default), volunteer.own_quiet),
        reply_markup=keyboards.quiet_hours(volunteer.quiet_hours, volunteer.own_quiet, default),
    )


# --- commands ----------------------------------------------------------------------------


async def my_tasks(update: Update, context: BotContext) -> None:
    """/mytasks: what I've taken, with the address (only ever for tasks I hold)."""
    user = await consented_user(update, context)
    message = update.effective_message
    if user is None or message is None:
        return
    services = context.services
    tasks = await services.desk.tasks_of(user.id)
    volunteer = await services.volunteering.profile(user.id)
    settings = services.settings
    # How often they can be asked, so they know nobody will wear them out.
    limits = (
        "\n\n"
        + notices.ping_limits(
            settings.max_pings_per_day,
            settings.ping_spacing_s,
            volunteer.quiet(settings.quiet_hours),
        )
        if volunteer is not None
        else ""
    )
    if not tasks:
        await message.reply_text(
            _("You have no tasks right now. Thank you for being ready!") + limits
        )
        return
    if limits:
        # First, so the task cards (with their buttons) stay the newest messages.
        await message.reply_text(limits.strip())
    for task in tasks:
        requester_name = await services.people.name_of(task.requester_id) or ""
        shown = await message.reply_text(
            notices.task_card(task, services.settings.timezone)
            + "\n\n"
            + notices.private_details(
                task,
                requester_name,
                tz=context.services.settings.timezone,
            ),
            reply_markup=keyboards.task(
                task.id,
                await services.relay.requester_name(task),
                on_doorstep=await services.doorstep.on_doorstep(task.id, user.id),
                at_door=task.category.at_the_door,
            ),
            protect_content=True,
        )
        # Another copy of the address: it goes too when the task stops being theirs.
        await services.addresses.record(task.id, user.id, shown)


async def _set_paused(update: Update, context: BotContext, paused: bool) -> None:
    user = await consented_user(update, context)
    message = update.effective_message
    if user is None or message is None:
        return
    services = context.services
    volunteer = await services.roster.pause(user.id, paused)
    if volunteer is None:
        await message.reply_text(
            _("You haven't signed up as a volunteer yet. Use /volunteer to do that.")
        )
        return
    if paused:
        await message.reply_text(
            _("⏸ Paused: you won't get new requests. Use /resume when you're ready again.")
        )
    elif volunteer.held:
        # Their own pause is off, but a coordinator's hold is not theirs to lift.
        await message.reply_text(
            _(
                "Your own pause is off. A coordinator has put your requests on hold, though, "
                "so you won't get any until a coordinator lifts it. If you have any "
                "questions, /concern reaches the coordinators."
            )
        )
    else:
        await message.reply_text(_("▶️ Welcome back! You'll get requests again."))


async def pause(update: Update, context: BotContext) -> None:
    """/pause: no pings until /resume."""
    await _set_paused(update, context, True)


async def resume(update: Update, context: BotContext) -> None:
    """/resume: pings again."""
    await _set_paused(update, context, False)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(
        conversation(
            "volunteer",
            entry_points=ways_in("volunteer", VOLUNTEER_LINK, OFFER, begin),
            states={
                Step.LOCATION: [
                    MessageHandler(LOCATION | TEXT, located),
                    MessageHandler(PRIVATE & ~filters.COMMAND, location_again),
                ],
                Step.RADIUS: [
                    MessageHandler(TEXT, radius_given),
                    MessageHandler(PRIVATE & ~filters.COMMAND, ask_radius),
                ],
                Step.CATEGORIES: [
                    CallbackQueryHandler(toggled_category, pattern=VolunteerCategory.matches()),
                    CallbackQueryHandler(saved, pattern=VolunteerSave.matches()),
                    MessageHandler(PRIVATE & ~filters.COMMAND, categories_again),
                ],
            },
        ),
        group=GROUP_VOLUNTEER_CONVERSATION,
    )
    app.add_handlers(
        [
            CallbackQueryHandler(accept, pattern=Accept.matches()),
            CallbackQueryHandler(decline, pattern=Decline.matches()),
            CallbackQueryHandler(done, pattern=Done.matches()),
            CallbackQueryHandler(release, pattern=Release.matches()),
            CallbackQueryHandler(more_time, pattern=Later.matches()),
            CallbackQueryHandler(toggled_availability, pattern=Availability.matches()),
            CallbackQueryHandler(chose_quiet_hours, pattern=Quiet.matches()),
            CommandHandler("mytasks", my_tasks, filters=PRIVATE),
            CommandHandler("pause", pause, filters=PRIVATE),
            CommandHandler("resume", resume, filters=PRIVATE),
        ],
        group=GROUP_FEATURES,
    )
