"""A place outside the group's area but inside a neighbouring group's circle gets that
group's link as a URL button, over the real Bot API (the local emulator)."""

from __future__ import annotations

from tests.e2e.conftest import REQUESTER, BotProcess, Neighbours
from tests.e2e.steps import DESCRIPTION, consent, start_request

# The area is 10 km around 51.5,-0.1 (tests/e2e/conftest.py); Riverside is ~20 km north.
RIVERSIDE = "Riverside Helpers|51.68,-0.10|3|https://t.me/riverside_help_bot?start=need"
IN_RIVERSIDE = (51.685, -0.10)


def test_an_out_of_area_location_in_a_neighbours_circle_gets_its_link(
    bot: BotProcess, neighbours: Neighbours
) -> None:
    people = neighbours
    bot.extra_env["NEIGHBOUR_GROUPS"] = RIVERSIDE
    bot.stop()
    bot.start()
    consent(people, REQUESTER)
    when = start_request(people, DESCRIPTION)
    people.press(REQUESTER, "v1:when:asap", on=when)
    people.wait_for(REQUESTER, lambda m: m.asks_location, "button to share their location")
    people.share_location(REQUESTER, *IN_RIVERSIDE)
    referral = people.wait_for(
        REQUESTER, lambda m: "Riverside Helpers" in m.text, "the neighbouring group's name"
    )
    assert referral.links == ("https://t.me/riverside_help_bot?start=need",)
    assert "outside the area" in referral.text
    # Still in the conversation: a place inside the area carries on to the address.
    people.share_location(REQUESTER, 51.5, -0.1)
    people.wait_for(REQUESTER, lambda m: "address" in m.text.lower(), "question for the address")
