"""Safe on the doorstep, end to end: the real process with short timings. The volunteer
presses "📍 I've arrived" and never checks out; the bot is restarted (once cleanly, once
with SIGKILL) while the timers run; the volunteer is asked "Are you OK?" once, and every
coordinator is alerted once, and a further restart sends neither again."""

from __future__ import annotations

from tests.e2e.conftest import COORDINATOR, BotProcess, Neighbours, is_new, shows
from tests.e2e.steps import (
    ADDRESS,
    DESCRIPTION,
    NEAR,
    assert_no_errors,
    finish_request,
    ready,
    start_request,
)

CHECKOUT_AFTER_S = 4.0
SAFETY_ALERT_AFTER_S = 4.0
ALICE = 301
ARE_YOU_OK = "Are you OK?"
SAFETY_CHECK = "Safety check"


def test_no_check_out_asks_then_alerts_once_across_restarts(
    bot: BotProcess, neighbours: Neighbours
) -> None:
    people = neighbours
    bot.extra_env.update(
        CHECKOUT_AFTER_S=str(CHECKOUT_AFTER_S),
        SAFETY_ALERT_AFTER_S=str(SAFETY_ALERT_AFTER_S),
        # Nothing else falls due meanwhile: only the doorstep speaks.
        COORDINATOR_ALERT_AFTER_S="3600",
        FOLLOW_UP_AFTER_S="3600",
    )
    bot.stop()
    bot.start()
    ready(people, (ALICE, NEAR))
    request_id, _ = finish_request(people, ADDRESS, start_request(people, DESCRIPTION))

    ping = people.wait_for(ALICE, shows(f"v1:accept:{request_id}"), "ping")
    people.press(ALICE, f"v1:accept:{request_id}", on=ping)
    details = people.wait_for(ALICE, lambda m: "Acacia" in m.text, "the protected details")
    assert details.buttons == (f"v1:arrived:{request_id}",)
    card = people.wait_for(
        ALICE, lambda m: m.message_id == ping.message_id and m.edited, "the task card"
    )
    assert f"v1:arrived:{request_id}" in card.buttons

    arrived = people.press(ALICE, f"v1:arrived:{request_id}", on=card)
    assert "left safely" in str(arrived.get("text"))
    swapped = people.wait_for(
        ALICE, lambda m: m.message_id == card.message_id and m.edited, "the card once there"
    )
    assert f"v1:left:{request_id}" in swapped.buttons

    bot.stop()  # a clean restart while the check-out timer runs
    bot.start()
    question = people.wait_for(
        ALICE, lambda m: is_new(m) and ARE_YOU_OK in m.text, "Are you OK?", timeout=30
    )
    assert question.buttons == (f"v1:safe:{request_id}:ok", f"v1:safe:{request_id}:help")

    bot.stop(kill=True)  # a crash while the alert's timer runs
    bot.start()
    alert = people.wait_for(
        COORDINATOR, lambda m: SAFETY_CHECK in m.text, "the safety alert", timeout=30
    )
    assert f"#{request_id}" in alert.text
    assert "Alice" in alert.text
    assert f"/details {request_id}" in alert.text
    assert "Acacia" not in alert.text

    people.settle()
    bot.stop()
    bot.start()  # and once more: nothing is said again
    people.settle()
    assert sum(ARE_YOU_OK in m.text for m in people.screen(ALICE)) == 1
    assert sum(SAFETY_CHECK in m.text for m in people.screen(COORDINATOR)) == 1
    assert_no_errors(bot, people)
