"""Safeguarding's rules with no Bot and no database (tests/support/fakes.py): who may
raise a concern about a request, that the coordinators hear of it at once and one of them
takes it, money over the cap, and a coordinator's look at a request written down.
End to end: test_safeguarding.py, test_money_settled.py."""

from __future__ import annotations

from bot.domain.models import Category, RequestStatus
from bot.domain.results import Outcome
from bot.services.safeguarding import Safeguarding
from tests.support.fakes import (
    Clock,
    FakeCoordinators,
    FakePeople,
    FakePings,
    FakeRequests,
    FakeSafeguardingBook,
    FakeSafeguardingNews,
    help_request,
    user,
)
from tests.support.street import settings

REQUESTER, VOLUNTEER, ASKED, STRANGER = 900, 301, 302, 999
COORDINATOR, OTHER_COORDINATOR = 950, 951
SHOPPING, CHAT, BY_PHONE, CALL = 7, 8, 9, 10


class Desk:
    def __init__(self, **overrides: str) -> None:
        self.clock = Clock()
        done, taken = RequestStatus.DONE, RequestStatus.CLAIMED
        self.requests = FakeRequests(
            help_request(SHOPPING, REQUESTER, status=done, volunteer_id=VOLUNTEER),
            help_request(CHAT, REQUESTER, status=taken, volunteer_id=VOLUNTEER),
            # Taken over the phone: no requester on Telegram.
            help_request(
                BY_PHONE, None, status=done, volunteer_id=VOLUNTEER, contact_phone="0770"
            ),
            help_request(
                CALL, REQUESTER, category=Category.PHONE_CALL, status=done, volunteer_id=VOLUNTEER
            ),
        )
        self.pings = FakePings()
        self.book = FakeSafeguardingBook(self.requests, self.pings)
        self.news = FakeSafeguardingNews()
        self.coordinators = FakeCoordinators({COORDINATOR, OTHER_COORDINATOR})
        people = FakePeople(
            user(REQUESTER, "Rita"), user(VOLUNTEER, "Vic"), user(COORDINATOR, "Cora")
        )
        self.safeguarding = Safeguarding(
            settings(SPEND_CAP="30", **overrides),
            self.book,
            self.requests,
            people,
            self.coordinators,
            self.news,
            self.clock,
        )


# --- concerns ----------------------------------------------------------------------------------


async def test_only_someone_involved_in_a_request_may_raise_a_concern_about_it() -> None:
    d = Desk()
    await d.pings.add(CHAT, ASKED, 1, 1, 0.5, d.clock.now)
    assert await d.safeguarding.may_raise_about(REQUESTER, CHAT)
    assert await d.safeguarding.may_raise_about(VOLUNTEER, CHAT)
    assert await d.safeguarding.may_raise_about(ASKED, CHAT)  # asked, never took it
    assert not await d.safeguarding.may_raise_about(STRANGER, CHAT)
    assert not await d.safeguarding.may_raise_about(REQUESTER, 404)


async def test_a_concern_reaches_the_coordinators_at_once_with_the_reporters_role() -> None:
    d = Desk()
    reached = await d.safeguarding.raise_concern(VOLUNTEER, CHAT, "Nobody answered the door")
    assert reached == 2
    assert d.news.concerns == [
        (1, CHAT, VOLUNTEER, "Vic", "volunteer", "Nobody answered the door")
    ]
    await d.safeguarding.raise_concern(STRANGER, None, "Worried about a neighbour")
    assert d.news.concerns[-1][1:5] == (None, STRANGER, "", "other")


async def test_the_first_coordinator_to_say_im_on_it_has_the_concern() -> None:
    d = Desk()
    await d.safeguarding.raise_concern(REQUESTER, CHAT, "They asked for my bank card")
    assert await d.safeguarding.take_concern(COORDINATOR, 1) == (Outcome.OK, "Cora")
    assert await d.safeguarding.take_concern(OTHER_COORDINATOR, 1) == (Outcome.ALREADY, "Cora")
    assert await d.safeguarding.take_concern(COORDINATOR, 2) is None


# --- money -------------------------------------------------------------------------------------


