"""Offers: /offer (what, a short description, how many, until when, where), /offers (open
ones nearby, nearest first), /myoffers (mine, who took them, close early), the "🙋 I'd like
this" button under notices and group posts, and the toggle "tell me about offers nearby"
(in /start's menu and after /volunteer)."""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum
from typing import Any

from telegram import InlineKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.domain.models import Place
from bot.domain.offers import (
    LINE_GRACE_S,
    MAX_DESCRIPTION,
    MAX_UNITS,
    OfferDraft,
    OfferKind,
    OfferStatus,
    TakeOutcome,
)
from bot.domain.when import parse_due
from bot.i18n import _, ngettext
from bot.telegram import keyboards, offer_views
from bot.telegram.buttons import (
    OfferClose,
    OfferKindChoice,
    OfferNews,
    OfferPost,
    OfferUnits,
    Take,
)
from bot.telegram.context import BotContext
from bot.telegram.handlers.common import (
    END,
    GROUP_FEATURES,
    LOCATION,
    PRIVATE,
    TEXT,
    answer,
    ask_again,
    consented_user,
    conversation,
    draft_of,
    needs_consent,
    reply,
    send_privacy_notice,
)
from bot.telegram.handlers.places import Asker, read_place, volunteer_place_into
from bot.telegram.presses import Press, choose_a_button, press

DRAFT = "offer"
# Its own group, before the features' catch-all (see handlers.common).
GROUP_OFFER_CONVERSATION = 5
OTHER = PRIVATE & ~filters.COMMAND


class Step(IntEnum):
    KIND = 1
    DESCRIPTION = 2
    UNITS = 3
    UNTIL = 4
    WHERE = 5
    CONFIRM = 6
    LISTEN_WHERE = 7  # "tell me about offers nearby", with no place known yet
    BROWSE_WHERE = 8  # /offers, with no place known yet


async def _press_done(update: Update) -> None:
    """Take the buttons off the message whose button was just pressed."""
    query = update.callback_query
    if query is not None and query.message is not None:
        await query.edit_message_reply_markup(reply_markup=None)


# --- /offer ------------------------------------------------------------------------------


async def begin(update: Update, context: BotContext) -> int:
    """/offer: what would you like to offer?"""
    if await consented_user(update, context) is None:
        return END
    context.drafts[DRAFT] = {}
    await reply(update, offer_views.ask_kind(), offer_views.kinds())
    return Step.KIND


@press(OfferKindChoice, stay=Step.KIND)
async def chose_kind(update: Update, context: BotContext, press: Press[OfferKindChoice]) -> int:
    kind = press.data.kind
    await answer(update.callback_query)
    await _press_done(update)
    draft_of(context, DRAFT)["kind"] = kind.value
    await reply(update, offer_views.ask_description())
    return Step.DESCRIPTION


kind_again = ask_again(
    Step.KIND, lambda: _("Please choose one of the buttons:"), offer_views.kinds
)


async def described(update: Update, context: BotContext) -> int:
    text = ((update.effective_message.text if update.effective_message else "") or "").strip()
    text = " ".join(text.split())
    if len(text) < 3:
        await reply(update, _("Could you tell me a little more? A few words is enough."))
        return Step.DESCRIPTION
    if len(text) > MAX_DESCRIPTION:
        await reply(
            update,
            ngettext(
                "That's a bit long: please keep it under {n} character.",
                "That's a bit long: please keep it under {n} characters.",
                MAX_DESCRIPTION,
            ).format(n=MAX_DESCRIPTION),
        )
        return Step.DESCRIPTION
    draft_of(context, DRAFT)["description"] = text
    await reply(update, offer_views.ask_units(), offer_views.units())
    return Step.UNITS


description_again = ask_again(
    Step.DESCRIPTION, lambda: _("Please type what you're offering in a few words.")
)


def parse_units(text: str) -> int | None:
    """1 to MAX_UNITS, typed as digits (any script's)."""
    text = text.strip()
    if not text.isdecimal() or len(text) > 3:
        return None
    value = int(text)
    return value if 1 <= value <= MAX_UNITS else None


async def _units_chosen(update: Update, context: BotContext, units: int) -> int:
    draft_of(context, DRAFT)["units"] = units
    await reply(update, offer_views.ask_until())
    return Step.UNTIL


@press(OfferUnits, stay=Step.UNITS)
async def chose_units(update: Update, context: BotContext, press: Press[OfferUnits]) -> int:
    units = parse_units(str(press.data.units))  # within the most an offer may have
    if units is None:
        await answer(update.callback_query, choose_a_button())
        return Step.UNITS
    await answer(update.callback_query)
    await _press_done(update)
    return await _units_chosen(update, context, units)


