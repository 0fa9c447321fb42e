"""Nobody forgotten: the bot chases unanswered requests and forgetful volunteers.

Each nudge is a stored reminder (bot.services.reminders): escalation to the next wave,
a ping that waits for volunteers' quiet hours (or the ping caps) to end, the
coordinators' alert, the volunteer's reminder before a task and follow-up after it,
expiry, the daily digest, and the next occurrence of recurring help. The chaser hears of
a request's changes as a subscriber (bot.telegram.subscribers lists where), and what a
reminder has to say is recorded as an event for the Telegram side to tell.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import Settings
from bot.domain.events import (
    AlertDue,
    DigestDue,
    FollowUpDue,
    RequestClosed,
    RequestOpened,
    TaskSoon,
)
from bot.domain.figures import Digest
from bot.domain.models import HelpRequest, NewRequest, Reminder, RequestStatus, Series, When
from bot.domain.safety import new_safety_code
from bot.services.events import EventBus
from bot.services.matching import Matchmaker
from bot.services.ports import ChaserRequests, DigestFigures, SeriesSteps
from bot.services.reminders import Reminders

_LOGGER = logging.getLogger(__name__)

ESCALATE = "escalate"
WAIT = "wait"
ALERT = "alert"
BEFORE = "before"
FOLLOW_UP = "follow_up"
EXPIRE = "expire"
DIGEST = "digest"
SERIES = "series"
# Reminders about a task in a volunteer's hands; they go when the task changes hands.
TASK_KINDS = (BEFORE, FOLLOW_UP)


@dataclass(eq=False, repr=False)
class Chaser:
    settings: Settings
    reminders: Reminders
    requests: ChaserRequests
    series: SeriesSteps
    stats: DigestFigures
    matchmaker: Matchmaker
    events: EventBus
    clock: Callable[[], float]

    def __post_init__(self) -> None:
        self.reminders.on(ESCALATE, self._escalate)
        self.reminders.on(WAIT, self._waited)
        self.reminders.on(ALERT, self._alert)
        self.reminders.on(BEFORE, self._before_task)
        self.reminders.on(FOLLOW_UP, self._follow_up)
        self.reminders.on(EXPIRE, self._expire)
        self.reminders.on(DIGEST, self._digest)
        self.reminders.on(SERIES, self._next_occurrence)

    # --- what the chaser does as a request moves (it subscribes to the events) ----------

    def expiry_of(self, when: When, due_at: float | None, created_at: float) -> float:
        """When an open request stops being worth answering."""
        if when is When.AT and due_at is not None:
            return due_at
        if when is When.TODAY:
            tz = self.settings.timezone
            local = datetime.fromtimestamp(created_at, tz)
            midnight = datetime.combine(
                local.date() + timedelta(days=1), datetime.min.time(), tzinfo=tz
            )
            return midnight.timestamp()
        return created_at + self.settings.expire_after_s

    async def opened(self, request: HelpRequest) -> None:
        """A new request: the coordinators' alert and its expiry, each scheduled once."""
        settings = self.settings
        await self.reminders.schedule(
            ALERT,
            request.created_at + settings.coordinator_alert_after_s,
            request.id,
            request_id=request.id,
        )
        if request.expires_at is not None:
            await self.reminders.schedule(
                EXPIRE, request.expires_at, request.id, request_id=request.id
            )

    async def pinged(self, request: HelpRequest, wave: int) -> None:
        """A wave went out: if nobody takes it, ask the next wave later."""
        await self.reminders.schedule(
            ESCALATE,
            self.clock() + self.settings.escalate_after_s,
            request.id,
            request.round,
            wave,
            request_id=request.id,
        )

    async def waiting(self, request: HelpRequest, wave: int, at: float) -> None:
        """Everyone left is in their quiet hours (or at their ping caps): ask again then.
        Coordinators' alerts are not held: theirs is scheduled from the request alone."""
        await self.reminders.schedule(
            WAIT, at, request.id, request.round, wave, int(at), request_id=request.id
        )

    async def claimed(self, request: HelpRequest) -> None:
        """Taken: no more escalation; remind the volunteer before, and ask after."""
        assert request.volunteer_id is not None
        await self.reminders.cancel(request.id, ESCALATE, WAIT)
        volunteer = request.volunteer_id
        if request.due_at is not None:
            before = request.due_at - self.settings.reminder_lead_s
            if before > self.clock():
                await self.reminders.schedule(
                    BEFORE,
                    before,
                    request.id,
                    request.round,
                    request_id=request.id,
                    user_id=volunteer,
                )
        start = request.due_at if request.due_at is not None else self.clock()
        await self.follow_up_later(request, start + self.settings.follow_up_after_s)

    async def follow_up_later(self, request: HelpRequest, at: float) -> None:
        await self.reminders.schedule(
            FOLLOW_UP,
            at,
            request.id,
            request.round,
            int(at),
            request_id=request.id,
            user_id=request.volunteer_id,
        )

    async def released(self, request: HelpRequest) -> None:
        await self.reminders.cancel(request.id, *TASK_KINDS)

    async def closed(self, request: HelpRequest) -> None:
        """Done, cancelled or expired: nothing more to chase."""
        await self.reminders.cancel(request.id)

    async def start_daily_digest(self, after: float | None = None) -> None:
        """Schedule the next digest after now (or `after`); keyed by its local date, so
        calling this at every start-up schedules it once."""
        digest_time = self.settings.digest_time
        if digest_time is None:
            return
        at = self._next_local(digest_time.hour, digest_time.minute, max(after or 0, self.clock()))
        day = datetime.fromtimestamp(at, self.settings.timezone).date().isoformat()
        await self.reminders.schedule(DIGEST, at, day)

    async def series_started(self, series: Series) -> None:
        """Post each occurrence some notice before it is due."""
        notice_at = max(self.clock(), series.next_due_at - self.settings.series_notice_s)
        await self.reminders.schedule(
            SERIES, notice_at, series.id, int(series.next_due_at), series_id=series.id
        )

    async def series_stopped(self, series_id: int) -> None:
        await self.reminders.cancel_series(series_id)

    # --- what each reminder does ---------------------------------------------------------

    async def _open_request(self, reminder: Reminder) -> HelpRequest | None:
        if reminder.request_id is None:
            return None
        request = await self.requests.get(reminder.request_id)
        return request if request and request.status is RequestStatus.OPEN else None

    async def _escalate(self, reminder: Reminder) -> None:
        request = await self._open_request(reminder)
        if request is None:
            return
        _, round_, wave = reminder.key.rsplit(":", 2)
        if int(round_) != request.round:
            return  # handed back since: the new round has its own escalations
        sent = await self.matchmaker.send_wave(request, after_wave=int(wave))
        if sent == 0:
            # Nobody nearer is left: a wider radius, if the group set one.
            await self.matchmaker.send_wave(request, after_wave=int(wave), stretch=True)

    async def _waited(self, reminder: Reminder) -> None:
        """The wait is over: the next wave, if the request is still open and nothing else
        asked anyone since (after_wave); it may wait again if everyone is still resting."""
        request = await self._open_request(reminder)
        if request is None:
            return
        _, round_, wave, _at = reminder.key.rsplit(":", 3)
        if int(round_) != request.round:
            return
        sent = await self.matchmaker.send_wave(request, after_wave=int(wave))
        if sent == 0:
            await self.matchmaker.send_wave(request, after_wave=int(wave), stretch=True)

    async def _alert(self, reminder: Reminder) -> None:
        request = await self._open_request(reminder)
        if request is None:
            return
        pinged = len(await self.matchmaker.pinged_volunteers(request.id))
        await self.events.record(AlertDue(request.id, pinged))

    async def _before_task(self, reminder: Reminder) -> None:
        request = await self._held_by(reminder)
        if request is None or request.volunteer_id is None:
            return
        await self.events.record(TaskSoon(request.id, request.volunteer_id))

    async def _follow_up(self, reminder: Reminder) -> None:
        request = await self._held_by(reminder)
        if request is None or request.volunteer_id is None:
            return
        await self.events.record(FollowUpDue(request.id, request.volunteer_id))

    async def _held_by(self, reminder: Reminder) -> HelpRequest | None:
        """The task, if the volunteer the reminder is for still holds it."""
        if reminder.request_id is None:
            return None
        request = await self.requests.get(reminder.request_id)
        if request is None or request.status is not RequestStatus.CLAIMED:
            return None
        return request if request.volunteer_id == reminder.user_id else None

    async def _expire(self, reminder: Reminder) -> None:
        if reminder.request_id is None:
            return
        async with self.events.recording() as record:
            expired = await self.requests.expire(reminder.request_id, self.clock())
            if expired is not None:
                record(RequestClosed(expired.id, "expired"))

    async def _digest(self, reminder: Reminder) -> None:
        await self.events.record(DigestDue(reminder.key.rsplit(":", 1)[-1]))
        await self.start_daily_digest(after=reminder.due_at)

    async def digest(self) -> Digest:
        """The figures of the coordinators' daily digest, as they stand now."""
        return await self.stats.digest(self.clock())

    async def _next_occurrence(self, reminder: Reminder) -> None:
        if reminder.series_id is None:
            return
        series = await self.series.get(reminder.series_id)
        if series is None or not series.active or series.requester_id is None:
            return
        upcoming = series.next_due_at
        following = self.next_in_series(series, upcoming)
        async with self.events.recording() as record:
            if not await self.series.advance(series.id, upcoming, following):
                return
            new = NewRequest(
                **series.need_fields(),
                when=When.AT,
                due_at=upcoming,
                safety_code=new_safety_code(),
                expires_at=upcoming,
                series_id=series.id,
            )
            request = await self.requests.create(new, self.clock())
            record(RequestOpened(request.id))
        _LOGGER.info("Series %s: request %s for its next occurrence", series.id, request.id)
        advanced = await self.series.get(series.id)
        if advanced is not None and advanced.active:
            await self.series_started(advanced)

    # --- time arithmetic in the group's zone (daylight saving included) -----------------

    def next_in_series(self, series: Series, due_at: float) -> float:
        """The occurrence after `due_at`, at the same local wall-clock time."""
        tz = self.settings.timezone
        local = datetime.fromtimestamp(due_at, tz)
        days = 7 if series.every == "weekly" else 1
        hour, minute = (int(part) for part in series.local_time.split(":"))
        nxt = datetime.combine(
            local.date() + timedelta(days=days),
            datetime.min.time().replace(hour=hour, minute=minute),
            tzinfo=tz,
        )
        return nxt.timestamp()

    def _next_local(self, hour: int, minute: int, after: float) -> float:
        """The first moment after `after` when local clocks show hour:minute."""
        tz = self.settings.timezone
        now = datetime.fromtimestamp(after, tz)
        today = datetime.combine(
            now.date(), datetime.min.time().replace(hour=hour, minute=minute), tzinfo=tz
        )
        if today <= now:
            today = datetime.combine(now.date() + timedelta(days=1), today.timetz())
        return today.timestamp()
