"""The broadcast worker's decisions with no Bot and no database (tests/support/fakes.py):
who gets the message, how each answer of Telegram's settles its row, Stop, the restart
after a crash, and the pacing. The same service runs end to end in test_broadcast.py."""

from __future__ import annotations

import asyncio

import pytest

from bot.domain.broadcasts import Attempt, Audience, Counts, Delivery, Tried
from bot.domain.results import Started
from bot.services import broadcast
from bot.services.broadcast import Broadcaster, Pacer
from tests.support.fakes import (
    Clock,
    FakeBroadcastNews,
    FakeBroadcastStore,
    FakeBulkSender,
    FakePeople,
    user,
)

CORA, SUE, RITA, VIC, NED = 1, 2, 10, 11, 12
TEXT = "Street party on Saturday, <b>bring a chair</b>!"


class Desk:
    """A broadcaster on fakes: Cora and Sue coordinate; Rita, Vic and Ned are everyone."""

    def __init__(
        self, answers: dict[int, list[Tried]] | None = None, pacer: Pacer | None = None
    ) -> None:
        self.clock = Clock()
        self.store = FakeBroadcastStore(
            audiences={
                Audience.EVERYONE: [RITA, VIC, NED],
                Audience.COORDINATORS: [CORA, SUE],
            },
            languages={VIC: "cy"},
        )
        self.people = FakePeople(
            user(CORA, "Cora"), user(SUE, "Sue"), user(RITA, "Rita"), user(VIC, "Vic")
        )
        self.sender = FakeBulkSender(answers)
        self.news = FakeBroadcastNews()
        # A rate no test waits for: pacing has tests of its own below.
        self.broadcaster = Broadcaster(
            1e9, self.store, self.people, self.sender, self.news, self.clock, pacer
        )

    async def send(self, audience: Audience = Audience.EVERYONE) -> int:
        draft = await self.broadcaster.prepare(CORA, audience, TEXT)
        started, queued = await self.broadcaster.send(draft.broadcast_id)
        assert (started, queued) == (Started.STARTED, draft.recipients)
        await self.broadcaster.idle()
        return draft.broadcast_id


@pytest.fixture(autouse=True)
def no_retry_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    """A failed try is tried again at once (the pause's length is no decision)."""
    monkeypatch.setattr(broadcast, "RETRY_PAUSE_S", 0.0)


async def test_everyone_in_the_audience_gets_it_once_in_their_language() -> None:
    desk = Desk()
    broadcast_id = await desk.send()
    assert desk.sender.tries == [(RITA, None, TEXT), (VIC, "cy", TEXT), (NED, None, TEXT)]
    done = Counts(total=3, sent=3)
    assert desk.news.progress_sent == [(broadcast_id, Counts(total=3))]
    assert desk.news.edits[-1] == ((CORA, 1000 + broadcast_id), done, True)
    assert desk.news.reports == [(CORA, broadcast_id, done, None)]
    assert await desk.broadcaster.state(broadcast_id) is Started.ALREADY_DONE


async def test_send_pressed_twice_queues_it_once() -> None:
    desk = Desk()
    broadcast_id = await desk.send()
    assert await desk.broadcaster.send(broadcast_id) == (Started.ALREADY_DONE, 0)
    await desk.broadcaster.idle()
    assert desk.sender.got() == [RITA, VIC, NED]
    assert len(desk.news.reports) == 1


async def test_a_cancelled_draft_cannot_be_sent() -> None:
    desk = Desk()
    draft = await desk.broadcaster.prepare(CORA, Audience.COORDINATORS, TEXT)
    assert draft.recipients == 2
    assert await desk.broadcaster.cancel(draft.broadcast_id)
    assert await desk.broadcaster.send(draft.broadcast_id) == (Started.CANCELLED, 0)
    assert not await desk.broadcaster.cancel(draft.broadcast_id)
    assert desk.sender.tries == []


async def test_a_429_puts_the_row_back_and_it_is_sent_once_after_the_wait() -> None:
    desk = Desk({VIC: [Tried(Attempt.WAIT, wait_s=0.0)]})
    broadcast_id = await desk.send()
    assert desk.sender.got() == [RITA, VIC, VIC, NED]
    assert desk.store.deliveries(broadcast_id)[VIC] == (Delivery.SENT, 2)
    assert desk.news.reports[0][2] == Counts(total=3, sent=3)


async def test_after_a_429_the_pacing_starts_again_from_now_not_in_a_burst() -> None:
    restarts: list[int] = []

    class Watched(Pacer):
        def restart(self) -> None:
            restarts.append(len(desk.sender.tries))
            super().restart()

    desk = Desk({VIC: [Tried(Attempt.WAIT, wait_s=0.0)]}, Watched(1e9))
    await desk.send()
    assert restarts == [2]  # after Vic's first try, and only then


async def test_who_blocked_the_bot_is_marked_unreachable_and_counted() -> None:
    desk = Desk({VIC: [Tried(Attempt.BLOCKED)]})
    broadcast_id = await desk.send()
    assert desk.store.deliveries(broadcast_id)[VIC] == (Delivery.BLOCKED, 1)
    vic = await desk.people.get(VIC)
    assert vic is not None
    assert vic.blocked_at == desk.clock.now
    assert desk.news.reports[0][2] == Counts(total=3, sent=2, blocked=1)