async def typed_units(update: Update, context: BotContext) -> int:
    units = parse_units((update.effective_message.text if update.effective_message else "") or "")
    if units is None:
        await reply(
            update,
            _("Please type a number from 1 to {n}, or press one.").format(n=MAX_UNITS),
            offer_views.units(),
        )
        return Step.UNITS
    return await _units_chosen(update, context, units)


units_again = ask_again(Step.UNITS, offer_views.ask_units, offer_views.units)


async def typed_until(update: Update, context: BotContext) -> int:
    text = (update.effective_message.text if update.effective_message else "") or ""
    services = context.services
    tz = services.settings.timezone
    now = datetime.fromtimestamp(services.clock(), tz)
    until = parse_due(text, now, tz)
    if until is None:
        await reply(update, _("Sorry, I couldn't read that.") + "\n" + offer_views.ask_until())
        return Step.UNTIL
    if until <= now:
        await reply(update, _("That time has already passed.") + "\n" + offer_views.ask_until())
        return Step.UNTIL
    if until.timestamp() > services.offers.latest_until():
        await reply(
            update,
            _("That's a long way ahead: please choose a time within two weeks.")
            + "\n"
            + offer_views.ask_until(),
        )
        return Step.UNTIL
    draft_of(context, DRAFT)["until_at"] = until.timestamp()
    await reply(update, offer_views.ask_where(), keyboards.share_location())
    return Step.WHERE


until_again = ask_again(Step.UNTIL, offer_views.ask_until)


async def located(update: Update, context: BotContext) -> int:
    if not await volunteer_place_into(update, context, DRAFT):
        return Step.WHERE
    offer = _offer_draft(draft_of(context, DRAFT))
    if offer is None:
        return await _out_of_date(update, context)
    await reply(update, _("📍 Thank you."), ReplyKeyboardRemove())
    await reply(
        update,
        offer_views.summary(
            offer.kind,
            offer.description,
            offer.units,
            offer.until_at,
            context.services.settings.timezone,
        ),
        offer_views.confirm(),
    )
    return Step.CONFIRM


where_again = ask_again(Step.WHERE, offer_views.ask_where, keyboards.share_location)


