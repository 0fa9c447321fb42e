"""A broadcast end to end: the real bot process sends to 150 people through the Bot API
emulator, is killed half-way (kill -9), is started again on the same database, and every
person ends up with the message exactly once."""

from __future__ import annotations

import signal
import time
from collections import Counter
from collections.abc import Iterable

from tests.e2e.conftest import (
    COORDINATOR,
    BotMessage,
    BotProcess,
    Emulator,
    Neighbours,
    is_new,
    shows,
)

AUDIENCE = range(1001, 1151)  # 150 people, plus the coordinator: "everyone" is 151
HEADER = "📣 Message from the group coordinators:\n\n"
TEXT = "Street party on <Saturday> from 3pm & tea for all: bring a chair!"
# Every 80th send-type call answers 429 "retry after 30 s": the 78th broadcast message
# (after the preview's edit and the progress message) is refused, and the worker waits.
EVERY_429 = 80
RETRY_AFTER_S = 30


def consent_all(people: Neighbours, user_ids: Iterable[int]) -> None:
    """/start and "I agree" for many people at once (each waits only for their own)."""
    ids = list(user_ids)
    for user_id in ids:
        people.say(user_id, "/start")
    notices = {uid: people.wait_for(uid, shows("v1:consent:yes"), "privacy notice") for uid in ids}
    for user_id, notice in notices.items():
        people.emulator.call(
            "/sendCallback",
            {
                "botToken": people.token,
                "from": people.person(user_id),
                "data": "v1:consent:yes",
                "message": {
                    "message_id": notice.message_id,
                    "date": int(time.time()),
                    "chat": people.chat(user_id),
                    "from": people.bot_user,
                    "text": notice.text,
                },
            },
        )
    for user_id in ids:
        people.wait_for(user_id, is_new, "the choice after agreeing", timeout=60)


def deliveries(people: Neighbours) -> Counter[int]:
    """Who has the broadcast, and how many times: sent as typed, as plain text."""
    return Counter(
        message.chat_id
        for message in people.sent_by_bot()
        if message.text == HEADER + TEXT and not message.edited
    )


def faults_so_far(emulator: Emulator, token: str) -> int:
    methods = emulator.stats(token)["methods"]
    return sum(int(counts.get("http429", 0)) for counts in methods.values())


def test_a_broadcast_killed_half_way_reaches_everyone_exactly_once(
    bot: BotProcess, neighbours: Neighbours, emulator: Emulator, token: str
) -> None:
    people = neighbours
    consent_all(people, [COORDINATOR, *AUDIENCE])

    people.say(COORDINATOR, "/broadcast")
    people.wait_for(COORDINATOR, is_new, "the question what to send")
    people.say(COORDINATOR, TEXT)
    question = people.wait_for(COORDINATOR, shows("v1:audience:everyone"), "audience buttons")
    people.press(COORDINATOR, "v1:audience:everyone", on=question)

    def with_send(message: BotMessage) -> bool:
        return any(b.startswith("v1:bcast:send:") for b in message.buttons)

    preview = people.wait_for(COORDINATOR, with_send, "the preview with Send")
    assert "151 people" in preview.text
    send = next(b for b in preview.buttons if b.startswith("v1:bcast:send:"))

    emulator.call(
        "/setFaults", {"every429": EVERY_429, "retryAfter": RETRY_AFTER_S, "token": token}
    )
    people.press(COORDINATOR, send, on=preview)
    deadline = time.monotonic() + 60
    while faults_so_far(emulator, token) == 0:
        bot.assert_running()
        assert time.monotonic() < deadline, "no 429 within 60 s:\n" + bot.log()
        time.sleep(0.05)
    # Half-way, waiting out the 429: the bot dies.
    assert bot.stop(kill=True) == -signal.SIGKILL
    before = deliveries(people)
    assert 0 < len(before) < 151, len(before)
    assert max(before.values()) == 1

    emulator.call("/setFaults", {"token": token})  # Telegram is calm again
    bot.start()  # the same database, a new process
    report = people.wait_for(
        COORDINATOR, lambda m: is_new(m) and "finished" in m.text, "the final report", 60
    )
    assert "Sent to 151 people.\n0 people had blocked the bot." in report.text

    everyone = deliveries(people)
    assert everyone == Counter({user_id: 1 for user_id in [COORDINATOR, *AUDIENCE]})
    # Shown literally: sent without a parse mode, "<Saturday>" and "&" as typed.
    assert all(m.parse_mode is None for m in people.sent_by_bot() if m.text == HEADER + TEXT)
    progress = [m for m in people.screen(COORDINATOR) if "sent" in m.text and "of 151" in m.text]
    assert len({m.message_id for m in progress}) == 1, "one progress message, edited in place"
    assert progress[-1].text.endswith("sent 151 of 151")
    log = bot.log()
    assert "Traceback" not in log, log
    assert bot.stop() == 0, "SIGTERM should stop the bot cleanly\n" + bot.log()
