"""Reading where someone is: a shared location, or a typed address when a geocoder is on."""

from __future__ import annotations

from telegram import Update

from bot.domain.models import Place
from bot.i18n import _
from bot.services.geo import inside_area, valid_position
from bot.telegram import keyboards
from bot.telegram.context import BotContext


async def read_place(update: Update, context: BotContext) -> Place | None:
    """The place in this message, inside the group's area; otherwise tell the person
    kindly what to do and return None (the conversation stays on the same step)."""
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
        await message.reply_text(
            _(
                "I'm sorry: that's outside the area our group covers, so our volunteers "
                "can't reach it. If you're somewhere else, share that location instead; "
                "otherwise a local council helpline or another mutual-aid group near you "
                "may be able to help."
            ),
            reply_markup=keyboards.share_location(),
        )
        return None
    return Place(lat, lon)
