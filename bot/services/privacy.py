"""Privacy the bot enforces: /forgetme erases a person, and a daily job purges the personal
details of requests closed longer ago than RETENTION_DAYS."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import Settings
from bot.db import RequestRepository
from bot.db.privacy import DRAFT_RETENTION_S, PrivacyRepository
from bot.db.updates import HandledUpdates
from bot.domain.models import Reminder, RequestStatus
from bot.domain.privacy import Contact, ConversationKey, Erasure
from bot.services.addresses import AddressMessages
from bot.services.chaser import Chaser
from bot.services.desk import HelpDesk
from bot.services.offers import Offers
from bot.services.reminders import Reminders

_LOGGER = logging.getLogger(__name__)

PURGE = "purge"
# Local time of the daily purge: when the group is quietest.
PURGE_HOUR = 3
DAY_S = 86400

# Drops the application's in-memory copies of drafts (by user id) and conversation states,
# which PTB would otherwise keep using, and write back to the database.
ForgetDrafts = Callable[[list[int], list[ConversationKey]], None]


@dataclass(eq=False, repr=False)
class Privacy:
    settings: Settings
    repository: PrivacyRepository
    requests: RequestRepository
    desk: HelpDesk
    chaser: Chaser
    reminders: Reminders
    addresses: AddressMessages
    clock: Callable[[], float]
    forget_drafts: ForgetDrafts
    offers: Offers | None = None
    handled: HandledUpdates | None = None

    def __post_init__(self) -> None:
        self.reminders.on(PURGE, self._purge_due)

    async def forget(self, user_id: int) -> Erasure:
        """Erase someone, then tell whoever that affects: the volunteers of their cancelled
        requests (pings edited), and the requesters of tasks they held (asked again).
        First, every address message they are in leaves Telegram: theirs to see, or theirs."""
        await self.addresses.take_back_of_person(user_id)
        if self.offers is not None:
            # Their open offers close first, so that every notice of them says so.
            await self.offers.withdraw_all_of(user_id)
        erasure = await self.repository.erase_user(user_id, self.clock())
        self.forget_drafts([user_id], erasure.conversations)
        _LOGGER.info(
            "Erased a user: %s request(s) cancelled, %s task(s) handed back",
            len(erasure.cancelled),
            len(erasure.released),
        )
        for series_id in erasure.series_ids:
            await self.chaser.series_stopped(series_id)
        for request_id, holder in erasure.cancelled:
            cancelled = await self.requests.get(request_id)
            if cancelled is not None:
                await self.desk.withdraw(cancelled, holder)
        for request_id in erasure.released:
            released = await self.requests.get(request_id)
            if released is not None and released.status is RequestStatus.OPEN:
                await self.desk.reopen(released)
        return erasure

    async def contact(self, request_id: int) -> Contact | None:
        """Who a phone request (/onbehalf) was for, if their details are still stored."""
        return await self.repository.contact(request_id)

    async def forget_contact(self, request_id: int, coordinator_id: int) -> Erasure:
        """A coordinator erases someone without Telegram: as forget(), the volunteers of
        their cancelled requests are told the task is off."""
        erasure = await self.repository.erase_contact(request_id, coordinator_id, self.clock())
        _LOGGER.info(
            "Erased someone without Telegram: %s request(s) cancelled", len(erasure.cancelled)
        )
        for cancelled_id, holder in erasure.cancelled:
            cancelled = await self.requests.get(cancelled_id)
            if cancelled is not None:
                await self.desk.withdraw(cancelled, holder)
        return erasure

    async def checkpoint(self) -> None:
        """After a handler dropped drafts from PTB's store: out of the WAL too."""
        await self.repository.checkpoint()

    async def purge(self) -> int:
        """Blank the personal details of requests closed more than RETENTION_DAYS ago (and
        the concerns about them), delete conversations left unfinished for a week, and
        forget the ids of updates handled more than a day ago."""
        now = self.clock()
        before = now - self.settings.retention_days * DAY_S
        await self.addresses.take_back_closed_before(before)
        purged = await self.repository.purge_closed(before, now)
        if purged:
            _LOGGER.info("Retention: purged the personal details of %s request(s)", purged)
        if self.handled is not None:
            await self.handled.prune(now)
        stale = await self.repository.purge_stale_drafts(now - DRAFT_RETENTION_S)
        self.forget_drafts(stale.user_ids, stale.conversations)
        if stale.user_ids or stale.conversations:
            _LOGGER.info(
                "Retention: deleted %s unfinished draft(s) and %s conversation state(s)",
                len(stale.user_ids),
                len(stale.conversations),
            )
        return purged

    async def start_daily_purge(self, after: float | None = None) -> None:
        """Schedule the next purge; keyed by its local date, so calling this at every
        start-up schedules it once."""
        tz = self.settings.timezone
        now = datetime.fromtimestamp(max(after or 0, self.clock()), tz)
        at = datetime.combine(now.date(), datetime.min.time().replace(hour=PURGE_HOUR), tzinfo=tz)
        if at <= now:
            at = datetime.combine(now.date() + timedelta(days=1), at.timetz())
        await self.reminders.schedule(PURGE, at.timestamp(), at.date().isoformat())

    async def _purge_due(self, reminder: Reminder) -> None:
        try:
            await self.purge()
        finally:
            # Tomorrow's, even if today's failed: one bad night must not end the purging.
            await self.start_daily_purge(after=reminder.due_at)
