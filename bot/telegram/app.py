"""build_application(): the one place that wires settings, storage, services and handlers."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ContextTypes,
    ConversationHandler,
    Defaults,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot import i18n
from bot.config import Settings
from bot.db import Database, PingRepository, RequestRepository, UserRepository, VolunteerRepository
from bot.db.addresses import AddressMessageRepository
from bot.db.availability import AvailabilityRepository
from bot.db.broadcasts import BroadcastRepository
from bot.db.doorstep import DoorstepRepository
from bot.db.events import EventRepository
from bot.db.fairness import FairnessRepository
from bot.db.figures import FiguresRepository
from bot.db.fund import FundRepository
from bot.db.groupchats import GroupChatRepository
from bot.db.groupmap import MapRepository
from bot.db.info import InfoRepository
from bot.db.nearest_postgis import NearestSearch, nearest_first
from bot.db.offers import OfferRepository
from bot.db.privacy import PrivacyRepository
from bot.db.referrals import ReferralRepository
from bot.db.relay import RelayRepository
from bot.db.reminders import ReminderRepository
from bot.db.roles import RoleRepository
from bot.db.roster import RosterRepository
from bot.db.safeguarding import SafeguardingRepository
from bot.db.series import SeriesRepository
from bot.db.stats import StatsRepository
from bot.db.updates import HandledUpdates
from bot.domain.models import Person, Volunteer
from bot.domain.privacy import ConversationKey
from bot.health import SERVING, STOPPED, Heartbeat, heartbeat_path
from bot.i18n import _, use_language
from bot.resilience import DatabaseWatch, Journal, is_transient, keeping
from bot.services.addresses import AddressMessages
from bot.services.broadcast import Broadcaster
from bot.services.budget import SendBudget
from bot.services.chaser import BEFORE, Chaser
from bot.services.coordination import Coordinators
from bot.services.desk import SAVED, HelpDesk
from bot.services.doorstep import Doorstep
from bot.services.events import EventBus
from bot.services.fairness import Fairness, Nearby, WeeklySummary
from bot.services.figures import Figures
from bot.services.fund import Fund
from bot.services.geo import build_geocoder
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
from bot.standby import Standby
from bot.telegram import notices
from bot.telegram.alarm import JobQueueAlarm
from bot.telegram.broadcast_news import BroadcastNotices, BulkMessages
from bot.telegram.cleaning import clean_update
from bot.telegram.commands import publish_commands
from bot.telegram.context import BotContext, Services
from bot.telegram.digest_lists import with_lists
from bot.telegram.doorstep_news import DoorstepNotices
from bot.telegram.group_board import GroupBoard
from bot.telegram.handlers import register_all
from bot.telegram.handlers.errors import apologise, describe
from bot.telegram.info_views import offer_meanwhile, stale_for_digest
from bot.telegram.messenger import Messenger
from bot.telegram.offer_news import OfferNotices
from bot.telegram.once_request import OnceRequest
from bot.telegram.persistence import SQLitePersistence
from bot.telegram.rate_limiter import RateLimiter
from bot.telegram.reminded import details_again
from bot.telegram.safeguarding_news import SafeguardingNotices
from bot.telegram.settling import digest_with_owed
from bot.telegram.subscribers import Eraser, Tellers, subscribe
from bot.telegram.telegram_bot import GroupBot
from bot.webapp.server import MapServer

if TYPE_CHECKING:
    # Imported only under PostgreSQL (it loads the driver).
    from bot.standby import Standby

_LOGGER = logging.getLogger(__name__)
TELEGRAM_API = "https://api.telegram.org/bot"


@dataclass
class Storage:
    """The database and the repositories the application itself needs (opening and
    closing, duplicate updates) and tests read; handlers never see it: they have the
    services (bot.telegram.context.Services)."""

    db: Database
    users: UserRepository
    volunteers: VolunteerRepository
    # The first wave's search, nearest first: the grid (kept in step) or PostGIS's walk.
    nearest: NearestSearch
    requests: RequestRepository
    handled: HandledUpdates  # update ids already handled: a redelivery changes nothing


class MutualAidApplication(Application[Any, BotContext, Any, Any, Any, Any]):
    """PTB's Application, plus the group's services, a write-through persistence, and
    updates that outlast a failing database."""

    services: Services
    storage: Storage
    # The coordinators' map, served beside polling or the webhook (only with WEBAPP_URL).
    map_server: MapServer | None
    # Updates being handled right now: a copy arriving meanwhile is a duplicate too.
    _in_flight: set[int]
    watch: DatabaseWatch
    heartbeat: Heartbeat
    _beating: asyncio.Task[None] | None
    # With PostgreSQL: the serving lock this process holds (bot/standby.py), and whether
    # it stopped because the lock was lost.
    standby: Standby | None = None
    lost_serving: bool = False
    _keeping: asyncio.Task[None] | None = None

    async def initialize(self) -> None:
        # The database must be open before PTB loads conversations from it.
        await self.storage.db.open()
        # Read in a thread while the bot starts (a million volunteers take seconds);
        # until it is read, matching uses the R*Tree query, with the same results.
        await self.storage.nearest.start()
        await super().initialize()

    async def start(self) -> None:
        await super().start()
        self.heartbeat.mark(SERVING)
        self._beating = asyncio.create_task(self._beat(), name="heartbeat")
        if self.standby is not None:
            self._keeping = asyncio.create_task(
                self.standby.keep_serving(self._lost_serving), name="serving lock"
            )

    def _lost_serving(self) -> None:
        """Another process may take over at any moment: stop talking to Telegram now."""
        self.lost_serving = True
        self.stop_running()

    async def stop(self) -> None:
        if self._beating is not None:
            self._beating.cancel()
            self._beating = None
        if self._keeping is not None:
            self._keeping.cancel()
            self._keeping = None
        self.heartbeat.mark(STOPPED)
        await super().stop()

    async def shutdown(self) -> None:
        # The broadcast worker finishes the message in flight before the database closes.
        await self.services.broadcaster.stop()
        await self.services.events.stop()
        if self.map_server is not None:
            await self.map_server.stop()
        await super().shutdown()  # writes the last conversation states first
        await self.storage.nearest.stop()
        await self.storage.db.close()
        if self.standby is not None:
            await self.standby.release()  # a standby need not wait for the server to notice

    async def _beat(self) -> None:
        """Send a beat down the update queue now and then: the heartbeat file is touched
        only when it comes out, so a stuck or dead update handler lets it go stale."""
        every = min(15.0, self.services.settings.health_stale_s / 6)
        while True:
            await self.update_queue.put(HEARTBEAT)
            await asyncio.sleep(every)

    async def process_update(self, update: object) -> None:
        """Handle one update; whatever goes wrong, never raise: an exception here would end
        PTB's update fetching, and the bot would go deaf with the process still up."""
        if update is HEARTBEAT:
            self.heartbeat.beat()
            return
        try:
            await self._process(update)
        except Exception:
            _LOGGER.exception("Handling %s failed outside every handler", describe(update))

    async def _process(self, update: object) -> None:
        """Handle one update in its sender's language, then store conversation state at once.

        PTB would wait up to a minute; written here, a crash loses at most the step whose
        answer went out in the last few milliseconds (the reply is sent before the
        ConversationHandler records the new state, and PTB has already confirmed the
        update to Telegram by then, so it is not delivered again).

        An update delivered twice (same update_id) is handled once: ids are remembered
        after handling, so one cut short by a crash is handled again when redelivered."""
        if not isinstance(update, Update):
            await super().process_update(update)
            return
        # Control characters never reach a handler (nor the database, nor a message).
        update = clean_update(update, self.bot)
        update_id = update.update_id
        # Claimed before the first await, so a copy handled concurrently sees it.
        if update_id in self._in_flight:
            _LOGGER.info("Update %s arrived twice at once; ignoring the copy", update_id)
            return
        self._in_flight.add(update_id)
        try:
            if await self._seen(update_id):
                _LOGGER.info("Update %s was delivered again; ignoring it", update_id)
                return
            sender = await self._sender(update)
            with use_language(self._language_of(update, sender)):
                handled = await self._handle_steadily(update, sender)
                if handled:
                    await self._save_after(update_id)
        finally:
            self._in_flight.discard(update_id)

    def forget_drafts(self, user_ids: list[int], conversations: list[ConversationKey]) -> None:
        """Drop PTB's in-memory drafts and conversation states whose stored copies were
        erased or purged: PTB would otherwise go on with them, and write them back."""
        for user_id in user_ids:
            self.drop_user_data(user_id)
        by_name = {
            handler.name: handler
            for group in self.handlers.values()
            for handler in group
            if isinstance(handler, ConversationHandler) and handler.name
        }
        for name, key in conversations:
            handler = by_name.get(name)
            if handler is not None:
                # No public API ends a conversation from outside; this is what END does.
                handler._conversations.pop(key, None)

    async def _seen(self, update_id: int) -> bool:
        if not self.storage.db.is_open:
            return False
        try:
            return await self.storage.handled.seen(update_id)
        except sqlite3.Error as error:
            # Handling a duplicate again is safer than dropping an update.
            _LOGGER.warning("Could not check whether update %s is new: %s", update_id, error)
            return False

    async def _sender(self, update: Update) -> Person | None:
        """Who sent the update, loaded once for its language and its handlers
        (context.person); None when nobody did, or the database can't say now (then
        the handlers' attempt loads them, riding out the fault like any handler)."""
        user = update.effective_user
        if user is None or not self.storage.db.is_open:
            return None
        try:
            return await self.services.people.who(user.id)
        except sqlite3.Error as error:
            _LOGGER.warning("Could not look up who sent an update: %s", error)
            return None

    @staticmethod
    def _language_of(update: Update, sender: Person | None) -> str | None:
        """The sender's chosen language, else their Telegram app's (also when the
        database can't say)."""
        user = update.effective_user
        if user is None:
            return None
        stored = sender.user if sender is not None else None
        return i18n.pick_language(stored.language if stored else None, user.language_code)

    def sender_of(self, update: object) -> Person | None:
        """The sender the attempt handling `update` loaded (BotContext.person)."""
        attempt = _ATTEMPT.get()
        return attempt.sender if attempt is not None and attempt.update is update else None

    async def _handle_steadily(self, update: Update, sender: Person | None) -> bool:
        """Run the handlers; after a passing database fault, again with growing pauses for
        up to DB_RETRY_S, each retry replaying (not repeating) what the last one sent or
        saved (see bot.resilience). A ConversationHandler whose step failed keeps its old
        state, so the retry takes the same step. True when the update was handled.

        While the database is known to be failing, updates are not held up for long:
        the bot handles one at a time, and everyone would wait."""
        budget = self.services.settings.db_retry_s
        deadline = time.monotonic() + (min(budget, 1.0) if self.watch.failing else budget)
        pause = 0.1
        journal = Journal()
        retried = False
        with keeping(journal):
            while True:
                journal.next_attempt()
                # A retry reads the sender again: the attempt cut short may have changed them.
                fault = await self._attempt(update, None if retried else sender)
                if fault is None:
                    if retried:
                        await self._deliver_what_a_fault_left()
                    return True
                retried = True
                if time.monotonic() + pause > deadline:
                    await self._give_up(update, fault, journal)
                    return False
                _LOGGER.warning(
                    "Database fault handling %s (%s); trying again in %.1f s",
                    describe(update),
                    fault,
                    pause,
                )
                await asyncio.sleep(pause)
                pause = min(pause * 2, 5.0)

    async def _attempt(self, update: Update, sender: Person | None) -> BaseException | None:
        """One go at the handlers: the database fault that cut it short, or None."""
        attempt = _Attempt(update, sender)
        token = _ATTEMPT.set(attempt)
        try:
            user = update.effective_user
            if attempt.sender is None and user is not None:
                attempt.sender = await self.services.people.who(user.id)
            await super().process_update(update)
        except Exception as error:
            if not is_transient(error):
                raise
            return error
        finally:
            _ATTEMPT.reset(token)
        return attempt.fault

    async def process_error(
        self,
        update: object | None,
        error: Exception,
        job: Any = None,
        coroutine: Any = None,
    ) -> bool:
        """A handler's passing database fault is not an error to report: the update is
        tried again (see _handle_steadily). True stops the other handlers."""
        attempt = _ATTEMPT.get()
        if attempt is not None and update is attempt.update and is_transient(error):
            attempt.fault = error
            return True
        return await super().process_error(update, error, job, coroutine)

    async def _deliver_what_a_fault_left(self) -> None:
        """A fault may have cut a delivery short after its transition committed (the
        retry then finds the transition done, and records nothing to deliver): now."""
        try:
            await self.services.events.deliver()
        except sqlite3.Error as error:
            _LOGGER.warning("Could not deliver the events a fault left: %s", error)

    async def _give_up(self, update: Update, fault: BaseException, journal: Journal) -> None:
        """Out of time: say so to the person, and (once) to the coordinators."""
        _LOGGER.error("Gave up on %s: the database kept failing (%s)", describe(update), fault)
        await self.watch.failed(fault)
        saved = [request for request in journal.made(SAVED) if request is not None]
        if saved:
            # The request itself is stored: saying "couldn't save" would make them ask
            # twice. Its reminders and pings follow when the database works again.
            text = _(
                "😔 Something went wrong on our side just after your request #{id} was "
                "saved. It is safe: volunteers will hear about it as soon as this is "
                "fixed, and I'll message you when someone says they'll come."
            ).format(id=saved[-1].id)
        else:
            text = _(
                "😔 Sorry, something went wrong on our side and I couldn't save that. "
                "Please try again in a few minutes."
            )
        await apologise(
            self.bot,
            update,
            text,
            # A button can be answered once: if it was, the chat has to carry the news.
            answered=journal.did("/answerCallbackQuery"),
        )

    async def _save_after(self, update_id: int) -> None:
        """Conversation state, then the update as handled. A fault here is not worth a
        retry: the person has their answer, and what was not written is written after
        the next update (SQLitePersistence keeps it)."""
        persistence = self.persistence
        try:
            await self.update_persistence()
            if isinstance(persistence, SQLitePersistence):
                await persistence.save_unsaved()
            await self.storage.handled.remember(update_id, self.services.clock())
        except sqlite3.Error as error:
            if not is_transient(error):
                raise
            _LOGGER.warning("Update %s handled, not all stored yet: %s", update_id, error)
            return
        await self.watch.worked()


