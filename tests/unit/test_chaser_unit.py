"""The chaser's timing with no JobQueue and no database (tests/support/street.py): when
an unanswered request asks its next wave, waits for quiet hours to end, alerts the
coordinators and expires, when its volunteer is reminded and asked how it went, and the
daily digest and repeating help at the same local time across a change of the clocks.
End to end: test_reminders.py, test_lifecycle.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.events import (
    AlertDue,
    DigestDue,
    FollowUpDue,
    RequestClosed,
    RequestOpened,
    TaskSoon,
    WaveDeferred,
    WaveSent,
)
from bot.domain.models import Category, HelpRequest, RequestDraft, When
from tests.support.fakes import candidate, user
from tests.support.street import HOUR, Street

LONDON = ZoneInfo("Europe/London")
REQUESTER = 900
NEAR, MIDDLE, FAR = 301, 302, 303
NEAREST = [candidate(NEAR, 0.4), candidate(MIDDLE, 0.9), candidate(FAR, 1.5)]
ESCALATE = 900.0  # the default ESCALATE_AFTER_S
# Saturday 24 October 2026, noon in London: the clocks go back that night.
BEFORE_THE_CLOCKS_GO_BACK = datetime(2026, 10, 24, 12, 0, tzinfo=LONDON).timestamp()


def _street(**settings: str) -> Street:
    return Street(NEAREST, users=(user(REQUESTER),), **settings)


def _draft(when: When = When.ASAP, due_at: float | None = None) -> RequestDraft:
    return RequestDraft(
        Category.GROCERIES, "Milk and bread", "1 High St", 51.5, -0.1, when, due_at
    )


async def _opened(s: Street, when: When = When.ASAP, due_at: float | None = None) -> HelpRequest:
    request = await s.desk.submit(REQUESTER, _draft(when, due_at))
    await s.desk.announce(request)
    return await s.request(request.id)


def _waves(s: Street) -> list[tuple[int, tuple[int, ...]]]:
    return [(e.wave, e.volunteer_ids) for e in s.outbox.added if isinstance(e, WaveSent)]


async def test_an_unanswered_wave_asks_the_next_after_escalate_after_s() -> None:
    s = _street()
    await _opened(s)
    assert _waves(s) == [(1, (NEAR, MIDDLE))]
    await s.later(ESCALATE - 1)
    assert _waves(s) == [(1, (NEAR, MIDDLE))]
    await s.later(1)
    assert _waves(s) == [(1, (NEAR, MIDDLE)), (2, (FAR,))]
    # Nobody further is left: the next escalation asks nobody.
    await s.later(ESCALATE)
    assert len(_waves(s)) == 2


async def test_a_decline_that_moved_on_leaves_the_old_escalation_asking_nobody() -> None:
    s = _street(WAVE_SIZE="1")
    request = await _opened(s)
    await s.later(300)
    await s.desk.decline(request.id, NEAR)  # wave 2 at once
    assert _waves(s) == [(1, (NEAR,)), (2, (MIDDLE,))]
    await s.later(ESCALATE - 300)  # wave 1's escalation: wave 2 went already
    assert _waves(s) == [(1, (NEAR,)), (2, (MIDDLE,))]
    await s.later(300)  # wave 2's own escalation, its time after the decline
    assert _waves(s) == [(1, (NEAR,)), (2, (MIDDLE,)), (3, (FAR,))]


async def test_with_nobody_nearer_left_an_escalation_asks_those_just_beyond_their_radius() -> None:
    s = _street(ESCALATE_STRETCH_KM="1.5")
    s.volunteers.candidates_ = NEAREST[:2]
    s.volunteers.beyond = [candidate(FAR, 2.5)]
    await _opened(s)
    await s.later(ESCALATE)
    assert _waves(s) == [(1, (NEAR, MIDDLE)), (2, (FAR,))]


async def test_taken_the_escalation_stops() -> None:
    s = _street()
    request = await _opened(s)
    await s.desk.accept(request.id, NEAR)
    assert not any(key.startswith("escalate:") for key in s.pending())
    await s.later(3 * ESCALATE)
    assert _waves(s) == [(1, (NEAR, MIDDLE))]


async def test_an_escalation_left_from_before_a_hand_back_asks_nothing_in_the_new_round() -> None:
    """A crash between a change and its subscribers' cancelling leaves reminders that
    should have gone: each looks at the request as it is now."""
    s = _street()
    request = await _opened(s)
    await s.later(600)
    # Handed back (its round-1 escalation still pending) and round 2's first wave asked.
    s.requests.by_id[request.id] = replace(await s.request(request.id), round=2)
    await s.matchmaker.first_wave(request.id)
    round_2 = _waves(s)
    await s.later(ESCALATE - 600)  # round 1's escalation
    assert _waves(s) == round_2
    await s.later(600)  # round 2's own
    assert _waves(s) == [*round_2, (2, (FAR,))]


async def test_a_follow_up_left_from_before_a_task_changed_hands_asks_nobody() -> None:
    s = _street(FOLLOW_UP_AFTER_S="900")
    request = await _opened(s)
    await s.desk.accept(request.id, NEAR)
    # Handed back and taken by MIDDLE, NEAR's follow-up still pending.
    s.requests.by_id[request.id] = replace(await s.request(request.id), volunteer_id=MIDDLE)
    await s.later(900)
    assert not any(isinstance(e, FollowUpDue) for e in s.outbox.added)


async def test_after_the_wait_with_nobody_nearer_awake_those_just_beyond_are_asked() -> None:
    s = _street(ESCALATE_STRETCH_KM="1.5")
    wakes = s.clock.now + HOUR
    s.volunteers.candidates_, s.volunteers.held = [], [candidate(NEAR, 0.4, wakes)]
    await _opened(s)
    s.volunteers.beyond = [candidate(FAR, 2.5)]
    await s.later(HOUR)
    assert _waves(s) == [(1, (FAR,))]


async def test_a_stopped_series_opens_nothing_even_if_its_reminder_is_left() -> None:
    s = Street(NEAREST, users=(user(REQUESTER),), now=BEFORE_THE_CLOCKS_GO_BACK)
    due = s.clock.now + 2 * 86400
    draft = RequestDraft(
        Category.GROCERIES, "Milk", "1 High St", 51.5, -0.1, When.AT, due, every="daily"
    )
    await s.desk.submit(REQUESTER, draft)
    [series] = s.series.by_id.values()
    await s.series.stop(series.id, REQUESTER)  # stopped, its reminder not cancelled
    opened = len([e for e in s.outbox.added if isinstance(e, RequestOpened)])
    await s.later(4 * 86400)
    assert len([e for e in s.outbox.added if isinstance(e, RequestOpened)]) == opened


async def test_when_everyone_is_resting_the_next_wave_waits_for_the_first_to_wake() -> None:
    s = _street()
    wakes = s.clock.now + 5 * HOUR
    resting = [candidate(NEAR, 0.4, wakes), candidate(MIDDLE, 0.9, wakes + HOUR)]
    s.volunteers.candidates_, s.volunteers.held = [], resting
    request = await _opened(s)
    assert s.outbox.added[-1] == WaveDeferred(request.id, 1, 0, wakes)
    await s.later(5 * HOUR - 1)
    assert _waves(s) == []
    # Their quiet hours are over: they are candidates again.
    s.volunteers.candidates_, s.volunteers.held = [candidate(NEAR, 0.4)], resting[1:]
    await s.later(1)
    assert _waves(s) == [(1, (NEAR,))]


async def test_the_coordinators_hear_of_a_request_still_open_after_the_alert_time() -> None:
    s = _street(COORDINATOR_ALERT_AFTER_S="3600")
    request = await _opened(s)
    await s.later(HOUR - 1)
    assert not any(isinstance(e, AlertDue) for e in s.outbox.added)
    await s.later(1)
    assert AlertDue(request.id, 3) in s.outbox.added  # two waves asked by then


async def test_a_request_taken_before_the_alert_time_alerts_nobody() -> None:
    s = _street(COORDINATOR_ALERT_AFTER_S="3600")
    request = await _opened(s)
    await s.desk.accept(request.id, NEAR)
    await s.later(2 * HOUR)
    assert not any(isinstance(e, AlertDue) for e in s.outbox.added)


async def test_an_unanswered_request_expires_at_its_time_and_not_before() -> None:
    s = _street(EXPIRE_AFTER_S="7200")
    request = await _opened(s)
    assert s.pending()[f"expire:{request.id}"] == request.created_at + 7200
    await s.later(7200 - 1)
    assert RequestClosed(request.id, "expired") not in s.outbox.added
    await s.later(1)
    assert s.outbox.added[-1] == RequestClosed(request.id, "expired")
    assert s.pending() == {}  # nothing more is chased


async def test_when_a_request_stops_being_worth_answering() -> None:
    s = _street(EXPIRE_AFTER_S="7200")
    now = BEFORE_THE_CLOCKS_GO_BACK
    midnight = datetime(2026, 10, 25, 0, 0, tzinfo=LONDON).timestamp()
    assert s.chaser.expiry_of(When.ASAP, None, now) == now + 7200
    assert s.chaser.expiry_of(When.TODAY, None, now) == midnight
    assert s.chaser.expiry_of(When.AT, now + HOUR, now) == now + HOUR


async def test_a_taken_request_expires_no_more() -> None:
    s = _street(EXPIRE_AFTER_S="7200")
    request = await _opened(s)
    await s.desk.accept(request.id, NEAR)
    await s.later(3 * HOUR)
    assert RequestClosed(request.id, "expired") not in s.outbox.added


async def test_its_volunteer_is_reminded_before_a_booked_task_and_asked_after() -> None:
    s = _street(REMINDER_LEAD_S="1800", FOLLOW_UP_AFTER_S="7200")
    due = s.clock.now + 4 * HOUR
    request = await _opened(s, When.AT, due)
    await s.desk.accept(request.id, NEAR)
    await s.later(4 * HOUR - 1800 - 1)
    assert not any(isinstance(e, TaskSoon) for e in s.outbox.added)
    await s.later(1)
    assert s.outbox.added[-1] == TaskSoon(request.id, NEAR)
    await s.later(1800 + 7200 - 1)
    assert not any(isinstance(e, FollowUpDue) for e in s.outbox.added)
    await s.later(1)
    assert s.outbox.added[-1] == FollowUpDue(request.id, NEAR)


async def test_as_soon_as_possible_its_volunteer_is_asked_how_it_went_after_follow_up_s() -> None:
    s = _street(FOLLOW_UP_AFTER_S="7200")
    request = await _opened(s)
    await s.desk.accept(request.id, NEAR)
    assert not any(k.startswith("before:") for k in s.pending())  # nothing to remind of
    await s.later(7200)
    assert s.outbox.added[-1] == FollowUpDue(request.id, NEAR)
    # "I need more time": asked again after another interval.
    await s.desk.more_time(request.id, NEAR)
    await s.later(7200)
    assert s.outbox.added[-2:] == [FollowUpDue(request.id, NEAR)] * 2


async def test_a_task_handed_back_is_not_followed_up_with_its_old_volunteer() -> None:
    s = _street(FOLLOW_UP_AFTER_S="7200")
    request = await _opened(s)
    await s.desk.accept(request.id, NEAR)
    await s.desk.release(request.id, NEAR)
    assert not [r for r in s.book.reminders if r.user_id == NEAR and r.key in s.pending()]
    await s.desk.accept(request.id, MIDDLE)
    await s.later(7200)
    assert [e for e in s.outbox.added if isinstance(e, FollowUpDue)] == [
        FollowUpDue(request.id, MIDDLE)
    ]


async def test_the_daily_digest_comes_at_its_local_time_each_day_across_the_clocks_change() -> (
    None
):
    s = Street(NEAREST, now=BEFORE_THE_CLOCKS_GO_BACK, DIGEST_TIME="08:00")
    await s.chaser.start_daily_digest()
    await s.chaser.start_daily_digest()  # every start-up: scheduled once
    assert list(s.pending()) == ["digest:2026-10-25"]
    await s.later(3 * 86400)
    assert [e for e in s.outbox.added if isinstance(e, DigestDue)] == [
        DigestDue("2026-10-25"),
        DigestDue("2026-10-26"),
        DigestDue("2026-10-27"),
    ]
    # 08:00 in London on the 25th is 08:00 UTC, the day before 07:00 UTC.
    fired = sorted(r.due_at for r in s.book.reminders)
    assert [datetime.fromtimestamp(at, LONDON).hour for at in fired] == [8, 8, 8, 8]
    assert fired[1] - fired[0] == 86400


async def test_repeating_help_opens_each_occurrence_a_notice_ahead_at_the_same_local_time() -> (
    None
):
    s = Street(NEAREST, users=(user(REQUESTER),), now=BEFORE_THE_CLOCKS_GO_BACK)
    first_due = datetime(2026, 10, 24, 18, 0, tzinfo=LONDON).timestamp()
    draft = RequestDraft(
        Category.GROCERIES, "Milk", "1 High St", 51.5, -0.1, When.AT, first_due, every="daily"
    )
    first = await s.desk.submit(REQUESTER, draft)
    await s.desk.announce(first)
    second_due = datetime(2026, 10, 25, 18, 0, tzinfo=LONDON).timestamp()
    assert second_due - first_due == 25 * HOUR  # the clocks went back in between
    [series] = s.series.by_id.values()
    assert series.next_due_at == second_due
    opened = [e for e in s.outbox.added if isinstance(e, RequestOpened)]
    await s.later(second_due - 86400 - s.clock.now - 1)  # SERIES_NOTICE_S: a day ahead
    assert [e for e in s.outbox.added if isinstance(e, RequestOpened)] == opened
    await s.later(1)
    [*_, latest] = [e for e in s.outbox.added if isinstance(e, RequestOpened)]
    occurrence = await s.request(latest.request_id)
    assert (occurrence.due_at, occurrence.expires_at) == (second_due, second_due)
    assert occurrence.series_id == series.id
    assert s.series.by_id[series.id].next_due_at == second_due + 86400
    # Stopped, no more occurrences.
    await s.desk.stop_series(series.id, REQUESTER)
    assert not any(key.startswith("series:") for key in s.pending())
    before = len(s.outbox.added)
    await s.later(3 * 86400)
    assert not any(isinstance(e, RequestOpened) for e in s.outbox.added[before:])
