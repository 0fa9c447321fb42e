"""What every handler can reach: the services, through a typed context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, cast

from telegram.ext import CallbackContext, ExtBot

from bot.config import Settings
from bot.db import Database, PingRepository, RequestRepository, UserRepository, VolunteerRepository
from bot.db.availability import AvailabilityRepository
from bot.db.nearest_postgis import NearestSearch
from bot.db.updates import HandledUpdates
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
from bot.services.privacy import Privacy
from bot.services.relay import Relay
from bot.services.reminders import Reminders
from bot.services.roster import Roster
from bot.services.safeguarding import Safeguarding
from bot.telegram.group_board import GroupBoard
from bot.telegram.messenger import Messenger

# The key of /onbehalf's answers in context.drafts: /forget drops a half-typed phone
# request about the person it erases.
ONBEHALF_DRAFT = "onbehalf"


@dataclass
class Services:
    settings: Settings
    db: Database
    users: UserRepository
    volunteers: VolunteerRepository
    # The first wave's search, nearest first: the grid (kept in step) or PostGIS's walk.
    nearest: NearestSearch
    requests: RequestRepository
    pings: PingRepository
    messenger: Messenger
    coordinators: Coordinators
    matchmaker: Matchmaker
    desk: HelpDesk
    events: EventBus  # the outbox's delivery: who hears of each transition
    reminders: Reminders
    chaser: Chaser
    privacy: Privacy
    safeguarding: Safeguarding
    availability: AvailabilityRepository
    roster: Roster  # coordinators' tools: volunteers and coordinators
    board: GroupBoard  # the neighbourhood's group chat
    figures: Figures  # /stats and /export
    geocoder: NoGeocoder | NominatimGeocoder
    handled: HandledUpdates  # update ids already handled: a redelivery changes nothing
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


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The callback context, with the bot's services one attribute away."""

    @property
    def services(self) -> Services:
        return cast(_HasServices, self.application).services

    @property
    def drafts(self) -> dict[str, Any]:
        """This user's unfinished conversation answers (persisted after every update)."""
        data = self.user_data
        if data is None:
            raise RuntimeError("no user in this update")
        return data