class _Attempt:
    """The update being handled right now in this task, and the fault that stopped it."""

    def __init__(self, update: Update, sender: Person | None) -> None:
        self.update = update
        self.sender = sender  # who sent it, as the handlers' context.person
        self.fault: BaseException | None = None


_ATTEMPT: ContextVar[_Attempt | None] = ContextVar("attempt", default=None)
# Put in the update queue by the heartbeat: not an update, never reaches a handler.
HEARTBEAT = object()


def build_application(
    settings: Settings,
    request: BaseRequest | None = None,
    clock: Any = time.time,
    budget: SendBudget | None = None,
) -> MutualAidApplication:
    """The real application. Tests pass a recording `request` (and maybe a clock);
    benchmarks whose Bot API is a stand-in may pass a larger `budget` than Telegram's."""
    i18n.load_catalogues(settings.default_language, distance_unit=settings.distance_unit)
    db = Database(settings.database_path, settings.database_url)
    base = (settings.bot_api_base_url or TELEGRAM_API).rstrip("/")
    bot = GroupBot(
        settings.bot_token,
        defaults=Defaults(parse_mode=ParseMode.HTML),
        # PTB's own defaults: a pool for sending, a single connection for long polling.
        # Sending goes through OnceRequest: a retried update doesn't say things twice.
        request=OnceRequest(request or HTTPXRequest(connection_pool_size=256)),
        get_updates_request=request or HTTPXRequest(),
        # AIORateLimiter(max_retries=3) on one budget of ~30 messages a second for
        # everything the bot says; broadcast sends take what conversations leave.
        rate_limiter=RateLimiter(budget or SendBudget(), max_retries=3),
        base_url=base,
        base_file_url=base.replace("/bot", "/file/bot", 1),
    )
    app = (
        ApplicationBuilder()
        .application_class(MutualAidApplication)
        .bot(bot)
        .context_types(ContextTypes(context=BotContext))
        .persistence(SQLitePersistence(db, clock))
        .post_init(_post_init)
        .build()
    )
    assert isinstance(app, MutualAidApplication)
    app._in_flight = set()
    app.heartbeat = Heartbeat(heartbeat_path(settings.database_path))
    app._beating = None

    users = UserRepository(db)
    volunteers = VolunteerRepository(db)
    requests = RequestRepository(db)
    pings = PingRepository(db)
    series = SeriesRepository(db)
    availability = AvailabilityRepository(db)
    messenger = Messenger(app.bot, users, clock)
    roles = RoleRepository(db)
    addresses = AddressMessages(AddressMessageRepository(db), Eraser(messenger), clock)
    coordinators = Coordinators(settings.admin_ids, messenger, roles)
    reminders = Reminders(ReminderRepository(db), clock)
    reminders.attach(JobQueueAlarm(app.job_queue) if app.job_queue is not None else None)
    events = EventBus(EventRepository(db), clock)
    nearest = nearest_first(db, volunteers)
    matchmaker = Matchmaker(settings, volunteers, requests, pings, events, clock, search=nearest)
    chaser = Chaser(
        settings,
        reminders,
        requests,
        series,
        StatsRepository(db),
        matchmaker,
        events,
        clock,
    )
    desk = HelpDesk(
        settings,
        users,
        volunteers,
        requests,
        pings,
        events,
        matchmaker,
        chaser,
        series,
        coordinators,
        addresses,
        clock,
    )
    doorstep_records = DoorstepRepository(db)
    doorstep_news = DoorstepNotices(messenger, coordinators, settings.timezone)
    newcomers = Newcomers(settings, doorstep_records, requests, users, doorstep_news)
    group_chats = GroupChatRepository(db)
    board = GroupBoard(settings, app.bot, group_chats, requests, clock)
    offer_records = OfferRepository(db)
    offers = Offers(
        settings,
        offer_records,
        users,
        group_chats,
        reminders,
        OfferNotices(settings, messenger),
        clock,
    )
    app.storage = Storage(
        db=db,
        users=users,
        volunteers=volunteers,
        nearest=nearest,
        requests=requests,
        handled=HandledUpdates(db),
    )
    app.services = Services(
        settings=settings,
        people=People(settings.admin_ids, users, roles, clock),
        volunteering=Volunteering(volunteers, availability, clock),
        messenger=messenger,
        coordinators=coordinators,
        matchmaker=matchmaker,
        desk=desk,
        events=events,
        reminders=reminders,
        chaser=chaser,
        fairness=Fairness(
            settings,
            FairnessRepository(db),
            reminders,
            partial(_tell_left_out, messenger),
            partial(_tell_summary, coordinators),
            clock,
        ),
        privacy=Privacy(
            settings,
            PrivacyRepository(db),
            requests,
            desk,
            chaser,
            reminders,
            addresses,
            clock,
            app.forget_drafts,
            offers,
            app.storage.handled,
        ),
        safeguarding=Safeguarding(
            settings,
            SafeguardingRepository(db),
            requests,
            users,
            coordinators,
            SafeguardingNotices(messenger, coordinators),
            clock,
        ),
        roster=Roster(
            settings.admin_ids,
            users,
            volunteers,
            requests,
            RosterRepository(db),
            roles,
            SafeguardingRepository(db),
            desk,
            events,
            addresses,
            clock,
            doorstep_records,
        ),
        board=board,
        figures=Figures(FiguresRepository(db), settings.timezone, clock),
        geocoder=build_geocoder(settings),
        addresses=addresses,
        clock=clock,
        broadcaster=Broadcaster(
            settings.broadcast_rate,
            BroadcastRepository(db, settings.admin_ids),
            users,
            BulkMessages(app.bot),
            BroadcastNotices(messenger),
            clock,
        ),
        groupmap=GroupMap(settings, MapRepository(db), volunteers, clock),
        neighbours=Neighbours(settings, ReferralRepository(db), clock),
        fund=Fund(FundRepository(db), settings.timezone, clock),
        info=LocalInfo(InfoRepository(db), clock),
        doorstep=Doorstep(
            settings,
            doorstep_records,
            requests,
            users,
            reminders,
            coordinators,
            doorstep_news,
            clock,
        ),
        newcomers=newcomers,
        relay=Relay(RelayRepository(db), requests, users, coordinators, clock, offer_records),
        offers=offers,
    )
    tellers = Tellers(
        settings=settings,
        messenger=messenger,
        coordinators=coordinators,
        users=users,
        volunteers=volunteers,
        requests=requests,
        pings=pings,
        addresses=addresses,
        # Local services offered where they help: under "nobody could take it", and the
        # coordinators' digest lists entries to check again.
        meanwhile=offer_meanwhile(app.services.info, settings.default_language),
        # The digest's counts are followed by what needs a coordinator, named: requests,
        # concerns and volunteers waiting; money volunteers are owed; entries to re-check.
        digest_extra=with_lists(
            StatsRepository(db),
            clock,
            digest_with_owed(
                app.services.safeguarding,
                stale_for_digest(app.services.info, settings.default_language),
            ),
        ),
        chaser=chaser,
    )
    # The reminder before a booked task brings its details again (protected).
    reminders.also(BEFORE, partial(details_again, app.services))
    subscribe(events, tellers, chaser, matchmaker, board, newcomers)
    app.map_server = MapServer(app.services) if settings.webapp_url else None
    # When the database works again: what a fault left undelivered (a request saved
    # just before it, say) is delivered.
    app.watch = DatabaseWatch(coordinators.tell, partial(events.deliver, held_too=True))
    register_all(app)
    return app


