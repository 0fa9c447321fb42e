"""What every handler can reach: the services, and the person who sent the update
(loaded once per update), through a typed context. Handlers reach storage only through
the services: Services holds no repository (tests/test_person.py checks it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, cast

from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.domain.models import Person
from bot.services.addresses import AddressMessages
from bot.services.broadcast import Broadcaster
from bot.services.chaser import Chaser
from bot.services.coordination import Coordinators
from bot.services.desk import HelpDesk
from bot.services.doorstep import Doorstep
from bot.services.events import EventBus
from bot.services.fairness import Fairness
from bot.services.figures import Figures
from bot.services.fund import Fund
from bot.services.geo import NoGeocoder, NominatimGeocoder
from bot.services.groupmap import GroupMap
from bot.services.info import LocalInfo
from bot.services.matching import Matchmaker
from bot.services.neighbours import Neighbours
from bot.services.newcomers import Newcomers
from bot.services.offers import Offers
from bot.services.people import People
from bot.services.privacy import Privacy
from bot.services.relay import Relay
from bot.services.reminders import Reminders
from bot.services.roster import Roster
from bot.services.safeguarding import Safeguarding
from bot.services.volunteering import Volunteering
from bot.telegram.group_board import GroupBoard
from bot.telegram.messenger import Messenger

# The key of /onbehalf's answers in context.drafts: /forget drops a half-typed phone
# request about the person it erases.
ONBEHALF_DRAFT = "onbehalf"


@dataclass
class Services:
    settings: Settings
    people: People  # who someone is: their details, role, consent, language
    volunteering: Volunteering  # a volunteer's own details: profile, free times, quiet hours
    messenger: Messenger
    coordinators: Coordinators
    matchmaker: Matchmaker
    desk: HelpDesk
    events: EventBus  # the outbox's delivery: who hears of each transition
    reminders: Reminders
    chaser: Chaser
    privacy: Privacy
    safeguarding: Safeguarding
    roster: Roster  # what is decided about volunteers, and who coordinates
    board: GroupBoard  # the neighbourhood's group chat
    figures: Figures  # /stats and /export
    geocoder: NoGeocoder | NominatimGeocoder
    clock: Callable[[], float]
    broadcaster: Broadcaster
    groupmap: GroupMap  # the coordinators' map (bot.webapp serves it)
    addresses: AddressMessages  # which messages carried an address, to take it back
    fairness: Fairness  # nobody left out: the kind notes and the weekly summary
    neighbours: Neighbours  # nearby groups (NEIGHBOUR_GROUPS) and referrals to them
    fund: Fund  # the shared fund and its ledger (/fund)
    info: LocalInfo  # what else is available locally (/info)
    doorstep: Doorstep  # lone working: arrived, left safely, "Are you OK?", the alert
    newcomers: Newcomers  # a volunteer's first tasks
    relay: Relay  # the private line between a request's requester and its volunteer
    offers: Offers  # what neighbours offer (/offer, /offers, /myoffers)


class _HasServices(Protocol):
    services: Services

    def sender_of(self, update: object) -> Person | None:
        """The person this update's attempt loaded (bot.telegram.app), if any."""
        ...


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The callback context, with the bot's services one attribute away, and the sender
    loaded once per update (as PTB's contexttypesbot.py example fills its context in
    from_update): every handler of the update shares this one context object."""

    _person: Person | None = None

    @classmethod
    def from_update(
        cls,
        update: object,
        application: Application[Any, BotContext, Any, Any, Any, Any],
    ) -> BotContext:
        context = super().from_update(update, application)
        context._person = cast(_HasServices, application).sender_of(update)
        return context

    @property
    def services(self) -> Services:
        return cast(_HasServices, self.application).services

    @property
    def person(self) -> Person:
        """Who sent this update, as stored when it arrived (or since person_changed())."""
        if self._person is None:
            raise RuntimeError("no sender loaded for this update")
        return self._person

    @property
    def is_coordinator(self) -> bool:
        """Whether the sender coordinates; checked on the server at every update."""
        return self._person is not None and self._person.is_coordinator

    async def person_changed(self) -> Person:
        """After a handler changed the sender (consent, language, role): read them again,
        so that it, and the handlers after it in this update, see them as they are now."""
        self._person = await self.services.people.who(self.person.user_id)
        return self._person

    @property
    def drafts(self) -> dict[str, Any]:
        """This user's unfinished conversation answers (persisted after every update)."""
        data = self.user_data
        if data is None:
            raise RuntimeError("no user in this update")
        return data
