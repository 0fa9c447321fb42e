"""Offers with no Bot and no database (tests/support/fakes.py): who hears of an offer
(nearest first, a few a day, silently at night), who may take one, and how it ends.
End to end, with the races: test_offers.py."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.models import GroupChat, QuietHours
from bot.domain.offers import Listener, OfferDraft, OfferKind, OfferStatus, TakeOutcome
from bot.services.offers import Offers
from bot.services.reminders import Reminders
from tests.support.fakes import (
    Clock,
    FakeAlarm,
    FakeLinkedChats,
    FakeOfferBook,
    FakeOfferNews,
    FakePeople,
    FakeReminderBook,
    user,
)
from tests.support.street import HOUR, settings

LONDON = ZoneInfo("Europe/London")
HOME = (51.5, -0.1)
KM = 1 / 111.2  # degrees of latitude
OFFERER, ANNA, BEN, CARA, FRED = 400, 401, 402, 403, 404
CHAT = -1001
# Noon, and eleven at night, in London.
NOON = datetime(2026, 6, 10, 12, 0, tzinfo=LONDON).timestamp()
NIGHT = datetime(2026, 6, 10, 23, 0, tzinfo=LONDON).timestamp()


def _listener(
    user_id: int, km: float, *, own_quiet: bool = False, quiet_hours: QuietHours | None = None
) -> Listener:
    return Listener(user_id, HOME[0] + km * KM, HOME[1], own_quiet, quiet_hours)


# Anna and Ben within OFFER_RADIUS_KM (2), Cara at its edge, Fred beyond it (but inside
# the bounding box the repository searches).
LISTENERS = [_listener(BEN, 0.9), _listener(FRED, 2.4), _listener(ANNA, 0.3), _listener(CARA, 1.9)]


class Board:
    def __init__(
        self, listeners: list[Listener] = LISTENERS, now: float = NOON, **overrides: str
    ) -> None:
        self.clock = Clock(now)
        self.book = FakeOfferBook([*listeners, _listener(OFFERER, 0.0)])
        self.news = FakeOfferNews()
        self.reminders = Reminders(FakeReminderBook(), self.clock)
        self.alarm = FakeAlarm(self.clock)
        self.reminders.attach(self.alarm)
        people = FakePeople(
            *(user(i, n) for i, n in [(ANNA, "Anna"), (BEN, "Ben"), (CARA, "Cara")])
        )
        self.offers = Offers(
            settings(**{"OFFER_RADIUS_KM": "2", "QUIET_HOURS": "21:00-08:00", **overrides}),
            self.book,
            people,
            FakeLinkedChats([GroupChat(CHAT, "High Street")]),
            self.reminders,
            self.news,
            self.clock,
        )

    async def post(
        self, units: int = 2, hours: float = 3, by: int = OFFERER, km_north: float = 0.0
    ) -> int:
        until = self.clock.now + hours * HOUR
        lat, lon = HOME[0] + km_north * KM, HOME[1]
        draft = OfferDraft(OfferKind.MEAL, "Leek soup", units, until, lat, lon)
        return (await self.offers.post(by, draft)).offer.id

    async def later(self, seconds: float) -> None:
        self.clock.now += seconds
        await self.alarm.ring_due()


# --- who hears of it -------------------------------------------------------------------------


async def test_members_within_the_radius_hear_of_it_nearest_first_and_the_group_chat_too() -> None:
    b = Board()
    offer_id = await b.post()
    assert b.news.noticed() == [ANNA, BEN, CARA]  # not Fred, beyond; not the offerer
    assert b.news.posts == [(offer_id, CHAT)]


async def test_a_member_hears_of_at_most_the_days_cap_of_offers() -> None:
    b = Board(MAX_OFFER_NOTICES_PER_DAY="2")
    for _ in range(3):
        await b.post()
    assert [u for u in b.news.noticed() if u == ANNA] == [ANNA, ANNA]
    # A group chat has no cap.
    assert len(b.news.posts) == 3
    # The next local day, they hear again.
    b.clock.now += 24 * HOUR
    await b.post()
    assert b.news.noticed()[-3:] == [ANNA, BEN, CARA]


async def test_a_notice_that_could_not_be_sent_does_not_count_against_the_cap() -> None:
    b = Board(MAX_OFFER_NOTICES_PER_DAY="1")
    b.news.unreachable.add(ANNA)
    await b.post()
    b.news.unreachable.clear()
    await b.post()
    assert b.news.noticed() == [BEN, CARA, ANNA]


async def test_at_night_a_notice_arrives_without_a_sound_by_each_ones_own_hours() -> None:
    listeners = [
        _listener(ANNA, 0.3),  # the group's quiet hours
        _listener(BEN, 0.9, own_quiet=True),  # chose none at all
        _listener(CARA, 1.2, own_quiet=True, quiet_hours=QuietHours(23 * 60 + 30, 7 * 60)),
    ]
    b = Board(listeners, now=NIGHT)
    await b.post()
    assert [(u, silent) for _o, u, _km, silent in b.news.notices] == [
        (ANNA, True),
        (BEN, False),
        (CARA, False),
    ]
    # At noon nobody's notice is silent.
    b.clock.now = NOON + 86400
    await b.post()
    assert not any(silent for *_rest, silent in b.news.notices[3:])


# --- taking ----------------------------------------------------------------------------------


async def test_as_many_take_as_there_are_units_one_each_and_never_the_offerer() -> None:
    b = Board()
    offer_id = await b.post(units=2)
    assert (await b.offers.take(offer_id, OFFERER)).outcome is TakeOutcome.OWN
    first = await b.offers.take(offer_id, ANNA)
    assert first.outcome is TakeOutcome.OK
    assert first.take is not None
    assert first.take.taker_name == "Anna"
    assert (await b.offers.take(offer_id, ANNA)).outcome is TakeOutcome.ALREADY
    assert (await b.offers.take(offer_id, BEN)).outcome is TakeOutcome.OK
    assert (await b.offers.take(offer_id, CARA)).outcome is TakeOutcome.GONE
    assert (await b.offers.take(offer_id + 1, CARA)).outcome is TakeOutcome.NOT_FOUND


async def test_the_offerer_hears_of_each_taker_and_the_last_unit_retires_every_notice() -> None:
    b = Board()
    offer_id = await b.post(units=2)
    await b.offers.told_of(await b.offers.take(offer_id, ANNA))
    assert b.news.taken_news == [(offer_id, ANNA, "Anna")]
    assert b.news.retired == []
    # Every notice and post now says one is left.
    assert sorted(b.news.refreshed) == sorted((offer_id, c, 1) for c in (ANNA, BEN, CARA, CHAT))
    assert b.book.told(offer_id) == dict.fromkeys([ANNA, BEN, CARA, CHAT], "open:1")
    await b.offers.told_of(await b.offers.take(offer_id, BEN))
    assert b.news.taken_news[-1] == (offer_id, BEN, "Ben")
    assert b.book.told(offer_id) == dict.fromkeys([ANNA, BEN, CARA, CHAT], "gone")
    # A refused take tells nobody anything.
    await b.offers.told_of(await b.offers.take(offer_id, CARA))
    assert len(b.news.taken_news) == 2


async def test_news_of_a_take_never_edits_a_notice_back_to_an_older_count_or_to_open() -> None:
    b = Board()
    offer_id = await b.post(units=4, hours=3)
    first = await b.offers.take(offer_id, ANNA)
    # Ben takes one before Anna's take is told (another update, handled meanwhile).
    await b.offers.told_of(await b.offers.take(offer_id, BEN))
    await b.offers.told_of(first)
    assert b.book.told(offer_id) == dict.fromkeys([ANNA, BEN, CARA, CHAT], "open:2")

    late = await b.offers.take(offer_id, CARA)
    await b.later(3 * HOUR)  # it ends at its time before Cara's take is told
    await b.offers.told_of(late)
    assert b.book.told(offer_id) == dict.fromkeys([ANNA, BEN, CARA, CHAT], "expired")


# --- ending ----------------------------------------------------------------------------------


async def test_only_its_offerer_closes_it_and_every_notice_then_says_so() -> None:
    b = Board()
    offer_id = await b.post()
    assert await b.offers.close(offer_id, ANNA) is None
    closed = await b.offers.close(offer_id, OFFERER)
    assert closed is not None
    assert closed.status is OfferStatus.CLOSED
    assert b.book.told(offer_id) == dict.fromkeys([ANNA, BEN, CARA, CHAT], "closed")
    assert (await b.offers.take(offer_id, ANNA)).outcome is TakeOutcome.GONE
    assert await b.offers.close(offer_id, OFFERER) is None


async def test_at_its_time_it_ends_and_the_offerer_hears_who_took_one() -> None:
    b = Board()
    offer_id = await b.post(units=3, hours=3)
    await b.offers.take(offer_id, BEN)
    await b.later(3 * HOUR - 1)
    assert b.news.ended_news == []
    await b.later(1)
    assert b.news.ended_news == [(offer_id, [BEN])]
    assert b.book.told(offer_id) == dict.fromkeys([ANNA, BEN, CARA, CHAT], "expired")


async def test_an_offer_closed_early_does_not_end_again_at_its_time() -> None:
    b = Board()
    offer_id = await b.post(hours=3)
    await b.offers.close(offer_id, OFFERER)
    retired = len(b.news.retired)
    await b.later(3 * HOUR)
    assert b.news.ended_news == []
    assert len(b.news.retired) == retired


async def test_notices_are_edited_once_and_one_telegram_would_not_edit_is_tried_again() -> None:
    b = Board()
    offer_id = await b.post(units=1)
    b.news.stuck.add(BEN)
    taken = await b.offers.take(offer_id, ANNA)
    await b.offers.told_of(taken)
    assert b.book.told(offer_id) == {ANNA: "gone", BEN: "open", CARA: "gone", CHAT: "gone"}
    b.news.stuck.clear()
    await b.offers.told_of(taken)  # the same news handed on again
    assert b.book.told(offer_id)[BEN] == "gone"
    assert sorted(chat for _o, chat, _s in b.news.retired) == sorted([ANNA, BEN, CARA, CHAT])


async def test_someone_erased_has_their_open_offers_closed() -> None:
    b = Board()
    first, second = await b.post(), await b.post()
    await b.offers.close(first, OFFERER)
    assert await b.offers.withdraw_all_of(OFFERER) == 1
    assert (await b.offers.get(second)) is not None
    assert b.book.told(second)[ANNA] == "closed"


# --- what people see ---------------------------------------------------------------------------


async def test_offers_nearby_are_listed_nearest_first_without_ones_own() -> None:
    b = Board()
    further = await b.post(by=OFFERER, km_north=1.0)
    mine = await b.post(by=ANNA)
    nearer = await b.post(by=OFFERER)
    listed = await b.offers.nearby(*HOME, ANNA)
    assert [n.offer.id for n in listed] == [nearer, further]
    assert mine not in [n.offer.id for n in listed]
    assert await b.offers.nearby(HOME[0] - 2.5 * KM, HOME[1], BEN) == []