async def test_a_spend_over_the_cap_tells_the_coordinators_and_one_within_it_does_not() -> None:
    d = Desk()
    assert await d.safeguarding.record_spend(VOLUNTEER, SHOPPING, 3000) is False
    assert d.news.over_caps == []
    assert await d.safeguarding.record_spend(VOLUNTEER, SHOPPING, 3001) is True
    assert d.news.over_caps == [(SHOPPING, VOLUNTEER, "Vic", 3001, 3000, "Rita")]
    assert (None, "spend:over_cap", SHOPPING, "3001") in d.book.audit


async def test_only_the_volunteer_who_did_a_done_shopping_task_records_what_it_cost() -> None:
    d = Desk()
    assert await d.safeguarding.record_spend(ASKED, SHOPPING, 500) is None
    assert await d.safeguarding.record_spend(VOLUNTEER, CHAT, 500) is None  # not done yet
    assert await d.safeguarding.spending_task(VOLUNTEER, CHAT) is None  # no money asked yet
    assert await d.safeguarding.record_spend(VOLUNTEER, CALL, 500) is None  # nothing bought
    assert await d.safeguarding.record_spend(VOLUNTEER, SHOPPING, 500) is False
    assert (await d.safeguarding.owed())[:2] == (1, 500)


async def test_over_the_cap_the_receipt_goes_to_the_coordinators_and_locks_the_amount() -> None:
    d = Desk()
    await d.safeguarding.record_spend(VOLUNTEER, SHOPPING, 4500)
    assert await d.safeguarding.record_receipt(VOLUNTEER, SHOPPING, "photo-1")
    assert d.news.receipts == [(SHOPPING, 4500, "photo-1")]
    # Settled: the volunteer can't change it now; a coordinator can.
    assert await d.safeguarding.record_spend(VOLUNTEER, SHOPPING, 100) is None
    assert await d.safeguarding.correct_spend(COORDINATOR, SHOPPING, 4000) is not None
    spending = await d.safeguarding.spending(SHOPPING)
    assert spending is not None
    assert spending.pence == 4000


async def test_a_receipt_within_the_cap_stays_with_the_bot() -> None:
    d = Desk()
    await d.safeguarding.record_spend(VOLUNTEER, SHOPPING, 1200)
    assert await d.safeguarding.record_receipt(VOLUNTEER, SHOPPING, "photo-1")
    assert d.news.receipts == []


async def test_paid_back_by_its_requester_or_for_a_phone_request_a_coordinator() -> None:
    d = Desk()
    for request_id in (SHOPPING, BY_PHONE):
        await d.safeguarding.record_spend(VOLUNTEER, request_id, 800)
        await d.safeguarding.settle_without_receipt(VOLUNTEER, request_id)
    assert (await d.safeguarding.paid_back(STRANGER, SHOPPING)).outcome is Outcome.NOT_YOURS
    assert (await d.safeguarding.paid_back(REQUESTER, SHOPPING)).outcome is Outcome.OK
    assert (await d.safeguarding.paid_back(REQUESTER, SHOPPING)).outcome is Outcome.ALREADY
    assert (await d.safeguarding.paid_back(STRANGER, BY_PHONE)).outcome is Outcome.NOT_YOURS
    assert (await d.safeguarding.paid_back(COORDINATOR, BY_PHONE)).outcome is Outcome.OK
    assert (await d.safeguarding.owed())[:2] == (0, 0)


# --- a coordinator's look ------------------------------------------------------------------------


async def test_a_coordinators_look_at_a_requests_details_is_written_down() -> None:
    d = Desk()
    await d.safeguarding.raise_concern(REQUESTER, CHAT, "Late again")
    details = await d.safeguarding.details(COORDINATOR, CHAT)
    assert details is not None
    assert (details.requester_name, details.volunteer_name) == ("Rita", "Vic")
    assert [c.text for c in details.concerns] == ["Late again"]
    assert (COORDINATOR, "details:viewed", CHAT, str(REQUESTER)) in d.book.audit
    assert await d.safeguarding.details(COORDINATOR, 404) is None
