"""The help loop end to end: the real bot process (`python -m bot`) polls the Bot API
emulator, and the people of the group act through the emulator's client API."""

from __future__ import annotations

import signal

from tests.e2e.conftest import (
    COORDINATOR,
    REQUESTER,
    BotProcess,
    Neighbours,
    is_new,
    shows,
)
from tests.e2e.steps import (
    ADDRESS,
    DESCRIPTION,
    FAR,
    MIDDLE,
    NEAR,
    REQUEST_ID,
    NotModified,
    assert_no_errors,
    consent,
    finish_request,
    ready,
    repeated_edits,
    start_request,
    volunteer,
)

# --- the scenarios ---------------------------------------------------------------------


def test_request_is_offered_nearby_taken_by_one_volunteer_and_done(
    bot: BotProcess, neighbours: Neighbours
) -> None:
    people = neighbours
    consent(people, COORDINATOR)
    volunteer(people, 301, NEAR, "5")
    volunteer(people, 302, MIDDLE, "5")
    volunteer(people, 303, FAR, "2 km")  # the request is ~3 km away: too far for them
    consent(people, REQUESTER)

    when_question = start_request(people, DESCRIPTION)
    request_id, _ = finish_request(people, ADDRESS, when_question)

    # The two volunteers in reach are asked, without the address; the far one is not.
    accept, decline = f"v1:accept:{request_id}", f"v1:decline:{request_id}"
    pings = {
        uid: people.wait_for(uid, shows(accept), f"ping for #{request_id}") for uid in (301, 302)
    }
    for ping in pings.values():
        assert decline in ping.buttons
        assert DESCRIPTION in ping.text
        assert "Acacia" not in ping.text
    people.settle()
    assert not [m for m in people.screen(303) if any("accept" in b for b in m.buttons)]

    # 302 takes it: the address goes to them alone, protected; the requester hears who.
    taken = people.press(302, accept, on=pings[302])
    assert taken.get("text"), taken
    details = people.wait_for(302, lambda m: "Acacia" in m.text, "address of the requester")
    assert ADDRESS in details.text
    assert details.protected, "the address must be sent with protect_content"
    task_card = people.wait_for(
        302, lambda m: m.message_id == pings[302].message_id and m.edited, "ping turned task"
    )
    assert f"v1:done:{request_id}" in task_card.buttons
    coming = people.wait_for(REQUESTER, lambda m: "Bashir" in m.text, "volunteer's name")
    assert f"#{request_id}" in coming.text
    assert "Acacia" not in coming.text

    # 301's ping now says it was taken, and their late press is answered without details.
    closed = people.wait_for(
        301, lambda m: m.message_id == pings[301].message_id and m.edited, "edit of their ping"
    )
    assert "taken" in closed.text.lower()
    assert not closed.buttons
    late = people.press(301, accept, on=pings[301])
    assert late.get("text"), late

    # 302 reports it done: the requester is told.
    people.press(302, f"v1:done:{request_id}", on=task_card)
    done = people.wait_for(
        REQUESTER, lambda m: "done" in m.text.lower() and f"#{request_id}" in m.text, "news"
    )
    assert "Acacia" not in done.text

    # Nobody but 302 was ever shown the address (the requester typed it and saw it once, in
    # the summary of their own request), not even in a pop-up answer to a button.
    people.settle()
    shown_to = {m.chat_id for m in people.everything_seen() if "Acacia" in m.text}
    assert shown_to == {302, REQUESTER}, shown_to
    to_requester = {m.message_id for m in people.sent_by_bot() if m.chat_id == REQUESTER}
    with_address = {
        m.message_id
        for m in people.everything_seen()
        if m.chat_id == REQUESTER and "Acacia" in m.text
    }
    assert len(with_address) == 1, with_address
    assert with_address <= to_requester, with_address
    assert not [a for a in people.callback_answers() if "Acacia" in str(a.get("text", ""))]
    assert_no_errors(bot, people)
    assert bot.stop() == 0, "SIGTERM should stop the bot cleanly\n" + bot.log()


