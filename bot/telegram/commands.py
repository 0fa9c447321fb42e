"""The commands, in one list: the menus Telegram shows (everyone's, and the coordinators'
own) and /help are made from it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import Enum
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


class Section(Enum):
    """/help's headings, in its order; a coordinator's section only for coordinators."""

    NEED = "need"
    HELPING = "helping"
    ANY_TIME = "any_time"
    GROUP = "group"
    COORDINATORS = "coordinators"


@dataclass(frozen=True)
class Command:
    """One command, as the menu and /help show it."""

    name: str  # as typed after "/"; "fund add" is a usage /help shows, not a menu entry
    section: Section
    menu: str | None  # its description in Telegram's menu; None: not in the menu
    help: str | None  # its line in /help, the command itself in it; None: not there


def command_list() -> list[Command]:
    """Every command, in the reader's language and in /help's order (the menus keep it)."""
    need, helping, any_time, group, coordinators = Section
    return [
        Command("start", any_time, _("Start here"), None),
        Command("request", need, _("Ask for help"), _("/request – ask for help")),
        Command(
            "myrequests",
            need,
            _("See or cancel my requests"),
            _("/myrequests – see or cancel your requests"),
        ),
        Command(
            "volunteer",
            helping,
            _("Volunteer, or change my details"),
            _("/volunteer – sign up or change your details"),
        ),
        Command(
            "mytasks", helping, _("The tasks I've taken"), _("/mytasks – the tasks you've taken")
        ),
        Command(
            "pause",
            helping,
            _("Take a break from requests"),
            _("/pause and /resume – take a break from requests"),
        ),
        Command("resume", helping, _("Get requests again"), None),  # /help: with /pause
        Command("help", any_time, _("How this works"), None),
        Command(
            "concern",
            any_time,
            _("Tell the coordinators about a worry"),
            _("/concern – tell the coordinators about a worry"),
        ),
        Command(
            "privacy", any_time, _("What we keep and why"), _("/privacy – what we keep and why")
        ),
        Command("forgetme", any_time, _("Erase my details"), _("/forgetme – erase my details")),
        Command(
            "language",
            any_time,
            _("Choose your language"),
            _("/language – choose your language"),
        ),
        Command(
            "cancel", any_time, _("Stop what we're doing"), _("/cancel – stop what we're doing")
        ),
        Command(
            "fund",
            group,
            _("The group's shared fund"),
            _("/fund – the shared fund: balance, money in and out"),
        ),
        Command(
            "info",
            group,
            _("Other help nearby: food, medicines, money…"),
            _("/info – other help nearby: food, medicines, money, health, someone to talk to"),
        ),
        Command(
            "offer",
            group,
            _("Offer neighbours something"),
            _("/offer – offer neighbours something: a shop run, spare things, a lift, a meal"),
        ),
        Command(
            "offers",
            group,
            _("What neighbours nearby are offering"),
            _("/offers – what neighbours nearby are offering"),
        ),
        Command(
            "myoffers",
            group,
            _("My offers and who took them"),
            _("/myoffers – my offers, who took them; close one early"),
        ),
        Command(
            "pending",
            coordinators,
            _("Volunteers waiting for approval"),
            _("/pending – volunteers waiting for approval"),
        ),
        Command(
            "broadcast",
            coordinators,
            _("Message everyone or a group"),
            _("/broadcast – message everyone or a group"),
        ),
        Command(
            "open",
            coordinators,
            _("Requests still waiting, oldest first"),
            _("/open – requests still waiting, oldest first"),
        ),
        Command(
            "volunteers",
            coordinators,
            _("Volunteers: checks, pauses, recent tasks"),
            _("/volunteers – volunteers: ID checks, pauses, recent tasks"),
        ),
        Command(
            "coordinators",
            coordinators,
            _("Who coordinates; add or remove one"),
            _("/coordinators – who coordinates; add or remove one"),
        ),
        Command(
            "onbehalf",
            coordinators,
            _("Record a request taken by phone"),
            _("/onbehalf – record a request taken by phone"),
        ),
        Command(
            "stats", coordinators, _("Figures and a chart"), _("/stats – figures and a chart")
        ),
        Command(
            "export",
            coordinators,
            _("Download requests and volunteers as CSV"),
            _("/export – requests and volunteers as CSV files"),
        ),
        Command(
            "linkgroup",
            coordinators,
            _("Post new requests in a group chat (send it there)"),
            _("/linkgroup – send it in a group chat to post new requests there"),
        ),
        Command(
            "details",
            coordinators,
            _("A request's full details (logged)"),
            _("/details &lt;number&gt; – a request's full details (each look is logged)"),
        ),
        Command(
            "forget",
            coordinators,
            _("Erase someone without Telegram (a phone request)"),
            _("/forget &lt;number&gt; – erase the person a phone request was taken for"),
        ),
        Command(
            "spent",
            coordinators,
            _("Correct what a task cost (logged)"),
            _("/spent &lt;number&gt; &lt;amount&gt; – correct what a task cost (logged)"),
        ),
        Command(
            "map",
            coordinators,
            _("The map of requests and volunteers' reach"),
            _("/map – the map: open requests, and where volunteers can reach"),
        ),
        Command(
            "fund add",
            coordinators,
            None,
            _("/fund add – record money in; /fund reverse &lt;row&gt; – correct a mistake"),
        ),
        Command(
            "info add",
            coordinators,
            None,
            _("/info add – add a local service; its buttons edit, re-check or retire it"),
        ),
    ]


def _heading(section: Section) -> str:
    if section is Section.NEED:
        return _("<b>If you need help</b>")
    if section is Section.HELPING:
        return _("<b>If you want to help</b>")
    if section is Section.ANY_TIME:
        return _("<b>Any time</b>")
    if section is Section.GROUP:
        return _("<b>The group</b>")
    return _("<b>Coordinators</b>")


def help_text(coordinator: bool) -> str:
    """/help: what the bot does, then each section's commands (coordinators' to them)."""
    commands = command_list()
    parts = [
        _(
            "<b>How this works</b>\n"
            "Neighbours help neighbours: shopping, prescriptions, dog walks, a friendly call."
        )
    ]
    for section in Section:
        lines = [c.help for c in commands if c.section is section and c.help is not None]
        if lines and (coordinator or section is not Section.COORDINATORS):
            parts.append("\n".join([_heading(section), *lines]))
    return "\n\n".join(parts)


def _menu(coordinator: bool) -> list[BotCommand]:
    return [
        BotCommand(c.name, c.menu)
        for c in command_list()
        if c.menu is not None and (coordinator or c.section is not Section.COORDINATORS)
    ]


def everyone_commands() -> list[BotCommand]:
    return _menu(coordinator=False)


def coordinator_commands() -> list[BotCommand]:
    """Everyone's menu and the coordinators' own commands."""
    return _menu(coordinator=True)


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
