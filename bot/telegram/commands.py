"""The command menus Telegram shows: everyone's, and the coordinators' own."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    MenuButtonDefault,
    MenuButtonWebApp,
    WebAppInfo,
)
from telegram.error import TelegramError

from bot.i18n import _, available_languages, use_language
from bot.telegram.keyboards import map_button_text

if TYPE_CHECKING:
    from bot.telegram.context import Services

_LOGGER = logging.getLogger(__name__)

# Leaflet links: t.me/<bot>?start=need lands straight in the request conversation, and
# ?start=volunteer in the volunteer one; /start alone is the welcome.
REQUEST_LINK = r"^/start\s+(need|help|request)\b"
VOLUNTEER_LINK = r"^/start\s+(volunteer|offer|helper)\b"
LEAFLET_LINKS = f"{REQUEST_LINK}|{VOLUNTEER_LINK}"


def everyone_commands() -> list[BotCommand]:
    return [
        BotCommand("start", _("Start here")),
        BotCommand("request", _("Ask for help")),
        BotCommand("myrequests", _("See or cancel my requests")),
        BotCommand("volunteer", _("Volunteer, or change my details")),
        BotCommand("mytasks", _("The tasks I've taken")),
        BotCommand("pause", _("Take a break from requests")),
        BotCommand("resume", _("Get requests again")),
        BotCommand("help", _("How this works")),
        BotCommand("privacy", _("What we keep and why")),
        BotCommand("concern", _("Tell the coordinators about a worry")),
        BotCommand("offer", _("Offer neighbours something")),
        BotCommand("offers", _("What neighbours nearby are offering")),
        BotCommand("myoffers", _("My offers and who took them")),
        BotCommand("fund", _("The group's shared fund")),
        BotCommand("info", _("Other help nearby: food, medicines, money…")),
        BotCommand("forgetme", _("Erase my details")),
        BotCommand("language", _("Choose your language")),
        BotCommand("cancel", _("Stop what we're doing")),
    ]


def coordinator_commands() -> list[BotCommand]:
    return [
        *everyone_commands(),
        BotCommand("pending", _("Volunteers waiting for approval")),
        BotCommand("details", _("A request's full details (logged)")),
        BotCommand("spent", _("Correct what a task cost (logged)")),
        BotCommand("broadcast", _("Message everyone or a group")),
        BotCommand("open", _("Requests still waiting, oldest first")),
        BotCommand("volunteers", _("Volunteers: checks, pauses, recent tasks")),
        BotCommand("coordinators", _("Who coordinates; add or remove one")),
        BotCommand("onbehalf", _("Record a request taken by phone")),
        BotCommand("forget", _("Erase someone without Telegram (a phone request)")),
        BotCommand("stats", _("Figures and a chart")),
        BotCommand("export", _("Download requests and volunteers as CSV")),
        BotCommand("linkgroup", _("Post new requests in a group chat (send it there)")),
        BotCommand("map", _("The map of requests and volunteers' reach")),
    ]


async def publish_commands(bot: Bot, services: Services) -> None:
    """setMyCommands for everyone: in DEFAULT_LANGUAGE for clients whose language has no
    catalogue, and once per catalogue's language_code (Telegram shows each person the menu
    of their app's language); then each coordinator's own chat, in their language."""
    try:
        with use_language(services.settings.default_language):
            await bot.set_my_commands(everyone_commands(), scope=BotCommandScopeDefault())
        for code in available_languages():
            with use_language(code):
                await bot.set_my_commands(
                    everyone_commands(), scope=BotCommandScopeDefault(), language_code=code
                )
    except TelegramError as error:
        _LOGGER.warning("Could not publish command menus: %s", error)
    for user_id, language in await services.coordinators.recipients():
        await publish_commands_for(
            bot, user_id, language, coordinator=True, map_url=services.settings.webapp_url
        )


async def publish_commands_for(
    bot: Bot,
    user_id: int,
    language: str | None,
    *,
    coordinator: bool,
    map_url: str | None = None,
) -> None:
    """One person's menu, when they become or stop being a coordinator: theirs, or back
    to everyone's. With the map set up (WEBAPP_URL), a coordinator's chat menu
    button opens it; anyone else's is Telegram's default."""
    scope = BotCommandScopeChat(user_id)
    try:
        if coordinator:
            with use_language(language):
                await bot.set_my_commands(coordinator_commands(), scope=scope)
                if map_url is not None:
                    await bot.set_chat_menu_button(
                        user_id, MenuButtonWebApp(map_button_text(), WebAppInfo(map_url))
                    )
        else:
            await bot.delete_my_commands(scope=scope)
            if map_url is not None:
                await bot.set_chat_menu_button(user_id, MenuButtonDefault())
    except TelegramError as error:
        # They never started the bot: their menu follows at the next start-up.
        _LOGGER.warning("Could not publish the command menu of %s: %s", user_id, error)


async def publish_language_menu(
    bot: Bot, user_id: int, language: str, *, coordinator: bool, map_url: str | None = None
) -> None:
    """Someone chose a language (/language): their chat's menu follows. A chat's own menu
    wins over the per-language ones, which Welsh or Urdu readers rarely get (few phones
    run Telegram in those languages)."""
    if coordinator:
        await publish_commands_for(bot, user_id, language, coordinator=True, map_url=map_url)
        return
    try:
        with use_language(language):
            await bot.set_my_commands(everyone_commands(), scope=BotCommandScopeChat(user_id))
    except TelegramError as error:
        _LOGGER.warning("Could not publish the command menu of %s: %s", user_id, error)
