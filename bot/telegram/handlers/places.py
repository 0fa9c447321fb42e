"""Reading where someone is: a shared location, or a typed address when a geocoder is on."""

from __future__ import annotations

from enum import Enum

from telegram import Message, Update

from bot.config import NeighbourGroup
from bot.domain.models import Place
from bot.i18n import _
from bot.services.geo import inside_area, valid_position
from bot.telegram import info_views, keyboards
from bot.telegram.context import BotContext
from bot.telegram.handlers.common import draft_of
from bot.telegram.texts import esc


class Asker(Enum):
    """Whose place is being read: what a neighbouring group is offered for differs."""

    REQUESTER = "requester"
    VOLUNTEER = "volunteer"
    COORDINATOR = "coordinator"  # /onbehalf: someone else's home


async def read_place(
    update: Update,
    context: BotContext,
    asker: Asker = Asker.REQUESTER,
    referred: list[str] | None = None,
) -> Place | None:
    """The place in this message, inside the group's area; otherwise tell the person
    kindly what to do and return None (the conversation stays on the same step).
    `referred`: the neighbouring groups this conversation already offered, where a
    referral is noted so that sharing the same place again is not counted twice."""
    message = update.effective_message
    if message is None:
        return None
    services = context.services
    if message.location is not None:
        lat, lon = message.location.latitude, message.location.longitude
    elif message.text and services.geocoder.enabled:
        place = await services.geocoder.locate(message.text.strip())
        if place is None:
            await message.reply_text(
                _(
                    "I couldn't find that place. Try a postcode or street name, or press the "
                    "button to share your location."
                ),
                reply_markup=keyboards.share_location(),
            )
            return None
        lat, lon = place.lat, place.lon
    else:
        await message.reply_text(
            _(
                "Please press the “📍 Share my location” button below. (On a computer, "
                "open Telegram on your phone for this step.)"
            ),
            reply_markup=keyboards.share_location(),
        )
        return None
    if not valid_position(lat, lon):
        await message.reply_text(
            _("That location doesn't look right. Please try again."),
            reply_markup=keyboards.share_location(),
        )
        return None
    if not inside_area(services.settings.area, lat, lon):
        neighbour = services.neighbours.covering(lat, lon)
        if neighbour is not None:
            await _refer(message, context, neighbour, asker, referred)
            return None
        await message.reply_text(
            _(
                "I'm sorry: that's outside the area our group covers, so our volunteers "
                "can't reach it. If you're somewhere else, share that location instead; "
                "otherwise a local council helpline or another mutual-aid group near you "
                "may be able to help."
            ),
            reply_markup=keyboards.share_location(),
        )
        await offer_local_help(update, context)
        return None
    return Place(lat, lon)


async def volunteer_place_into(update: Update, context: BotContext, name: str) -> bool:
    """Where a volunteer helps from (a sign-up, an offer), read as read_place() does into
    the "lat" and "lon" of the draft kept under `name`; False while it is no place yet."""
    place = await read_place(update, context, Asker.VOLUNTEER)
    if place is None:
        return False
    draft = draft_of(context, name)
    draft["lat"], draft["lon"] = place.lat, place.lon
    return True


def _referral_text(neighbour: NeighbourGroup, asker: Asker) -> str:
    name = esc(neighbour.name)
    if asker is Asker.VOLUNTEER:
        return _(
            "That's outside the area our group covers, but it is covered by <b>{name}</b>, "
            "a mutual-aid group nearby: they would be glad of your help. Press the button "
            "to join them. If you'd rather help here, share a place inside our area."
        ).format(name=name)
    if asker is Asker.COORDINATOR:
        return _(
            "That's outside our area, but inside the area of <b>{name}</b>, a neighbouring "
            "group. Please pass the request to them (the button opens their bot), or send "
            "another location if that one was wrong."
        ).format(name=name)
    return _(
        "That's outside the area our group covers, so our volunteers can't reach it. "
        "But <b>{name}</b>, a mutual-aid group near you, covers it: press the button to ask "
        "them for help. If you're somewhere else, share that location instead."
    ).format(name=name)


async def _refer(
    message: Message,
    context: BotContext,
    neighbour: NeighbourGroup,
    asker: Asker,
    referred: list[str] | None,
) -> None:
    """Point the person to the neighbouring group that covers them, with its link."""
    await message.reply_text(
        _referral_text(neighbour, asker), reply_markup=keyboards.neighbour(neighbour)
    )
    if asker is Asker.VOLUNTEER:
        return  # /stats counts people who needed help
    noted = referred if referred is not None else []
    if neighbour.name not in noted:
        noted.append(neighbour.name)
        await context.services.neighbours.referred(neighbour)


async def offer_local_help(update: Update, context: BotContext) -> None:
    """Under the out-of-area answer: the /info topics, when the group has listed any."""
    message = update.effective_message
    if message is None or not await context.services.info.topics_in_use():
        return
    await message.reply_text(info_views.out_of_area_help(), reply_markup=info_views.topics())
