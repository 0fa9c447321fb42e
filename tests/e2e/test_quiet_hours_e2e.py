"""Quiet hours over the real Bot API: a request made while one volunteer sleeps goes to
the one who is awake first, and reaches the sleeper only once their quiet hours end."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.conftest import COORDINATOR, REQUESTER, BotProcess, Neighbours, shows
from tests.e2e.test_help_loop_e2e import (
    ADDRESS,
    MIDDLE,
    NEAR,
    consent,
    finish_request,
    start_request,
    volunteer,
)

pytestmark = pytest.mark.e2e

SLEEPER, NIGHT_OWL = 301, 302
# Room for signing up two volunteers and making the request before the window ends.
SET_UP_S = 45


def quiet_window() -> tuple[str, float]:
    """QUIET_HOURS that began a little while ago (UTC) and end at a minute boundary at
    least SET_UP_S from now; and when they end."""
    now = datetime.now(UTC)
    end = (now + timedelta(seconds=SET_UP_S + 59)).replace(second=0, microsecond=0)
    start = end - timedelta(minutes=10)
    return f"{start:%H:%M}-{end:%H:%M}", end.timestamp()


def test_a_request_in_quiet_hours_waits_for_the_sleeper_but_not_for_the_awake(
    bot: BotProcess, neighbours: Neighbours
) -> None:
    people = neighbours
    window, ends_at = quiet_window()
    bot.extra_env.update(
        TIMEZONE="UTC", QUIET_HOURS=window, WAVE_SIZE="5", ESCALATE_AFTER_S="3600"
    )
    bot.stop()
    bot.start()
    consent(people, COORDINATOR)
    consent(people, REQUESTER)
    volunteer(people, SLEEPER, NEAR, "5")
    volunteer(people, NIGHT_OWL, MIDDLE, "5")
    # The night owl turns their quiet hours off on the form /volunteer ended with.
    prompt = next(m for m in people.screen(NIGHT_OWL) if "v1:quiet:off" in m.buttons)
    assert window.replace("-", "–") in prompt.text
    people.press(NIGHT_OWL, "v1:quiet:off", on=prompt)

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
