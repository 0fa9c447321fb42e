"""What the people of the group do in the end-to-end tests, step by step, through the
emulator's client API: the places they are at and the steps most scenarios share."""

from __future__ import annotations

import re

from tests.e2e.conftest import (
    COORDINATOR,
    REQUESTER,
    BotMessage,
    BotProcess,
    Neighbours,
    html_problems,
    is_new,
    shows,
)

HOME = (51.5000, -0.1000)
NEAR = (51.5030, -0.1000)  # ~0.33 km from HOME
MIDDLE = (51.5090, -0.1000)  # ~1.0 km
FAR = (51.5270, -0.1000)  # ~3.0 km
DESCRIPTION = "Milk, bread and eggs from the corner shop"
ADDRESS = "12 Acacia Avenue, ring twice"
REQUEST_ID = re.compile(r"#(\d+)")


def consent(people: Neighbours, user_id: int) -> None:
    """/start, then agree to the privacy notice."""
    people.say(user_id, "/start")
    notice = people.wait_for(user_id, shows("v1:consent:yes"), "privacy notice to agree to")
    people.press(user_id, "v1:consent:yes", on=notice)
    people.wait_for(user_id, is_new, "choice of what to do, after agreeing")


def volunteer(people: Neighbours, user_id: int, where: tuple[float, float], radius: str) -> None:
    """Sign up with /volunteer for groceries, and get approved by the coordinator."""
    consent(people, user_id)
    people.say(user_id, "/volunteer")
    people.wait_for(user_id, lambda m: m.asks_location, "button to share their location")
    people.share_location(user_id, *where)
    people.wait_for(user_id, is_new, "question how far they will go")
    people.say(user_id, radius)
    form = people.wait_for(user_id, shows("v1:vcat:groceries"), "form of kinds of help")
    people.press(user_id, "v1:vcat:groceries", on=form)
    people.press(user_id, "v1:vsave", on=form)
    approval = people.wait_for(
        COORDINATOR, shows(f"v1:approve:{user_id}"), f"approval button for {user_id}"
    )
    people.read_all(user_id)  # "thank you for signing up"
    people.press(COORDINATOR, f"v1:approve:{user_id}", on=approval)
    # Not just any new message: quiet hours or the availability question may come too.
    people.wait_for(
        user_id, lambda m: is_new(m) and "You're approved" in m.text, "news that they are approved"
    )


def ready(people: Neighbours, *volunteers: tuple[int, tuple[float, float]]) -> None:
    """The usual start: the coordinator agrees to the notice, each volunteer (id, where)
    signs up for groceries within 5 km and is approved, then the requester agrees."""
    consent(people, COORDINATOR)
    for user_id, where in volunteers:
        volunteer(people, user_id, where, "5")
    consent(people, REQUESTER)


def start_request(people: Neighbours, description: str) -> BotMessage:
    """/request up to the description; returns the question "when?" with its buttons."""
    people.say(REQUESTER, "/request")
    people.wait_for(REQUESTER, shows("v1:cat:groceries"), "choice of categories")
    people.press(REQUESTER, "v1:cat:groceries")
    people.wait_for(REQUESTER, is_new, "question what they need")
    people.say(REQUESTER, description)
    return people.wait_for(REQUESTER, shows("v1:when:asap"), "question when")


def finish_request(
    people: Neighbours, address: str, when_question: BotMessage | None = None
) -> tuple[int, BotMessage]:
    """From "when?" to the confirmation; returns the request id and the confirmation."""
    people.press(REQUESTER, "v1:when:asap", on=when_question)
    people.wait_for(REQUESTER, lambda m: m.asks_location, "button to share their location")
    people.share_location(REQUESTER, *HOME)
    people.wait_for(REQUESTER, lambda m: "address" in m.text.lower(), "question for the address")
    people.say(REQUESTER, address)
    summary = people.wait_for(REQUESTER, shows("v1:confirm:yes"), "summary to confirm")
    people.press(REQUESTER, "v1:confirm:yes", on=summary)
    confirmation = people.wait_for(
        REQUESTER, lambda m: is_new(m) and REQUEST_ID.search(m.text) is not None, "#<id>"
    )
    match = REQUEST_ID.search(confirmation.text)
    assert match is not None
    return int(match.group(1)), confirmation


class NotModified(AssertionError):
    """The bot edited a message into what it already was."""


def repeated_edits(people: Neighbours, user_id: int) -> list[BotMessage]:
    """Edits that changed nothing. Telegram refuses them with 400 "message is not modified"
    (PTB raises BadRequest); the emulator accepts them, so the test has to look."""
    latest: dict[int, BotMessage] = {}
    repeated = []
    for message in people.screen(user_id):
        before = latest.get(message.message_id)
        latest[message.message_id] = message
        unchanged = before is not None and (before.text, before.buttons, before.labels) == (
            message.text,
            message.buttons,
            message.labels,
        )
        if message.edited and unchanged:
            repeated.append(message)
    return repeated


def assert_no_errors(bot: BotProcess, people: Neighbours) -> None:
    """Nothing blew up inside the bot, every press was answered at most once (Telegram
    refuses a second answer), and everything sent is HTML that Telegram accepts."""
    log = bot.log()
    assert "Traceback" not in log, log
    assert "Error while handling" not in log, log
    answered = [str(a.get("callback_query_id")) for a in people.callback_answers()]
    assert len(answered) == len(set(answered)), f"answered twice: {answered}"
    broken = {
        m.text[:200]: problems
        for m in people.sent_by_bot()
        if m.parse_mode == "HTML" and (problems := html_problems(m.text))
    }
    assert not broken, f"Telegram would refuse these messages: {broken}"
