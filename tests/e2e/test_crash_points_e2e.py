"""Crash points: the real process is killed with SIGKILL at moments where work is half
done (a request saved, its pings perhaps not yet out; a request taken, its address
perhaps not yet sent), started again on the same database, and nothing is lost or sent
twice that must not be."""

from __future__ import annotations

import signal

from tests.e2e.conftest import REQUESTER, BotProcess, Neighbours, shows
from tests.e2e.steps import (
    ADDRESS,
    DESCRIPTION,
    FAR,
    MIDDLE,
    NEAR,
    assert_no_errors,
    finish_request,
    ready,
    start_request,
)

VOLUNTEERS = {301: NEAR, 302: MIDDLE, 303: FAR}

# Read by tests/test_zz_summary.py.
CRASH_POINTS = 0
CRASH_FAILURES = 0


def _crashed(bot: BotProcess) -> None:
    """SIGKILL now, then the same database in a new process."""
    global CRASH_POINTS
    assert bot.stop(kill=True) == -signal.SIGKILL
    bot.start()
    CRASH_POINTS += 1


def _pings_to(people: Neighbours, user_id: int, request_id: int) -> int:
    accept = f"v1:accept:{request_id}"
    return sum(1 for m in people.sent_by_bot() if m.chat_id == user_id and accept in m.buttons)


def test_killed_as_a_request_is_confirmed_every_volunteer_gets_one_ping(
    bot: BotProcess, neighbours: Neighbours
) -> None:
    global CRASH_FAILURES
    people = neighbours
    try:
        ready(people, *VOLUNTEERS.items())
        # Killed the moment the confirmation arrives: the first wave may or may not be out.
        request_id, _ = finish_request(people, ADDRESS, start_request(people, DESCRIPTION))
        _crashed(bot)

        for user_id in VOLUNTEERS:
            people.wait_for(user_id, shows(f"v1:accept:{request_id}"), f"ping for #{request_id}")
        people.settle()
        # The wave's pings and its event are stored together, then sent (all at once): so
        # nobody is left out. A ping whose send the kill cut off between Telegram's answer
        # and the bot recording it is sent again: at most twice, never not at all.
        pings = {uid: _pings_to(people, uid, request_id) for uid in VOLUNTEERS}
        assert all(1 <= count <= 2 for count in pings.values()), pings
        unsent = bot.stored("SELECT COUNT(*) FROM pings WHERE message_id IS NULL")
        assert unsent == [(0,)]
        assert bot.stored("SELECT COUNT(*) FROM events") == [(0,)]  # all delivered
        assert bot.stored("SELECT id, status FROM requests") == [(request_id, "open")]
        assert bot.stored("SELECT announced_at IS NOT NULL FROM requests") == [(1,)]
        confirmations = [
            m for m in people.sent_by_bot() if m.chat_id == REQUESTER and "saved as" in m.text
        ]
        assert len(confirmations) == 1
        assert_no_errors(bot, people)
    except BaseException:
        CRASH_FAILURES += 1
        raise


def test_killed_as_a_request_is_taken_it_stays_theirs_and_the_address_comes_once(
    bot: BotProcess, neighbours: Neighbours
) -> None:
    global CRASH_FAILURES
    people = neighbours
    try:
        ready(people, *VOLUNTEERS.items())
        request_id, _ = finish_request(people, ADDRESS, start_request(people, DESCRIPTION))
        accept = f"v1:accept:{request_id}"
        ping = people.wait_for(302, shows(accept), "ping")
        for user_id in (301, 303):
            people.wait_for(user_id, shows(accept), "ping")

        # Killed the moment the press is answered: the address may or may not be out.
        people.press(302, accept, on=ping)
        _crashed(bot)

        # Their client, unsure, presses again: it is theirs, and no second address comes.
        again = people.press(302, accept, on=ping)
        assert "already taken this one" in str(again.get("text")), again
        people.settle()
        assert bot.stored("SELECT status, volunteer_id FROM requests") == [("claimed", 302)]
        claims = bot.stored(
            "SELECT COUNT(*) FROM audit WHERE request_id = ? AND action = 'open->claimed'",
            (request_id,),
        )
        assert claims == [(1,)]
        addresses = [m for m in people.sent_by_bot() if ADDRESS in m.text]
        assert {m.chat_id for m in addresses} <= {302, REQUESTER}
        # The press is answered after the hand-over, so the address was out: once.
        assert len([m for m in addresses if m.chat_id == 302]) == 1
        # Nobody else can take it after the restart.
        late = people.press(301, accept)
        assert "someone else" in str(late.get("text")), late
        assert_no_errors(bot, people)
    except BaseException:
        CRASH_FAILURES += 1
        raise
