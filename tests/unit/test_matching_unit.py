"""Matching's waves with no Bot and no database (tests/support/fakes.py): who a wave
asks, in which order, and what it records for the subscribers; the repeats a crash or a
second press would cause ask nobody twice. End to end: test_matching.py."""

from __future__ import annotations

import pytest

from bot.domain.events import NobodyLeft, WaveDeferred, WaveSent
from bot.domain.models import Candidate, Category, HelpRequest, RequestStatus
from bot.services.matching import Matchmaker
from tests.support import street
from tests.support.fakes import (
    Clock,
    FakeCandidateSearch,
    FakePings,
    FakeRequests,
    candidate,
    help_request,
    recording_bus,
)

REQUESTER, REQUEST = 900, 7


def _candidate(user_id: int, km: float, held_until: float | None = None) -> Candidate:
    """A volunteer checked for every kind of help."""
    return candidate(user_id, km, held_until, checked=True)


class Matching:
    def __init__(
        self,
        nearest_first: list[Candidate],
        held: list[Candidate] | None = None,
        request: HelpRequest | None = None,
        **settings: str,
    ) -> None:
        self.clock = Clock()
        self.requests = FakeRequests(request or help_request(REQUEST, REQUESTER))
        self.pings = FakePings()
        self.search = FakeCandidateSearch(nearest_first, self.pings, held)
        bus, self.outbox = recording_bus(self.clock)
        self.matchmaker = Matchmaker(
            street.settings(**settings), self.search, self.requests, self.pings, bus, self.clock
        )

    async def request(self) -> HelpRequest:
        request = await self.requests.get(REQUEST)
        assert request is not None
        return request


NEAREST = [_candidate(301, 0.4), _candidate(302, 0.9), _candidate(303, 1.5)]


async def test_the_first_wave_asks_the_nearest_few_and_records_them_in_order() -> None:
    m = Matching(NEAREST)
    assert await m.matchmaker.first_wave(REQUEST) == 2
    assert m.outbox.added == [WaveSent(REQUEST, 1, 1, (301, 302))]
    assert [(p.volunteer_id, p.wave) for p in m.pings.pings] == [(301, 1), (302, 1)]
    assert (await m.request()).announced_at == m.clock.now
    # The requester is never asked about their own request.
    assert m.search.calls[0].exclude == {REQUESTER}
    assert m.search.calls[0].limit == 2


async def test_the_first_wave_delivered_again_after_a_crash_asks_nobody_more() -> None:
    m = Matching(NEAREST)
    await m.matchmaker.first_wave(REQUEST)
    assert await m.matchmaker.first_wave(REQUEST) == 0
    assert len(m.pings.pings) == 2
    assert len(m.outbox.added) == 1


async def test_nobody_to_ask_and_nobody_resting_is_news_for_the_coordinators() -> None:
    m = Matching([])
    assert await m.matchmaker.first_wave(REQUEST) == 0
    assert m.outbox.added == [NobodyLeft(REQUEST)]
    assert (await m.request()).announced_at is not None


async def test_when_everyone_left_is_resting_the_wave_waits_for_the_first_of_them() -> None:
    at = Clock().now + 3600
    m = Matching([], held=[_candidate(304, 0.5, at + 600), _candidate(305, 2.0, at)])
    assert await m.matchmaker.first_wave(REQUEST) == 0
    # Nobody is told "nobody nearby" about a request that waits.
    assert m.outbox.added == [WaveDeferred(REQUEST, 1, 0, at)]


async def test_an_escalation_asks_the_next_wave_once() -> None:
    m = Matching(NEAREST)
    await m.matchmaker.first_wave(REQUEST)
    request = await m.request()
    assert await m.matchmaker.send_wave(request, after_wave=1) == 1
    assert m.outbox.added[-1] == WaveSent(REQUEST, 1, 2, (303,))
    # The same escalation firing again (or after a decline moved on) asks nobody.
    assert await m.matchmaker.send_wave(request, after_wave=1) == 0
    assert len(m.outbox.added) == 2


async def test_a_decline_moves_on_only_when_nobody_in_the_round_is_still_deciding() -> None:
    m = Matching(NEAREST)
    await m.matchmaker.first_wave(REQUEST)
    request = await m.request()
    m.pings.answer(301, "declined")
    m.pings.answer(302, None)  # sent, not answered yet
    await m.matchmaker.after_decline(request)
    assert len(m.outbox.added) == 1
    m.pings.answer(302, "declined")
    await m.matchmaker.after_decline(request)
    assert m.outbox.added[-1] == WaveSent(REQUEST, 1, 2, (303,))
    m.pings.answer(303, "declined")
    await m.matchmaker.after_decline(request)
    assert m.outbox.added[-1] == NobodyLeft(REQUEST)


async def test_a_coordinator_asking_everyone_asks_past_the_wave_size() -> None:
    m = Matching(NEAREST)
    asked, waits_for = await m.matchmaker.ask_everyone(await m.request())
    assert (asked, waits_for) == (3, None)
    assert m.search.calls[0].limit is None
    assert m.outbox.added == [WaveSent(REQUEST, 1, 1, (301, 302, 303))]


async def test_a_handed_back_request_starts_a_new_round_from_the_first_wave() -> None:
    m = Matching(NEAREST)
    await m.matchmaker.first_wave(REQUEST)
    m.requests.by_id[REQUEST] = help_request(REQUEST, REQUESTER, round_=2)
    assert await m.matchmaker.first_wave(REQUEST) == 2
    assert m.outbox.added[-1] == WaveSent(REQUEST, 2, 1, (301, 302))


async def test_a_taken_request_is_not_asked_about() -> None:
    m = Matching(NEAREST)
    m.requests.by_id[REQUEST] = help_request(REQUEST, REQUESTER, status=RequestStatus.CLAIMED)
    assert await m.matchmaker.first_wave(REQUEST) == 0
    assert m.outbox.added == []


@pytest.mark.parametrize(
    ("category", "settings", "any_distance", "needs_check"),
    [
        (Category.PHONE_CALL, {}, True, False),
        (Category.GROCERIES, {}, False, False),
        (Category.DOG_WALKING, {"CHECKED_CATEGORIES": "dog_walking"}, False, True),
    ],
)
async def test_what_the_search_is_asked_for_follows_the_kind_of_help(
    category: Category, settings: dict[str, str], any_distance: bool, needs_check: bool
) -> None:
    m = Matching(NEAREST, request=help_request(REQUEST, REQUESTER, category=category), **settings)
    await m.matchmaker.first_wave(REQUEST)
    call = m.search.calls[0]
    assert (call.any_distance, call.needs_check) == (any_distance, needs_check)


async def test_with_stretch_nobody_near_enough_asks_those_just_beyond_their_radius() -> None:
    m = Matching([], ESCALATE_STRETCH_KM="1.5")
    await m.matchmaker.first_wave(REQUEST)
    assert [c.stretch_km for c in m.search.calls if not c.held] == [0.0, 1.5]
