"""Quiet hours over the real Bot API: a request made while one volunteer sleeps goes to
the one who is awake first, and reaches the sleeper only once their quiet hours end."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from tests.e2e.conftest import COORDINATOR, REQUESTER, BotProcess, Neighbours, shows
from tests.e2e.steps import (
    ADDRESS,
    MIDDLE,
    NEAR,
    consent,
    finish_request,
    start_request,
    volunteer,
)
from tests.support.storage import once_a_run

# Up to a minute and a half of waiting for the quiet hours to end, on a rule the database
# plays no part in (the PostgreSQL half runs the in-process quiet-hours tests).
pytestmark = once_a_run

SLEEPER, NIGHT_OWL = 301, 302
# Room for a restart and the request before the quiet hours end. Quiet hours end on a
# minute, so the test waits up to a minute more than this for them to end.
SET_UP_S = 25


def quiet_window(lead_s: float) -> tuple[str, float]:
    """QUIET_HOURS of ten minutes (UTC) ending at the first minute boundary at least
    `lead_s` from now; and when they end."""
    now = datetime.now(UTC)
    end = (now + timedelta(seconds=lead_s + 59)).replace(second=0, microsecond=0)
    start = end - timedelta(minutes=10)
    return f"{start:%H:%M}-{end:%H:%M}", end.timestamp()


def test_a_request_in_quiet_hours_waits_for_the_sleeper_but_not_for_the_awake(
    bot: BotProcess, neighbours: Neighbours
) -> None:
    people = neighbours
    # Signing up first, under quiet hours still an hour away: then the set-up, however
    # slow, does not eat into the wait for the end of the quiet hours below.
    later, _ = quiet_window(3600)
    bot.extra_env.update(TIMEZONE="UTC", QUIET_HOURS=later, WAVE_SIZE="5", ESCALATE_AFTER_S="3600")
    bot.stop()
    bot.start()
    consent(people, COORDINATOR)
    consent(people, REQUESTER)
    volunteer(people, SLEEPER, NEAR, "5")
    volunteer(people, NIGHT_OWL, MIDDLE, "5")
    # The night owl turns their quiet hours off on the form /volunteer ended with.
    prompt = next(m for m in people.screen(NIGHT_OWL) if "v1:quiet:off" in m.buttons)
    assert later.replace("-", "–") in prompt.text
    people.press(NIGHT_OWL, "v1:quiet:off", on=prompt)
    people.settle()

    # Now the group's quiet hours began a while ago and end soon; the sleeper keeps them.
    window, ends_at = quiet_window(SET_UP_S)
    bot.stop()
    bot.extra_env["QUIET_HOURS"] = window
    bot.start()
    request_id, _ = finish_request(people, ADDRESS, start_request(people, "Bread, please"))
    assert time.time() < ends_at, "the set-up outlasted the quiet window: raise SET_UP_S"
    people.wait_for(NIGHT_OWL, shows(f"v1:accept:{request_id}"), "the ping, awake")
    people.settle()
    assert not any(f"v1:accept:{request_id}" in m.buttons for m in people.screen(SLEEPER))

    # The night owl can't; the sleeper is asked only when their quiet hours are over.
    people.press(NIGHT_OWL, f"v1:decline:{request_id}")
    ping = people.wait_for(
        SLEEPER,
        shows(f"v1:accept:{request_id}"),
        "the ping after their quiet hours",
        timeout=ends_at - time.time() + 15,
    )
    assert time.time() >= ends_at - 1  # not before the end (1 s for the clocks' rounding)
    assert "Bread, please" in ping.text
    assert ADDRESS not in ping.text
