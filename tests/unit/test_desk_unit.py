"""The help desk's rules with no Bot and no database (tests/support/street.py): who may
take, hand back, finish or cancel a request, which one of two presses wins, and which
events each transition records for the subscribers. End to end: test_help_loop.py,
test_lifecycle.py, test_races.py."""

from __future__ import annotations

import pytest

from bot.domain.events import (
    DetailsAdded,
    HelpMissed,
    RequestClaimed,
    RequestClosed,
    RequestDone,
    RequestOpened,
    RequestReleased,
    WaveSent,
)
from bot.domain.models import (
    Category,
    HelpRequest,
    RequestDraft,
    RequestStatus,
    VolunteerStatus,
    When,
)
from bot.domain.results import Limit, Outcome
from tests.support.fakes import candidate, user, volunteer
from tests.support.street import HOUR, Street

REQUESTER, OTHER, COORDINATOR = 900, 901, 950
NEAR, MIDDLE, FAR = 301, 302, 303
PENDING, HELD = 310, 311
NEAREST = [candidate(NEAR, 0.4), candidate(MIDDLE, 0.9), candidate(FAR, 1.5)]


def _draft(when: When = When.ASAP, due_at: float | None = None) -> RequestDraft:
    return RequestDraft(
        Category.GROCERIES, "Milk and bread", "1 High St", 51.5, -0.1, when, due_at
    )


def _street(**settings: str) -> Street:
    return Street(
        NEAREST,
        others=(
            volunteer(PENDING, status=VolunteerStatus.PENDING),
            volunteer(HELD, held=True),
        ),
        users=(user(REQUESTER), user(NEAR, "Nia"), user(MIDDLE), user(FAR)),
        coordinators=(COORDINATOR,),
        **settings,
    )


async def _opened(s: Street, draft: RequestDraft | None = None) -> HelpRequest:
    request = await s.desk.submit(REQUESTER, draft or _draft())
    await s.desk.announce(request)
    return await s.request(request.id)


async def _taken(s: Street, by: int = NEAR) -> HelpRequest:
    request = await _opened(s)
    assert (await s.desk.accept(request.id, by)).outcome is Outcome.OK
    return await s.request(request.id)


def _since(s: Street, request: HelpRequest) -> list[object]:
    """The events recorded since the request was opened and its first wave asked."""
    added = s.outbox.added
    first = next(
        i for i, e in enumerate(added) if isinstance(e, WaveSent) and e.request_id == request.id
    )
    return added[first + 1 :]


# --- asking ----------------------------------------------------------------------------------


async def test_a_new_request_asks_nobody_until_its_requester_has_their_answer() -> None:
    s = _street()
    request = await s.desk.submit(REQUESTER, _draft())
    # Saved with its event held: the requester's confirmation goes first.
    assert s.outbox.added == [RequestOpened(request.id)]
    assert s.pings.pings == []
    assert await s.desk.announce(request) == 2
    assert s.outbox.added == [
        RequestOpened(request.id),
        WaveSent(request.id, 1, 1, (NEAR, MIDDLE)),
    ]
    # A press repeated after a fault starts nothing twice.
    assert await s.desk.announce(request) == 0
    assert len(s.outbox.added) == 2


async def test_a_requester_at_their_limit_of_requests_is_told_which_limit() -> None:
    s = _street(MAX_OPEN_REQUESTS="2", MAX_REQUESTS_PER_DAY="3")
    await _opened(s)
    assert await s.desk.limit_reached(REQUESTER) is None
    second = await _opened(s)
    assert await s.desk.limit_reached(REQUESTER) is Limit.OPEN
    await s.desk.cancel(second.id, REQUESTER)
    third = await _opened(s)
    await s.desk.cancel(third.id, REQUESTER)
    # One open, but three asked for in the last 24 hours: cancelling does not undo them.
    assert await s.desk.limit_reached(REQUESTER) is Limit.DAILY
    s.clock.now += 86400 + 1  # a rolling day
    assert await s.desk.limit_reached(REQUESTER) is None
    assert await s.desk.limit_reached(OTHER) is None


# --- taking ----------------------------------------------------------------------------------


async def test_of_two_volunteers_pressing_accept_the_first_takes_it() -> None:
    s = _street()
    request = await _opened(s)
    won = await s.desk.accept(request.id, NEAR)
    lost = await s.desk.accept(request.id, MIDDLE)
    assert (won.outcome, lost.outcome) == (Outcome.OK, Outcome.TOO_LATE)
    assert won.details_sent
    assert _since(s, request) == [RequestClaimed(request.id, NEAR)]
    assert (await s.request(request.id)).volunteer_id == NEAR
    assert s.pings.answers(request.id) == {NEAR: "accepted", MIDDLE: None}


