"""Offers end to end over the local Bot API server: an offer of 2, three takers, two get
it; the listener's notice carries no place and no name, and is edited when none is left."""

from __future__ import annotations

import re

from tests.e2e.conftest import REQUESTER, BotProcess, Neighbours, is_new, shows
from tests.e2e.steps import HOME, NEAR, assert_no_errors, consent


def test_an_offer_of_two_three_takers_two_get_it(bot: BotProcess, neighbours: Neighbours) -> None:
    people = neighbours
    for user_id in (REQUESTER, 301, 302, 303):
        consent(people, user_id)
    # Alice asks to hear of offers nearby, from /start's menu.
    people.press(301, "v1:offernews:on")
    people.wait_for(301, lambda m: m.asks_location, "button to share where she is")
    people.share_location(301, *NEAR)
    people.wait_for(301, lambda m: "I'll tell you about offers" in m.text, "listening")

    people.say(REQUESTER, "/offer")
    people.wait_for(REQUESTER, shows("v1:offerkind:meal"), "choice of kinds")
    people.press(REQUESTER, "v1:offerkind:meal")
    people.wait_for(REQUESTER, is_new, "question what is offered")
    people.say(REQUESTER, "A pan of lentil soup, bring a bowl")
    people.wait_for(REQUESTER, shows("v1:offerunits:2"), "question how many")
    people.press(REQUESTER, "v1:offerunits:2")
    people.wait_for(REQUESTER, is_new, "question until when")
    people.say(REQUESTER, "tomorrow 18:00")
    people.wait_for(REQUESTER, lambda m: m.asks_location, "button to share where it is")
    people.share_location(REQUESTER, *HOME)
    summary = people.wait_for(REQUESTER, shows("v1:offerpost:yes"), "summary to confirm")
    people.press(REQUESTER, "v1:offerpost:yes", on=summary)
    posted = people.wait_for(REQUESTER, lambda m: "offer #" in m.text, "the offer's number")
    match = re.search(r"offer #(\d+)", posted.text)
    assert match, posted.text
    take = f"v1:take:{match.group(1)}"

    notice = people.wait_for(301, shows(take), "a notice of the offer")
    assert "lentil soup" in notice.text
    assert "Rita" not in notice.text
    assert "51.5" not in notice.text
    answers = [
        people.press(301, take, on=notice),
        people.press(302, take),
        people.press(303, take),
    ]
    told = [str(answer.get("text")) for answer in answers]
    assert ["It's yours" in t for t in told] == [True, True, False], told
    assert "has all gone" in told[2]
    for name in ("Alice", "Bashir"):
        people.wait_for(REQUESTER, lambda m, n=name: n in m.text and "would like" in m.text, name)
    people.wait_for(301, lambda m: m.edited and "all been taken" in m.text, "the notice edited")
    assert_no_errors(bot, people)