async def test_someone_who_blocked_it_after_it_was_queued_is_not_tried() -> None:
    desk = Desk()
    desk.store.blocked.add(NED)
    broadcast_id = await desk.send()
    assert desk.sender.got() == [RITA, VIC]
    assert desk.store.deliveries(broadcast_id)[NED] == (Delivery.BLOCKED, 0)


async def test_a_passing_failure_is_tried_again_up_to_three_times() -> None:
    failed = Tried(Attempt.FAILED, detail="Bad Gateway")
    desk = Desk({RITA: [failed, failed], VIC: [failed, failed, failed]})
    broadcast_id = await desk.send()
    rows = desk.store.deliveries(broadcast_id)
    assert rows[RITA] == (Delivery.SENT, 3)
    assert rows[VIC] == (Delivery.FAILED, broadcast.MAX_ATTEMPTS)
    assert desk.news.reports[0][2] == Counts(total=3, sent=2, failed=1)


@pytest.mark.parametrize(
    ("answer", "state"),
    [(Attempt.REFUSED, Delivery.FAILED), (Attempt.UNSURE, Delivery.UNSURE)],
)
async def test_a_refusal_or_a_lost_answer_is_never_sent_again(
    answer: Attempt, state: Delivery
) -> None:
    desk = Desk({VIC: [Tried(answer)]})
    broadcast_id = await desk.send()
    assert desk.sender.got() == [RITA, VIC, NED]
    assert desk.store.deliveries(broadcast_id)[VIC] == (state, 1)


async def test_stop_lets_the_message_in_flight_finish_and_nobody_after_gets_it() -> None:
    desk = Desk()

    async def stop_at_vic(user_id: int) -> None:
        if user_id == VIC:
            assert await desk.broadcaster.stop_sending(1, SUE)

    desk.sender.during = stop_at_vic
    broadcast_id = await desk.send()
    assert broadcast_id == 1
    assert desk.sender.got() == [RITA, VIC]
    counts = Counts(total=3, sent=2)
    assert counts.not_sent == 1
    # Its coordinator and whoever stopped it both hear, with the stopper's name.
    assert desk.news.reports == [(CORA, 1, counts, "Sue"), (SUE, 1, counts, "Sue")]
    assert not await desk.broadcaster.stop_sending(1, CORA)  # nothing left to stop
    assert await desk.broadcaster.state(1) is Started.STOPPED
    assert await desk.broadcaster.stopper_name(1) == "Sue"


async def test_after_a_crash_a_row_cut_off_mid_send_is_unsure_and_the_rest_goes_out() -> None:
    desk = Desk()
    draft = await desk.broadcaster.prepare(CORA, Audience.EVERYONE, TEXT)
    assert await desk.store.begin(draft.broadcast_id, desk.clock()) == 3
    # As the last process left it: Rita's send went out, Vic's call never came back.
    rita, vic, _ned = desk.store.rows
    assert await desk.store.claim(rita.entry_id)
    await desk.store.settle(rita.entry_id, Delivery.SENT, desk.clock())
    assert await desk.store.claim(vic.entry_id)
    assert await desk.broadcaster.resume() == 1
    await desk.broadcaster.idle()
    assert desk.sender.got() == [NED]
    assert desk.news.reports[0][2] == Counts(total=3, sent=2, unsure=1)


async def test_a_coordinator_who_cannot_be_written_to_does_not_hold_it_up() -> None:
    desk = Desk()
    desk.news.unreachable = True
    await desk.send()
    assert desk.sender.got() == [RITA, VIC, NED]
    assert desk.news.edits == []
    assert len(desk.news.reports) == 1


async def test_going_out_lists_what_is_still_being_sent() -> None:
    desk = Desk()
    gate = asyncio.Event()

    async def hold(user_id: int) -> None:
        await gate.wait()

    desk.sender.during = hold
    draft = await desk.broadcaster.prepare(CORA, Audience.EVERYONE, TEXT)
    await desk.broadcaster.send(draft.broadcast_id)
    await asyncio.sleep(0)  # the worker reaches Rita's send and waits there
    going = await desk.broadcaster.going_out()
    assert [(b.id, counts.done) for b, counts in going] == [(draft.broadcast_id, 0)]
    gate.set()
    await desk.broadcaster.idle()
    assert await desk.broadcaster.going_out() == []


async def test_the_pacer_keeps_a_fixed_timetable_and_never_bursts_to_catch_up() -> None:
    clock = Clock(100.0)
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))
        clock.now += seconds

    pacer = Pacer(4.0, clock, sleep)  # one every 0.25 s
    for _ in range(3):
        await pacer.wait()
    assert slept == [0.25, 0.25]  # the first goes at once
    clock.now = 100.85  # 0.1 s after its slot (100.75): the timetable holds
    await pacer.wait()
    assert slept == [0.25, 0.25]
    await pacer.wait()  # at 101.0, as planned
    assert slept[-1] == 0.15
    clock.now += 5.0  # long after: the timetable starts again from now, no burst
    await pacer.wait()
    assert len(slept) == 3
    await pacer.wait()
    assert slept[-1] == 0.25
    pacer.restart()  # after a 429: from now
    await pacer.wait()
    assert len(slept) == 4