async def test_accept_pressed_twice_by_the_taker_is_taken_once() -> None:
    s = _street()
    request = await _opened(s)
    await s.desk.accept(request.id, NEAR)
    again = await s.desk.accept(request.id, NEAR)
    assert again.outcome is Outcome.ALREADY
    assert _since(s, request) == [RequestClaimed(request.id, NEAR)]


@pytest.mark.parametrize(
    ("who", "outcome"),
    [
        (FAR, Outcome.NOT_YOURS),  # not asked yet: a forwarded button
        (PENDING, Outcome.NOT_YOURS),  # not approved
        (HELD, Outcome.ON_HOLD),  # a coordinator's hold, whatever ping they have
        (REQUESTER, Outcome.NOT_YOURS),
    ],
)
async def test_only_an_approved_volunteer_it_was_offered_to_may_take_it(
    who: int, outcome: Outcome
) -> None:
    s = _street()
    request = await _opened(s)
    assert (await s.desk.accept(request.id, who)).outcome is outcome
    assert _since(s, request) == []
    assert (await s.request(request.id)).status is RequestStatus.OPEN


async def test_a_button_not_offered_to_them_is_too_late_once_someone_took_it() -> None:
    s = _street()
    request = await _taken(s)
    assert (await s.desk.accept(request.id, FAR)).outcome is Outcome.TOO_LATE


async def test_a_taker_whose_address_message_never_arrived_is_told_so() -> None:
    s = _street()
    s.unreachable.add(NEAR)
    request = await _opened(s)
    taken = await s.desk.accept(request.id, NEAR)
    assert taken.outcome is Outcome.OK
    assert not taken.details_sent


async def test_a_coordinator_hands_it_to_someone_never_asked() -> None:
    s = _street()
    request = await _opened(s)
    result = await s.desk.assign(request.id, FAR, COORDINATOR)
    assert result.outcome is Outcome.OK
    assert _since(s, request) == [RequestClaimed(request.id, FAR, COORDINATOR)]
    assert (request.id, COORDINATOR, f"assigned:{FAR}") in [a[:3] for a in s.requests.audit]


async def test_from_the_group_chat_whoever_handed_it_back_may_not_take_it_again() -> None:
    s = _street()
    request = await _taken(s)
    await s.desk.release(request.id, NEAR)
    again = await s.desk.take_offer(request.id, NEAR)
    assert again.outcome is Outcome.HANDED_BACK
    # Someone never asked may, from the group chat's button.
    assert (await s.desk.take_offer(request.id, FAR)).outcome is Outcome.OK
    assert s.outbox.added[-1] == RequestClaimed(request.id, FAR)


async def test_checked_only_help_is_taken_from_the_group_chat_by_checked_volunteers_only() -> None:
    s = _street(CHECKED_CATEGORIES="groceries")
    request = await _opened(s)
    assert (await s.desk.take_offer(request.id, FAR)).outcome is Outcome.NEEDS_CHECK


async def test_someone_who_blocked_the_bot_cannot_take_it_from_the_group_chat() -> None:
    s = _street()
    s.people.by_id[FAR] = user(FAR, blocked=True)
    request = await _opened(s)
    assert (await s.desk.take_offer(request.id, FAR)).outcome is Outcome.NOT_YOURS
    assert (await s.request(request.id)).status is RequestStatus.OPEN


# --- handing back, finishing, cancelling ------------------------------------------------------


async def test_only_the_volunteer_who_has_it_may_hand_it_back() -> None:
    s = _street()
    request = await _taken(s)
    assert (await s.desk.release(request.id, MIDDLE)).outcome is Outcome.NOT_YOURS
    assert _since(s, request) == [RequestClaimed(request.id, NEAR)]
    released = await s.desk.release(request.id, NEAR)
    assert released.outcome is Outcome.OK
    assert released.request is not None
    assert released.request.round == 2
    events = _since(s, request)
    assert events[1] == RequestReleased(request.id, NEAR, "released")
    # The next round asks others first; the one who handed it back is never asked again.
    assert events[2] == WaveSent(request.id, 2, 1, (MIDDLE, FAR))
    # A second press of the same button is a stale one.
    assert (await s.desk.release(request.id, NEAR)).outcome is Outcome.TOO_LATE


async def test_handed_back_after_its_time_nobody_is_asked_for_a_time_that_has_gone() -> None:
    s = _street()
    due = s.clock.now + 2 * HOUR
    request = await s.desk.submit(REQUESTER, _draft(When.AT, due))
    await s.desk.announce(request)
    await s.desk.accept(request.id, NEAR)
    s.clock.now = due + 60
    await s.desk.release(request.id, NEAR)
    assert s.outbox.added[-1] == RequestReleased(request.id, NEAR, "passed")
    assert await s.pings.for_request(request.id, 2) == []
    # Its requester chooses "as soon as possible": volunteers are asked again.
    assert (await s.desk.rebook_asap(request.id, OTHER)).outcome is Outcome.NOT_YOURS
    assert (await s.desk.rebook_asap(request.id, REQUESTER)).outcome is Outcome.OK
    assert s.outbox.added[-2:] == [
        RequestReleased(request.id, None, "rebooked"),
        WaveSent(request.id, 2, 1, (MIDDLE, FAR)),
    ]
    assert (await s.desk.rebook_asap(request.id, REQUESTER)).outcome is Outcome.ALREADY


