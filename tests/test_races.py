"""Races: many volunteers accepting, handing back and finishing the same request at the
same moment, while its requester cancels it. Every round ends in a valid state (from the
database: one holder at most, status and holder agree, the audit trail is one unbroken
path), every press is answered exactly once, and what each person was told is true."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from telegram import Update

from bot.domain.models import RequestStatus
from tests.conftest import COORDINATOR, NEAR, REQUESTER, Group

OpenGroup = Callable[..., AbstractAsyncContextManager[Group]]

ROUNDS = 20
SEED = 7
VOLUNTEERS = list(range(1001, 1009))
ADDRESS = "12 Acacia Avenue, ring twice"
# Every status change the desk may make; anything else in the audit trail is a bug.
TRANSITIONS = {
    ("", "open"),
    ("open", "claimed"),
    ("claimed", "open"),
    ("claimed", "done"),
    ("open", "cancelled"),
    ("claimed", "cancelled"),
}

# Read by tests/test_zz_summary.py.
RACE_ROUNDS = 0
RACE_FAILURES = 0


@dataclass(frozen=True)
class Press:
    user_id: int
    data: str
    update: Update

    @property
    def query_id(self) -> str:
        query = self.update.callback_query
        assert query is not None
        return query.id


def _press(group: Group, user_id: int, data: str) -> Press:
    name = "Rita" if user_id == REQUESTER else f"V{user_id}"
    return Press(user_id, data, group.people.press(user_id, data, name=name))


def _batch(group: Group, rng: random.Random, request_id: int, holder: int | None) -> list[Press]:
    """What everyone presses at the same moment: accepts (some twice), the holder's
    hand-back or Done, a non-holder's forged Done, and perhaps the requester's cancel."""
    presses = []
    for volunteer in rng.sample(VOLUNTEERS, rng.choice((0, 2, 4, len(VOLUNTEERS)))):
        for _ in range(rng.choice((1, 1, 2))):
            presses.append(_press(group, volunteer, f"v1:accept:{request_id}"))
    if holder is not None:
        for _ in range(rng.choice((1, 2))):
            action = rng.choice(("release", "done"))
            # Through the hand-back's confirmation: the press that changes something.
            suffix = ":yes" if action == "release" else ""
            presses.append(_press(group, holder, f"v1:{action}:{request_id}{suffix}"))
    outsider = rng.choice([v for v in VOLUNTEERS if v != holder])
    forged = rng.choice((f"v1:done:{request_id}", f"v1:release:{request_id}:yes"))
    presses.append(_press(group, outsider, forged))
    if rng.random() < 0.5:
        presses.append(_press(group, REQUESTER, f"v1:cancelreq:{request_id}:yes"))
    rng.shuffle(presses)
    return presses


async def _check_round(group: Group, request_id: int, presses: list[Press]) -> str:
    """The invariants after one round, from the database and from what was sent."""
    stored = await group.stored(request_id)
    status = str(stored.status)
    holder = stored.volunteer_id
    if status in ("claimed", "done"):
        assert holder in VOLUNTEERS, (status, holder)
    if status == "open":
        assert holder is None

    # The audit trail: one unbroken path of allowed steps ending where the request is.
    rows = await group.app.storage.db.fetchall(
        "SELECT action FROM audit WHERE request_id = ? AND action LIKE '%->%' ORDER BY id",
        (request_id,),
    )
    steps = [tuple(str(row["action"]).split("->", 1)) for row in rows]
    at = ""
    for before, after in steps:
        assert (before, after) in TRANSITIONS, steps
        assert before == at, steps
        at = after
    assert at == status, (steps, status)
    claims = sum(1 for step in steps if step == ("open", "claimed"))

    # Every press answered exactly once.
    answers = {str(a.params.get("callback_query_id")): a for a in group.telegram.answers()}
    counted = Counter(str(a.params.get("callback_query_id")) for a in group.telegram.answers())
    for press in presses:
        assert counted[press.query_id] == 1, (press.data, counted[press.query_id])

    def told(press: Press) -> str:
        return str(answers[press.query_id].params.get("text"))

    calls = group.telegram.calls
    # Winners: each "It's yours" is a claim in the audit trail; a winner is the holder
    # now, or handed it back themselves, or was told it was cancelled.
    winners = [p.user_id for p in presses if "It's yours" in told(p)]
    assert len(winners) <= claims, (winners, steps)
    assert len(set(winners)) == len(winners), winners
    for winner in winners:
        got_address = [c for c in calls if c.chat_id == winner and ADDRESS in c.text]
        assert len(got_address) == 1, winner
        handed_back = any(p.user_id == winner and told(p) == "Handed back." for p in presses)
        cancelled = any(
            c.chat_id == winner and f"#{request_id} was cancelled" in c.text for c in calls
        )
        assert winner == holder or handed_back or cancelled, (winner, holder, status)
    if status in ("claimed", "done"):
        assert holder in winners or not presses, (holder, winners)
    # Nobody but the winners got the address.
    assert {c.chat_id for c in calls if ADDRESS in c.text} <= set(winners)

    # Done: the requester hears it only if it is done, and exactly once then.
    finished = [p for p in presses if told(p) == "Thank you!" and "v1:done:" in p.data]
    done_news = [c for c in calls if c.chat_id == REQUESTER and "as done" in c.text]
    if status == "done":
        assert [p.user_id for p in finished] == [holder]
        assert len(done_news) == 1
    else:
        assert finished == []
        assert done_news == []

    # Cancelled: the requester's press says so exactly when it is cancelled (and before
    # any Done or claim could follow it, as the audit path shows).
    cancels = [p for p in presses if p.user_id == REQUESTER]
    if cancels:
        said_cancelled = told(cancels[0]) == "Cancelled."
        assert said_cancelled == (status == "cancelled"), (told(cancels[0]), status)
        if not said_cancelled:
            assert "already closed" in told(cancels[0]), told(cancels[0])
    else:
        assert status != "cancelled"
    # A volunteer who had it when it was cancelled is told.
    if status == "cancelled" and ("claimed", "cancelled") in steps:
        loser = [
            w for w in winners if not any(p.user_id == w and "Handed" in told(p) for p in presses)
        ]
        for winner in loser:
            assert any(
                c.chat_id == winner and f"#{request_id} was cancelled" in c.text for c in calls
            ), winner
    return status


async def test_simultaneous_presses_on_the_same_request_end_in_a_true_state(
    open_group: OpenGroup,
) -> None:
    global RACE_ROUNDS, RACE_FAILURES
    rng = random.Random(SEED)
    endings: Counter[str] = Counter()
    # One requester asks every round: more than MAX_OPEN_REQUESTS / MAX_REQUESTS_PER_DAY.
    async with open_group(
        WAVE_SIZE="20", MAX_OPEN_REQUESTS=str(ROUNDS), MAX_REQUESTS_PER_DAY=str(ROUNDS)
    ) as group:
        await group.consent(COORDINATOR, name="Cora")
        await group.consent(REQUESTER, name="Rita")
        for volunteer in VOLUNTEERS:
            await group.enrol(volunteer, NEAR, name=f"V{volunteer}")
        for round_number in range(ROUNDS):
            request_id = await group.ask(
                description=f"Milk and bread, round {round_number}", address=ADDRESS
            )
            assert sorted(group.pinged(request_id)) == VOLUNTEERS
            group.telegram.clear()
            first: list[Press] = []
            holder = None
            if rng.random() < 0.6:
                # Already taken before the rush: its holder hands back or finishes in it.
                holder = rng.choice(VOLUNTEERS)
                first = [_press(group, holder, f"v1:accept:{request_id}")]
                await group.app.process_update(first[0].update)
            presses = _batch(group, rng, request_id, holder)
            try:
                await asyncio.gather(*(group.app.process_update(p.update) for p in presses))
                endings[await _check_round(group, request_id, first + presses)] += 1
            except BaseException:
                RACE_FAILURES += 1
                raise
            RACE_ROUNDS += 1
            if (await group.stored(request_id)).status is RequestStatus.CLAIMED:
                # A task in hand keeps its holder out of the next "as soon as possible"
                # pings (the fairness rules): closed, so every round races everyone.
                await group.app.services.desk.cancel(request_id, REQUESTER)
    # The seed makes the rounds end every way a request can, so each path was raced.
    assert set(endings) == {"open", "claimed", "done", "cancelled"}, endings
