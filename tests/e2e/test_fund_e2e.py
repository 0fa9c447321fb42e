"""The shared fund end to end: a donation, a claim from a done task, an approval, and
/fund showing the balance, all over the local Bot API server."""

from __future__ import annotations

import re

from tests.e2e.conftest import COORDINATOR, REQUESTER, BotProcess, Neighbours, is_new, shows
from tests.e2e.steps import (
    ADDRESS,
    DESCRIPTION,
    NEAR,
    assert_no_errors,
    finish_request,
    ready,
    start_request,
)


def test_a_donation_pays_a_claim_and_fund_shows_the_balance(
    bot: BotProcess, neighbours: Neighbours
) -> None:
    people = neighbours
    ready(people, (301, NEAR))

    people.say(COORDINATOR, "/fund add")
    people.wait_for(COORDINATOR, is_new, "question how much came in")
    people.say(COORDINATOR, "40")
    people.wait_for(COORDINATOR, shows("v1:fund:day:0"), "question which day")
    people.press(COORDINATOR, "v1:fund:day:0")
    people.wait_for(COORDINATOR, shows("v1:fund:nonote"), "question for a donor note")
    people.say(COORDINATOR, "Given by the Tuesday knitting circle")
    people.wait_for(COORDINATOR, shows("v1:fund:thank:yes"), "question about thanks")
    people.press(COORDINATOR, "v1:fund:thank:yes")
    people.wait_for(COORDINATOR, lambda m: "£40.00" in m.text, "the donation recorded")

    request_id, _ = finish_request(people, ADDRESS, start_request(people, DESCRIPTION))
    people.wait_for(301, shows(f"v1:accept:{request_id}"), "ping")
    people.press(301, f"v1:accept:{request_id}")
    people.wait_for(301, shows(f"v1:done:{request_id}"), "the task with its Done button")
    people.press(301, f"v1:done:{request_id}")
    people.wait_for(301, shows(f"v1:spend:{request_id}"), "a button to record the spend")
    people.press(301, f"v1:spend:{request_id}")
    people.wait_for(301, lambda m: "How much" in m.text, "question how much they spent")
    people.say(301, "12.50")
    claim = people.wait_for(
        COORDINATOR, lambda m: any(b.startswith("v1:reimburse:") for b in m.buttons), "claim"
    )
    claim_data = next(b for b in claim.buttons if b.startswith("v1:reimburse:"))
    people.press(COORDINATOR, claim_data, on=claim)
    people.wait_for(301, lambda m: "approved" in m.text and "£12.50" in m.text, "news of pay")

    people.say(REQUESTER, "/fund")
    shown = people.wait_for(REQUESTER, lambda m: "fund" in m.text.lower(), "the fund's figures")
    assert "£27.50" in shown.text
    assert re.search(r"knitting|Alice|Cora", shown.text) is None
    assert_no_errors(bot, people)