def test_request_conversation_survives_kill_9(bot: BotProcess, neighbours: Neighbours) -> None:
    people = neighbours
    consent(people, REQUESTER)
    when_question = start_request(people, DESCRIPTION)

    # The requester reads the question and the bot dies before they answer. (settle(): the
    # bot has finished with the description, state included; see the report on the few
    # milliseconds between an answer and its state being stored.)
    people.settle()
    assert bot.stop(kill=True) == -signal.SIGKILL
    bot.start()  # the same database, a new process

    request_id, confirmation = finish_request(people, ADDRESS, when_question)

    people.say(REQUESTER, "/myrequests")
    people.settle()
    to_requester = [m for m in people.sent_by_bot() if m.chat_id == REQUESTER]
    assert [m.text for m in to_requester].count(confirmation.text) == 1
    cancel_buttons = {b for m in to_requester for b in m.buttons if b.startswith("v1:cancelreq:")}
    assert cancel_buttons == {f"v1:cancelreq:{request_id}"}, "exactly one request was saved"
    assert {int(n) for m in to_requester for n in REQUEST_ID.findall(m.text)} == {request_id}
    assert_no_errors(bot, people)
    assert bot.stop() == 0, "SIGTERM should stop the bot cleanly\n" + bot.log()


def test_garbage_gets_friendly_answers(bot: BotProcess, neighbours: Neighbours) -> None:
    people = neighbours
    consent(people, REQUESTER)
    people.say(REQUESTER, "/request")
    people.wait_for(REQUESTER, shows("v1:cat:groceries"), "choice of categories")
    people.press(REQUESTER, "v1:cat:groceries")
    people.wait_for(REQUESTER, is_new, "question what they need")

    # 4,000 characters of HTML-ish text where a short description is expected.
    garbage = ("<b>&</b> " * 500)[:4000]
    people.say(REQUESTER, garbage)
    reply = people.wait_for(REQUESTER, is_new, "answer to 4,000 characters")
    assert reply.text
    assert "v1:when:asap" not in reply.buttons
    assert "went wrong" not in reply.text.lower()
    assert bot.alive

    # Buttons the bot never made (unknown action, bad argument, another version).
    for data in ("v1:bogus:1", "v1:accept:abc", "v9:accept:1"):
        answer = people.press(REQUESTER, data)
        assert answer.get("text"), f"{data}: {answer}"
        assert bot.alive

    # The conversation carries on, and HTML characters in what people type are escaped.
    people.say(REQUESTER, 'Tea & <biscuits> for "Nan"')
    when_question = people.wait_for(REQUESTER, shows("v1:when:asap"), "question when")
    request_id, _ = finish_request(people, "Flat 3 <rear> & side door", when_question)
    assert request_id > 0
    people.settle()
    assert_no_errors(bot, people)


def test_pressing_a_closed_ping_again_edits_nothing(
    bot: BotProcess, neighbours: Neighbours
) -> None:
    people = neighbours
    ready(people, (301, NEAR), (302, MIDDLE))
    request_id, _ = finish_request(people, ADDRESS, start_request(people, DESCRIPTION))
    accept, done = f"v1:accept:{request_id}", f"v1:done:{request_id}"
    pings = {uid: people.wait_for(uid, shows(accept), "ping") for uid in (301, 302)}

    people.press(302, accept, on=pings[302])
    task_card = people.wait_for(302, shows(done), "ping turned task")
    people.wait_for(301, lambda m: m.message_id == pings[301].message_id, "ping closed")
    # 301 pressed at the same moment as 302: their client still shows the old buttons.
    assert people.press(301, accept, on=pings[301]).get("text")
    # 302 taps Done twice before the button disappears.
    people.press(302, done, on=task_card)
    people.wait_for(302, lambda m: m.message_id == task_card.message_id, "card closed")
    assert people.press(302, done, on=task_card).get("text")

    people.settle()
    repeated = {uid: [m.text for m in repeated_edits(people, uid)] for uid in (301, 302)}
    if any(repeated.values()):
        raise NotModified(f"edits that changed nothing: {repeated}")