def _offer_draft(draft: dict[str, Any]) -> OfferDraft | None:
    try:
        return OfferDraft(
            kind=OfferKind(draft["kind"]),
            description=str(draft["description"]),
            units=int(draft["units"]),
            until_at=float(draft["until_at"]),
            lat=float(draft["lat"]),
            lon=float(draft["lon"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


async def _out_of_date(update: Update, context: BotContext) -> int:
    context.drafts.pop(DRAFT, None)
    await reply(
        update,
        _("This form is out of date. Please use /offer to start again."),
        ReplyKeyboardRemove(),
    )
    return END


@press(OfferPost, stay=Step.CONFIRM)
async def confirmed(update: Update, context: BotContext, press: Press[OfferPost]) -> int:
    """v1:offerpost:yes|no: post the offer (and tell the neighbours), or throw it away."""
    query, sender = press.query, press.sender
    services = context.services
    if press.data.answer == "no":
        context.drafts.pop(DRAFT, None)
        await answer(query, _("Thrown away."))
        await _press_done(update)
        await reply(update, _("OK, I haven't posted anything. /offer to start again."))
        return END
    offer = _offer_draft(draft_of(context, DRAFT))
    if offer is None:
        await answer(query)
        return await _out_of_date(update, context)
    if offer.until_at <= services.clock():
        await answer(query)
        draft_of(context, DRAFT).pop("until_at", None)
        await reply(update, _("That time has already passed.") + "\n" + offer_views.ask_until())
        return Step.UNTIL
    await answer(query, _("Posted!"))
    await _press_done(update)
    posted = await services.offers.post(sender.id, offer)
    context.drafts.pop(DRAFT, None)
    await reply(
        update,
        offer_views.posted(posted.offer, posted.told, services.settings.timezone),
        offer_views.close_button(posted.offer.id),
    )
    return END


confirm_again = ask_again(
    Step.CONFIRM, lambda: _("Please choose one of the buttons:"), offer_views.confirm
)


# --- taking ------------------------------------------------------------------------------


@press(Take)
async def take(update: Update, context: BotContext, press: Press[Take]) -> None:
    """v1:take:<offer_id>: one unit for this member, if any is left (also in a group chat)."""
    query, sender, offer_id = press.query, press.sender, press.data.offer_id
    services = context.services
    if needs_consent(context.person.user):
        # Nothing is stored before they agree: the notice in a private chat; pressed in
        # the group chat, an alert (the notice can't be agreed to there).
        chat = update.effective_chat
        if chat is not None and chat.type == ChatType.PRIVATE:
            await send_privacy_notice(update)
        else:
            await answer(query, offer_views.start_first_answer(), alert=True)
        return
    result = await services.offers.take(offer_id, sender.id)
    if result.outcome is TakeOutcome.OK and result.offer is not None and result.take is not None:
        await answer(query, offer_views.take_answer(result.outcome))
        offer, take_id = result.offer, result.take.id
        name = await services.people.name_of(offer.offerer_id) or ""
        await services.messenger.tell(
            sender.id,
            lambda: offer_views.got_it_for_taker(offer, name),
            lambda: offer_views.talk(take_id, name),
            protect=True,
        )
        await services.offers.told_of(result)
        return
    await answer(query, offer_views.take_answer(result.outcome))


# --- /myoffers and closing early ---------------------------------------------------------


async def my_offers(update: Update, context: BotContext) -> None:
    """/myoffers: my offers, open first, who took each; close buttons and message buttons."""
    user = await consented_user(update, context)
    if user is None:
        return
    services = context.services
    mine = await services.offers.mine(user.id)
    now = services.clock()
    can_talk = {
        take.id
        for offer, takes in mine
        for take in takes
        if take.taker_id is not None and now <= offer.until_at + LINE_GRACE_S
    }
    await reply(
        update,
        offer_views.mine(mine, services.settings.timezone),
        offer_views.mine_buttons(mine, can_talk),
    )


@press(OfferClose)
async def close(update: Update, context: BotContext, press: Press[OfferClose]) -> None:
    """v1:offerclose:<id> asks; v1:offerclose:<id>:yes closes it early, :no keeps it."""
    query, sender, offer_id = press.query, press.sender, press.data.offer_id
    services = context.services
    offer = await services.offers.get(offer_id)
    if offer is None or offer.offerer_id != sender.id:
        await answer(query, _("This isn't one of your offers."), alert=True)
        return
    choice = press.data.answer or ""
    if offer.status is not OfferStatus.OPEN:
        await answer(
            query,
            _("Offer #{id} is already {status}.").format(
                id=offer.id, status=offer_views.status_label(offer.status)
            ),
        )
        return
    if choice == "no":
        await answer(query, _("Kept."))
        await _press_done(update)
        return
    if choice != "yes":
        await answer(query)
        await reply(
            update, offer_views.confirm_close(offer), offer_views.confirm_close_buttons(offer.id)
        )
        return
    closed = await services.offers.close(offer.id, sender.id)
    if closed is None:
        await answer(query, _("Offer #{id} has already ended.").format(id=offer.id))
        return
    await answer(query, _("Closed."))
    await query.edit_message_text(offer_views.closed_for_offerer(closed))


# --- /offers -----------------------------------------------------------------------------


async def _list_near(
    update: Update, context: BotContext, user_id: int, where: tuple[float, float]
) -> None:
    services = context.services
    nearby = await services.offers.nearby(*where, viewer_id=user_id)
    await reply(
        update,
        offer_views.listing(nearby, services.settings.timezone),
        offer_views.listing_buttons(nearby),
    )


async def browse(update: Update, context: BotContext) -> int:
    """/offers: the open ones near me, nearest first; asks where first when it doesn't know."""
    user = await consented_user(update, context)
    if user is None:
        return END
    where = await context.services.offers.place_of(user.id)
    if where is None:
        await reply(update, offer_views.ask_browse_where(), keyboards.share_location())
        return Step.BROWSE_WHERE
    await _list_near(update, context, user.id, where)
    return END


async def _place_given(
    update: Update, context: BotContext
) -> tuple[int, tuple[float, float]] | None:
    """Who answered "where?" and the place they gave, read as a requester's (a place in a
    neighbouring group's area is referred there once); None until it is a place. The
    place is used once, not kept."""
    sender = update.effective_user
    place = await read_place(
        update, context, Asker.REQUESTER, draft_of(context, DRAFT).setdefault("referred", [])
    )
    if not isinstance(place, Place) or sender is None:
        return None
    context.drafts.pop(DRAFT, None)
    return sender.id, (place.lat, place.lon)


async def browse_located(update: Update, context: BotContext) -> int:
    given = await _place_given(update, context)
    if given is None:
        return Step.BROWSE_WHERE
    await reply(update, _("📍 Thank you."), ReplyKeyboardRemove())
    await _list_near(update, context, *given)
    return END


browse_where_again = ask_again(
    Step.BROWSE_WHERE, offer_views.ask_browse_where, keyboards.share_location
)


# --- "tell me about offers nearby" ---------------------------------------------------------


def _with_toggle(markup: InlineKeyboardMarkup | None, on: bool) -> InlineKeyboardMarkup:
    """The pressed message's buttons, with the toggle showing its new state."""
    if markup is None:
        return offer_views.news_keyboard(on)
    rows = []
    for row in markup.inline_keyboard:
        rows.append(
            [
                offer_views.news_toggle(on) if OfferNews.parse(b.callback_data) is not None else b
                for b in row
            ]
        )
    return InlineKeyboardMarkup(rows)


async def _show_toggle(update: Update, on: bool) -> None:
    query = update.callback_query
    if query is None or query.message is None:
        return
    markup = getattr(query.message, "reply_markup", None)
    if markup is None:
        return  # an old message without it: the text that follows says how it stands
    await query.edit_message_reply_markup(reply_markup=_with_toggle(markup, on))


@press(OfferNews, stale=END)
async def toggle_news(update: Update, context: BotContext, press: Press[OfferNews]) -> int:
    """v1:offernews:on|off: hear of offers nearby, or stop. With no place known yet (not
    a volunteer), asks for one first."""
    user = await consented_user(update, context)
    query = press.query
    if user is None:
        return END
    services = context.services
    if press.data.turn == "off":
        await services.offers.stop_listening(user.id)
        await answer(query, _("Saved."))
        await _show_toggle(update, False)
        await reply(update, offer_views.not_listening())
        return END
    if await services.offers.place_of(user.id) is None:
        await answer(query)
        await reply(update, offer_views.ask_listen_where(), keyboards.share_location())
        return Step.LISTEN_WHERE
    # A volunteer hears of offers near where they volunteer from.
    await services.offers.listen(user.id, None)
    await answer(query, _("Saved."))
    await _show_toggle(update, True)
    await reply(update, _listening(context))
    return END


def _listening(context: BotContext) -> str:
    settings = context.services.settings
    return offer_views.listening(settings.offer_radius_km, settings.max_offer_notices_per_day)


async def listen_located(update: Update, context: BotContext) -> int:
    given = await _place_given(update, context)
    if given is None:
        return Step.LISTEN_WHERE
    await context.services.offers.listen(*given)
    await reply(update, _listening(context), ReplyKeyboardRemove())
    return END


listen_where_again = ask_again(
    Step.LISTEN_WHERE, offer_views.ask_listen_where, keyboards.share_location
)


def register(app: Application) -> None:  # type: ignore[type-arg]
    place = LOCATION | TEXT
    app.add_handler(
        conversation(
            "offer",
            entry_points=[
                CommandHandler("offer", begin, filters=PRIVATE),
                CommandHandler("offers", browse, filters=PRIVATE),
                CallbackQueryHandler(toggle_news, pattern=OfferNews.matches()),
            ],
            states={
                Step.KIND: [
                    CallbackQueryHandler(chose_kind, pattern=OfferKindChoice.matches()),
                    MessageHandler(OTHER, kind_again),
                ],
                Step.DESCRIPTION: [
                    MessageHandler(TEXT, described),
                    MessageHandler(OTHER, description_again),
                ],
                Step.UNITS: [
                    CallbackQueryHandler(chose_units, pattern=OfferUnits.matches()),
                    MessageHandler(TEXT, typed_units),
                    MessageHandler(OTHER, units_again),
                ],
                Step.UNTIL: [
                    MessageHandler(TEXT, typed_until),
                    MessageHandler(OTHER, until_again),
                ],
                Step.WHERE: [MessageHandler(place, located), MessageHandler(OTHER, where_again)],
                Step.CONFIRM: [
                    CallbackQueryHandler(confirmed, pattern=OfferPost.matches()),
                    MessageHandler(OTHER, confirm_again),
                ],
                Step.LISTEN_WHERE: [
                    MessageHandler(place, listen_located),
                    MessageHandler(OTHER, listen_where_again),
                ],
                Step.BROWSE_WHERE: [
                    MessageHandler(place, browse_located),
                    MessageHandler(OTHER, browse_where_again),
                ],
            },
        ),
        group=GROUP_OFFER_CONVERSATION,
    )
    app.add_handlers(
        [
            CommandHandler("myoffers", my_offers, filters=PRIVATE),
            CallbackQueryHandler(take, pattern=Take.matches()),
            CallbackQueryHandler(close, pattern=OfferClose.matches()),
        ],
        group=GROUP_FEATURES,
    )