async def _post_init(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Before the first update: publish the command menus and finish interrupted work."""
    assert isinstance(app, MutualAidApplication)
    await publish_commands(app.bot, app.services)
    await app.storage.handled.prune(app.services.clock())
    restored = await app.services.reminders.restore()
    _LOGGER.info("Re-armed %s pending reminder(s)", restored)
    await app.services.chaser.start_daily_digest()
    await app.services.fairness.start()
    await app.services.privacy.start_daily_purge()
    resumed = await app.services.broadcaster.resume()
    if resumed:
        _LOGGER.info("Resumed %s broadcast(s) interrupted by the last stop", resumed)
    finished = await app.services.events.start()
    if finished:
        _LOGGER.info("Delivered %s event(s) the last stop left undelivered", finished)
    if app.map_server is not None:
        try:
            await app.map_server.start()
        except OSError as error:
            # The bot itself matters more than its map: it carries on without it.
            _LOGGER.error(
                "The coordinators' map could not listen on WEBAPP_LISTEN:WEBAPP_PORT (%s): %s",
                f"{app.services.settings.webapp_listen}:{app.services.settings.webapp_port}",
                error,
            )


async def _tell_left_out(messenger: Messenger, volunteer: Volunteer, nearby: list[Nearby]) -> None:
    """The kind note to a volunteer nobody has asked yet, in their language."""
    await messenger.tell(volunteer.user_id, partial(notices.left_out_note, volunteer, nearby))


async def _tell_summary(coordinators: Coordinators, summary: WeeklySummary) -> None:
    await coordinators.tell(partial(notices.weekly_summary, summary))
