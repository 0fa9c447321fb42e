"""Reminders survive a crash: the real process is killed with SIGKILL between a request's
creation and its coordinator alert, started again, and the alert arrives exactly once."""

from __future__ import annotations

import time

from tests.e2e.conftest import COORDINATOR, REQUESTER, BotProcess, Neighbours
from tests.e2e.steps import (
    ADDRESS,
    DESCRIPTION,
    consent,
    finish_request,
    start_request,
)

ALERT_AFTER_S = 3.0
STILL_WAITING = "still waiting for a volunteer"


def test_the_coordinator_alert_survives_a_kill_and_comes_once(
    bot: BotProcess, neighbours: Neighbours
) -> None:
    people = neighbours
    bot.extra_env["COORDINATOR_ALERT_AFTER_S"] = str(ALERT_AFTER_S)
    bot.stop()
    bot.start()
    consent(people, COORDINATOR)
    consent(people, REQUESTER)
    request_id, _ = finish_request(people, ADDRESS, start_request(people, DESCRIPTION))
    created = time.monotonic()

    bot.stop(kill=True)
    time.sleep(max(0.0, ALERT_AFTER_S + 0.5 - (time.monotonic() - created)))
    bot.start()  # the alert fell due while the bot was down: it fires now

    alert = people.wait_for(
        COORDINATOR, lambda m: STILL_WAITING in m.text, "the still-open alert after restart"
    )
    assert f"#{request_id}" in alert.text
    assert f"v1:pingall:{request_id}" in alert.buttons
    people.settle()
    bot.stop()
    bot.start()  # and a further restart does not send it again
    people.settle()
    alerts = [m for m in people.screen(COORDINATOR) if STILL_WAITING in m.text]
    assert len(alerts) == 1
