"""A friendly phone call end to end, over the Bot API server: the requester gives a
number instead of a place and an address, a volunteer beyond their own radius is asked,
the taker gets the number (protected, with the 141 advice) and no door or safety-code
wording reaches anyone."""

from __future__ import annotations

from tests.e2e.conftest import COORDINATOR, REQUESTER, BotProcess, Neighbours, is_new, shows
from tests.e2e.steps import FAR, REQUEST_ID, assert_no_errors, consent

NUMBER = "07700 900789"
DOOR_WORDS = ("door", "safety code", "arrived", "🔑", "🏠")


def caller(people: Neighbours, user_id: int) -> None:
    """A volunteer who offers phone calls, 3 km away, going 1 km at most."""
    consent(people, user_id)
    people.say(user_id, "/volunteer")
    people.wait_for(user_id, lambda m: m.asks_location, "button to share their location")
    people.share_location(user_id, *FAR)
    people.wait_for(user_id, is_new, "question how far they will go")
    people.say(user_id, "1 km")
    form = people.wait_for(user_id, shows("v1:vcat:phone_call"), "form of kinds of help")
    people.press(user_id, "v1:vcat:phone_call", on=form)
    people.press(user_id, "v1:vsave", on=form)
    approval = people.wait_for(COORDINATOR, shows(f"v1:approve:{user_id}"), "approval")
    people.read_all(user_id)
    people.press(COORDINATOR, f"v1:approve:{user_id}", on=approval)
    people.wait_for(user_id, is_new, "news that they are approved")


def test_a_friendly_phone_call_from_number_to_done(
    bot: BotProcess, neighbours: Neighbours
) -> None:
    people = neighbours
    consent(people, COORDINATOR)
    caller(people, 301)
    consent(people, REQUESTER)

    people.say(REQUESTER, "/request")
    people.wait_for(REQUESTER, shows("v1:cat:phone_call"), "choice of categories")
    people.press(REQUESTER, "v1:cat:phone_call")
    asked = people.wait_for(REQUESTER, is_new, "question what they need")
    assert "a chat once a week" in asked.text
    people.say(REQUESTER, "A chat about the garden")
    when = people.wait_for(REQUESTER, shows("v1:when:asap"), "question when")
    people.press(REQUESTER, "v1:when:asap", on=when)
    number = people.wait_for(REQUESTER, shows("v1:callby:bot"), "question for the number")
    assert not number.asks_location
    people.say(REQUESTER, NUMBER)
    summary = people.wait_for(REQUESTER, shows("v1:confirm:yes"), "summary to confirm")
    assert NUMBER in summary.text
    people.press(REQUESTER, "v1:confirm:yes", on=summary)
    confirmation = people.wait_for(
        REQUESTER, lambda m: is_new(m) and REQUEST_ID.search(m.text) is not None, "#<id>"
    )
    match = REQUEST_ID.search(confirmation.text)
    assert match is not None
    request_id = int(match.group(1))

    # 3 km away with a 1 km radius, and still asked: a call is made from anywhere.
    ping = people.wait_for(301, shows(f"v1:accept:{request_id}"), "ping for the call")
    assert NUMBER not in ping.text
    people.press(301, f"v1:accept:{request_id}", on=ping)
    details = people.wait_for(301, lambda m: NUMBER in m.text, "the number to ring")
    assert details.protected
    assert "141" in details.text
    coming = people.wait_for(REQUESTER, lambda m: "Good news" in m.text, "who will call")
    assert "withheld" in coming.text
    card = people.wait_for(301, shows(f"v1:done:{request_id}"), "task card")
    people.press(301, f"v1:done:{request_id}", on=card)
    people.wait_for(REQUESTER, lambda m: "marked request" in m.text, "news it is done")

    people.settle()
    for message in people.everything_seen():
        if message.chat_id in (REQUESTER, 301):
            for word in DOOR_WORDS:
                assert word not in message.text.lower(), (word, message.text)
            assert not any(b.startswith("v1:arrived:") for b in message.buttons), message
    shown_number = {m.chat_id for m in people.everything_seen() if NUMBER in m.text}
    assert shown_number == {301, REQUESTER}, shown_number
    assert_no_errors(bot, people)