async def test_only_its_volunteer_says_it_is_done_and_only_once() -> None:
    s = _street()
    request = await _taken(s)
    assert (await s.desk.complete(request.id, MIDDLE)).outcome is Outcome.NOT_YOURS
    assert (await s.desk.complete(request.id, NEAR)).outcome is Outcome.OK
    assert (await s.desk.complete(request.id, NEAR)).outcome is Outcome.ALREADY
    assert _since(s, request)[1:] == [RequestDone(request.id, NEAR)]
    # Nothing is chased any more: no escalation, alert, expiry or follow-up is left.
    assert s.pending() == {}


async def test_a_requester_cancels_their_own_request_and_its_volunteer_hears() -> None:
    s = _street()
    request = await _taken(s)
    assert (await s.desk.cancel(request.id, OTHER)).outcome is Outcome.NOT_YOURS
    assert (await s.desk.cancel(request.id, REQUESTER)).outcome is Outcome.OK
    assert (await s.desk.cancel(request.id, REQUESTER)).outcome is Outcome.ALREADY
    assert _since(s, request)[1:] == [RequestClosed(request.id, "cancelled", NEAR, REQUESTER)]
    assert s.pending() == {}


async def test_a_coordinator_closes_a_request_nobody_could_take() -> None:
    s = _street()
    request = await _opened(s)
    assert (await s.desk.close_stuck(request.id, COORDINATOR)).outcome is Outcome.OK
    assert (await s.desk.close_stuck(request.id, COORDINATOR)).outcome is Outcome.ALREADY
    assert _since(s, request) == [RequestClosed(request.id, "closed", None, COORDINATOR)]


async def test_a_decline_is_counted_once_and_only_from_someone_asked() -> None:
    s = _street()
    request = await _opened(s)
    assert (await s.desk.decline(request.id, FAR)).outcome is Outcome.NOT_YOURS
    assert (await s.desk.decline(request.id, NEAR)).outcome is Outcome.OK
    assert (await s.desk.decline(request.id, NEAR)).outcome is Outcome.ALREADY
    # MIDDLE is still deciding: nobody more is asked yet.
    assert _since(s, request) == []
    await s.desk.decline(request.id, MIDDLE)
    assert _since(s, request) == [WaveSent(request.id, 1, 2, (FAR,))]


# --- asking again for the same need, and afterwards --------------------------------------------


async def test_details_added_to_a_taken_request_go_to_its_volunteer() -> None:
    s = _street()
    request = await _opened(s)
    assert (await s.desk.add_to(request.id, "and eggs", OTHER)).outcome is Outcome.NOT_YOURS
    assert (await s.desk.add_to(request.id, "and eggs", REQUESTER)).outcome is Outcome.OK
    assert _since(s, request) == []  # open: the pings show it; nobody is told
    await s.desk.accept(request.id, NEAR)
    added = await s.desk.add_to(request.id, "and tea", REQUESTER)
    assert added.request is not None
    assert added.request.description.endswith("➕ and tea")
    assert _since(s, request)[-1] == DetailsAdded(request.id, NEAR, "and tea")
    too_long = await s.desk.add_to(request.id, "x" * 1500, REQUESTER)
    assert too_long.outcome is Outcome.ALREADY
    await s.desk.complete(request.id, NEAR)
    assert (await s.desk.add_to(request.id, "more", REQUESTER)).outcome is Outcome.TOO_LATE


async def test_someone_not_helped_is_news_for_the_coordinators_once() -> None:
    s = _street()
    helped = await _taken(s)
    await s.desk.complete(helped.id, NEAR)
    assert (await s.desk.record_feedback(helped.id, REQUESTER, True)).outcome is Outcome.OK
    request = await _taken(s)
    await s.desk.complete(request.id, NEAR)
    assert (await s.desk.record_feedback(request.id, OTHER, False)).outcome is Outcome.NOT_YOURS
    assert (await s.desk.record_feedback(request.id, REQUESTER, False)).outcome is Outcome.OK
    again = await s.desk.record_feedback(request.id, REQUESTER, False)
    assert again.outcome is Outcome.ALREADY
    assert [e for e in s.outbox.added if isinstance(e, HelpMissed)] == [HelpMissed(request.id)]
