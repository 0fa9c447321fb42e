"""The whole role matrix: every command in the menus and every button action, tried as
each role (a stranger who never agreed to the notice, a requester, a volunteer waiting
for approval, an approved volunteer, a coordinator). A try is "allowed" when it changed
the database or sent anything but a refusal; the allowed set must equal the table below.

Each try starts from the same world: the database is restored from a copy between tries
(tests/support/rewind.py, on either backend), and the person's conversation is left with
/cancel, so no try depends on another."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.telegram.callbacks import Action
from bot.telegram.commands import coordinator_commands
from tests.conftest import COORDINATOR, NEAR, REQUESTER, Group
from tests.support.rewind import Rewind, keep
from tests.test_authorisation import snapshot

STRANGER = 9001
VOLUNTEER = 301
PENDING = 302
OPEN, CLAIMED, DONE = 1, 2, 3  # the world's requests: open (pinged to 301), 301's, done
SERIES = 1  # the requester's weekly request
CLAIM = 1  # what 301 spent on the done request, waiting for a coordinator
OFFER = 1  # Alice's offer of a meal, open
ROLES = {
    "stranger": STRANGER,
    "requester": REQUESTER,
    "pending": PENDING,
    "volunteer": VOLUNTEER,
    "coordinator": COORDINATOR,
}

# One realistic press of each action, aimed at the request it makes sense for.
BUTTONS: dict[Action, str] = {
    Action.CONSENT: "v1:consent:yes",
    Action.ROLE: "v1:role:need",
    Action.CATEGORY: "v1:cat:groceries",
    Action.WHEN: "v1:when:asap",
    Action.CONFIRM: "v1:confirm:yes",
    Action.ACCEPT: f"v1:accept:{OPEN}",
    Action.DECLINE: f"v1:decline:{OPEN}",
    Action.DONE: f"v1:done:{CLAIMED}",
    Action.RELEASE: f"v1:release:{CLAIMED}",
    Action.CANCEL_REQUEST: f"v1:cancelreq:{OPEN}",
    Action.VOLUNTEER_CATEGORY: "v1:vcat:groceries",
    Action.VOLUNTEER_SAVE: "v1:vsave",
    Action.APPROVE: f"v1:approve:{PENDING}",
    Action.REJECT: f"v1:reject:{PENDING}",
    Action.LANGUAGE: "v1:lang:en",
    Action.PING_EVERYONE: f"v1:pingall:{OPEN}",
    Action.OPEN_LIST: "v1:openlist",
    Action.CLOSE: f"v1:close:{OPEN}",
    Action.LATER: f"v1:later:{CLAIMED}",
    Action.FEEDBACK: f"v1:fb:{DONE}:yes",
    Action.AVAILABILITY: "v1:avail:weekend",
    Action.QUIET: "v1:quiet:off",
    Action.STOP_SERIES: f"v1:stopseries:{SERIES}",
    Action.ASSIGN: f"v1:assign:{OPEN}:{VOLUNTEER}",
    Action.VOLUNTEERS: "v1:vols:0",
    Action.VOLUNTEER_CARD: f"v1:vol:{VOLUNTEER}",
    Action.MARK_CHECKED: f"v1:vcheck:{VOLUNTEER}:1",
    Action.HOLD: f"v1:vhold:{VOLUNTEER}:1",
    Action.REMOVE_VOLUNTEER: f"v1:vremove:{VOLUNTEER}",
    Action.COORDINATOR: f"v1:coord:{VOLUNTEER}:add",
    Action.EXPORT: "v1:export:plain",
    Action.GROUP_HELP: f"v1:grouphelp:{OPEN}",
    Action.AUDIENCE: "v1:audience:everyone",
    Action.BROADCAST: "v1:bcast:send:1",
    Action.CONCERN: f"v1:concern:{OPEN}",
    Action.FORGET: "v1:forget:yes",
    Action.FORGET_CONTACT: f"v1:forgetph:{OPEN}:yes",
    Action.SPEND: f"v1:spend:{DONE}",
    Action.NO_RECEIPT: f"v1:noreceipt:{DONE}",
    Action.DUPLICATE: f"v1:dup:{OPEN}:same",
    Action.PRESCRIPTION: "v1:rx:pay:paid",
    Action.REIMBURSE: f"v1:reimburse:{CLAIM}",
    Action.CLAIM_DECLINE: f"v1:claimno:{CLAIM}",
    Action.FUND: "v1:fund:ledger",
    Action.INFO: "v1:info:food",
    Action.INFO_ENTRY: "v1:infoe:1",
    Action.INFO_EDIT: "v1:infoed:1:checked",
    Action.INFO_ADD: "v1:infoadd:topic:food",
    Action.ARRIVED: f"v1:arrived:{CLAIMED}",
    Action.LEFT: f"v1:left:{CLAIMED}",
    Action.SAFE: f"v1:safe:{CLAIMED}:help",
    Action.NO_SHOW: f"v1:nocome:{CLAIMED}:{VOLUNTEER}",
    Action.CHECK_IN: f"v1:checkin:{DONE}",
    Action.TALK: f"v1:talk:{CLAIMED}",
    Action.PAID_BACK: f"v1:paidback:{DONE}",
    Action.CALL_BY: "v1:callby:bot",
    Action.RESUME: "v1:resume:yes",
    Action.CHANGE: "v1:change:what",
    Action.SAME_PLACE: "v1:sameplace",
    Action.ON_IT: "v1:onit:1",
    Action.REBOOK: f"v1:rebook:{OPEN}",
    Action.TAKE: f"v1:take:{OFFER}",
    Action.OFFER_KIND: "v1:offerkind:meal",
    Action.OFFER_UNITS: "v1:offerunits:2",
    Action.OFFER_POST: "v1:offerpost:yes",
    Action.OFFER_CLOSE: f"v1:offerclose:{OFFER}",
    Action.OFFER_NEWS: "v1:offernews:on",
}

# Read by tests/test_zz_summary.py.
CHECKS = 0
FAILURES = 0


def commands() -> list[str]:
    return [f"/{c.command}" for c in coordinator_commands()]


async def _world(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.consent(REQUESTER, name="Rita")
    await group.volunteer(VOLUNTEER, NEAR, name="Alice")
    await group.sign_up(PENDING, NEAR, name="Pat")
    assert await group.ask(description="Milk please") == OPEN
    assert await group.ask(description="A lift to the surgery") == CLAIMED
    assert await group.ask(description="Collect a parcel") == DONE
    # Done first: holding a task, Alice would not be pinged for another one meanwhile.
    await group.press(VOLUNTEER, f"v1:accept:{DONE}", name="Alice")
    await group.press(VOLUNTEER, f"v1:done:{DONE}", name="Alice")
    await group.press(VOLUNTEER, f"v1:spend:{DONE}", name="Alice")
    await group.say(VOLUNTEER, "5", name="Alice")
    await group.press(VOLUNTEER, f"v1:noreceipt:{DONE}", name="Alice")
    await group.press(VOLUNTEER, f"v1:accept:{CLAIMED}", name="Alice")
    # A weekly request (#4), so that stopping a series has one to stop.
    await group.say(REQUESTER, "/request", name="Rita")
    await group.press(REQUESTER, "v1:cat:groceries", name="Rita")
    # Groceries are open already: this is a new need, not more for the open one.
    new = [b for b in group.telegram.last_to(REQUESTER).buttons if b.endswith(":new")]
    await group.press(REQUESTER, new[0], name="Rita")
    await group.say(REQUESTER, "Weekly shop", name="Rita")
    await group.press(REQUESTER, "v1:when:weekly", name="Rita")
    await group.say(REQUESTER, "saturday 10:00", name="Rita")
    await group.share(REQUESTER, *NEAR, name="Rita")
    await group.say(REQUESTER, "12 Acacia Avenue", name="Rita")
    await group.press(REQUESTER, "v1:confirm:yes", name="Rita")
    series = await group.app.storage.db.fetchall("SELECT id FROM series")
    assert [row["id"] for row in series] == [SERIES]
    # Alice offers a meal (#1).
    await group.say(VOLUNTEER, "/offer", name="Alice")
    await group.press(VOLUNTEER, "v1:offerkind:meal", name="Alice")
    await group.say(VOLUNTEER, "Soup for two", name="Alice")
    await group.press(VOLUNTEER, "v1:offerunits:2", name="Alice")
    await group.say(VOLUNTEER, "tomorrow 18:00", name="Alice")
    await group.share(VOLUNTEER, *NEAR, name="Alice")
    await group.press(VOLUNTEER, "v1:offerpost:yes", name="Alice")
    assert f"offer #{OFFER}" in group.telegram.last_to(VOLUNTEER).text
    group.telegram.clear()


class Matrix:
    """The world, kept as a copy to restore before each try."""

    def __init__(self, group: Group, copy: Rewind) -> None:
        self.group = group
        self.copy = copy
        self.outputs: dict[tuple[str, str], list[str]] = {}
        self.world: dict[str, list[tuple[Any, ...]]] = {}

    async def attempt(self, role: str, item: str) -> bool:
        """Try one command or button as one role, from the world; True if allowed."""
        group, user_id = self.group, ROLES[role]
        await self.copy.restore()
        group.telegram.clear()
        if item.startswith("/"):
            await group.say(user_id, item, name=role)
        else:
            await group.press(user_id, item, name=role)
        after = await snapshot(group)
        said = [
            str(c.params.get("text") or c.params.get("caption") or c.method)
            for c in group.telegram.calls
            # A press answered without a word says nothing either way, nor does taking
            # the buttons off the message pressed.
            if (c.method != "answerCallbackQuery" or c.params.get("text"))
            and c.method != "editMessageReplyMarkup"
        ]
        self.outputs[(role, item)] = said
        if after["conversation_states"] != self.world["conversation_states"]:
            # Leave the conversation the try began (PTB also keeps it in memory): the
            # next try starts outside one.
            await group.say(user_id, "/cancel", name=role)
        return after != self.world or any(not refusal(text, item) for text in said)


REFUSALS = (
    "Only coordinators",
    "doesn't work any more",
    "wasn't offered to you",
    "isn't yours",
    "isn't for you",
    "no longer open",
    "no longer yours to change",
    "haven't signed up as a volunteer",
    "Please sign up with /volunteer first",
    "That has already stopped",
    "no longer yours to write about",  # a request's private line, not theirs
    "isn't one of your offers",
    "your own offer",
)


def refusal(text: str, item: str) -> bool:
    if item != "/start" and "Before we start, how we look after your details" in text:
        return True  # someone who has not agreed yet is shown the notice instead
    return any(phrase in text for phrase in REFUSALS)


@pytest.fixture
async def matrix(group: Group) -> AsyncIterator[Matrix]:
    await _world(group)
    copy = await keep(group.app.storage.db)
    try:
        matrix = Matrix(group, copy)
        matrix.world = await snapshot(group)
        yield matrix
    finally:
        await copy.close()


ALL = frozenset(ROLES)
CONSENTED = ALL - {"stranger"}
VOLUNTEERS = frozenset({"pending", "volunteer"})
ONLY_COORDINATOR = frozenset({"coordinator"})
NOBODY: frozenset[str] = frozenset()

# Who may do what, from the world above. Conversation buttons (a category, "when", the
# summary, the volunteer form) are stale outside their conversation, so refused to all;
# a broadcast's button is stale unless that broadcast is being prepared, and a group
# chat's "I can help" needs the request's post in a group chat.
EXPECTED: dict[str, frozenset[str]] = {
    "/start": ALL,
    "/request": CONSENTED,
    "/myrequests": CONSENTED,
    "/volunteer": CONSENTED,
    "/mytasks": CONSENTED,
    "/pause": VOLUNTEERS,
    "/resume": VOLUNTEERS,
    "/help": ALL,
    "/privacy": ALL,
    "/concern": CONSENTED,
    "/forgetme": ALL,  # a stranger is told there is nothing to erase
    "/language": ALL,  # the notice itself offers a choice of language
    "/cancel": ALL,
    "/pending": ONLY_COORDINATOR,
    "/details": ONLY_COORDINATOR,
    "/spent": ONLY_COORDINATOR,
    "/broadcast": ONLY_COORDINATOR,
    "/open": ONLY_COORDINATOR,
    "/volunteers": ONLY_COORDINATOR,
    "/coordinators": ONLY_COORDINATOR,
    "/onbehalf": ONLY_COORDINATOR,
    "/forget": ONLY_COORDINATOR,
    "/stats": ONLY_COORDINATOR,
    "/export": ONLY_COORDINATOR,
    "/linkgroup": ONLY_COORDINATOR,
    "/map": ONLY_COORDINATOR,
    BUTTONS[Action.CONSENT]: ALL,
    BUTTONS[Action.ROLE]: CONSENTED,
    BUTTONS[Action.CATEGORY]: NOBODY,
    BUTTONS[Action.WHEN]: NOBODY,
    BUTTONS[Action.CONFIRM]: NOBODY,
    BUTTONS[Action.DUPLICATE]: NOBODY,  # only inside /request and /onbehalf
    BUTTONS[Action.PRESCRIPTION]: NOBODY,
    BUTTONS[Action.ACCEPT]: frozenset({"volunteer"}),  # the one it was offered to
    BUTTONS[Action.DECLINE]: frozenset({"volunteer"}),
    BUTTONS[Action.DONE]: frozenset({"volunteer"}),  # the one who has it
    BUTTONS[Action.RELEASE]: frozenset({"volunteer"}),
    BUTTONS[Action.LATER]: frozenset({"volunteer"}),
    BUTTONS[Action.SPEND]: frozenset({"volunteer"}),
    BUTTONS[Action.NO_RECEIPT]: NOBODY,  # only inside the spending conversation
    BUTTONS[Action.CANCEL_REQUEST]: frozenset({"requester"}),  # the one who asked
    BUTTONS[Action.FEEDBACK]: frozenset({"requester"}),
    BUTTONS[Action.STOP_SERIES]: frozenset({"requester"}),
    BUTTONS[Action.CONCERN]: frozenset({"requester", "volunteer"}),  # those involved
    BUTTONS[Action.TALK]: frozenset({"requester", "volunteer"}),  # the two ends of its line
    BUTTONS[Action.VOLUNTEER_CATEGORY]: NOBODY,
    BUTTONS[Action.VOLUNTEER_SAVE]: NOBODY,
    BUTTONS[Action.AVAILABILITY]: VOLUNTEERS,
    BUTTONS[Action.QUIET]: VOLUNTEERS,
    BUTTONS[Action.LANGUAGE]: ALL,
    BUTTONS[Action.FORGET]: ALL,
    BUTTONS[Action.GROUP_HELP]: NOBODY,
    BUTTONS[Action.APPROVE]: ONLY_COORDINATOR,
    BUTTONS[Action.REJECT]: ONLY_COORDINATOR,
    BUTTONS[Action.PING_EVERYONE]: ONLY_COORDINATOR,
    BUTTONS[Action.OPEN_LIST]: ONLY_COORDINATOR,
    BUTTONS[Action.CLOSE]: ONLY_COORDINATOR,
    BUTTONS[Action.ASSIGN]: ONLY_COORDINATOR,
    BUTTONS[Action.VOLUNTEERS]: ONLY_COORDINATOR,
    BUTTONS[Action.VOLUNTEER_CARD]: ONLY_COORDINATOR,
    BUTTONS[Action.MARK_CHECKED]: ONLY_COORDINATOR,
    BUTTONS[Action.HOLD]: ONLY_COORDINATOR,
    BUTTONS[Action.REMOVE_VOLUNTEER]: ONLY_COORDINATOR,
    BUTTONS[Action.COORDINATOR]: ONLY_COORDINATOR,
    BUTTONS[Action.EXPORT]: ONLY_COORDINATOR,
    BUTTONS[Action.FORGET_CONTACT]: ONLY_COORDINATOR,  # "nothing to erase": not a phone one
    BUTTONS[Action.AUDIENCE]: NOBODY,
    BUTTONS[Action.BROADCAST]: NOBODY,
    "/fund": CONSENTED,
    "/info": CONSENTED,
    BUTTONS[Action.REIMBURSE]: ONLY_COORDINATOR,
    BUTTONS[Action.CLAIM_DECLINE]: ONLY_COORDINATOR,
    BUTTONS[Action.FUND]: ONLY_COORDINATOR,
    BUTTONS[Action.INFO]: CONSENTED,
    BUTTONS[Action.INFO_ENTRY]: ONLY_COORDINATOR,  # "no longer shown": there is none
    BUTTONS[Action.INFO_EDIT]: ONLY_COORDINATOR,
    BUTTONS[Action.INFO_ADD]: NOBODY,  # only inside /info add
    BUTTONS[Action.ARRIVED]: frozenset({"volunteer"}),  # the one on the task
    BUTTONS[Action.LEFT]: NOBODY,  # nobody has arrived in this world
    BUTTONS[Action.SAFE]: NOBODY,
    BUTTONS[Action.NO_SHOW]: frozenset({"requester"}),  # the one who was told they'd come
    BUTTONS[Action.CHECK_IN]: frozenset({"volunteer"}),  # the one who did the task
    BUTTONS[Action.PAID_BACK]: frozenset({"requester"}),  # the one who was helped
    BUTTONS[Action.CALL_BY]: NOBODY,  # only inside /request
    BUTTONS[Action.RESUME]: NOBODY,  # only inside /request
    BUTTONS[Action.CHANGE]: NOBODY,
    BUTTONS[Action.SAME_PLACE]: NOBODY,
    BUTTONS[Action.ON_IT]: NOBODY,  # there is no concern in this world
    BUTTONS[Action.REBOOK]: frozenset({"requester"}),  # told it is not booked any more
    "/offer": CONSENTED,
    "/offers": CONSENTED,
    "/myoffers": CONSENTED,
    BUTTONS[Action.TAKE]: CONSENTED - {"volunteer"},  # anyone but the offerer
    BUTTONS[Action.OFFER_KIND]: NOBODY,  # only inside /offer
    BUTTONS[Action.OFFER_UNITS]: NOBODY,
    BUTTONS[Action.OFFER_POST]: NOBODY,
    BUTTONS[Action.OFFER_CLOSE]: frozenset({"volunteer"}),  # the offerer
    BUTTONS[Action.OFFER_NEWS]: CONSENTED,
}


def test_the_table_covers_every_command_and_every_action() -> None:
    assert set(BUTTONS) == set(Action), set(Action) - set(BUTTONS)
    assert set(EXPECTED) == {*commands(), *BUTTONS.values()}


async def test_a_stranger_pressing_i_need_help_is_shown_the_notice_once(group: Group) -> None:
    # Found by the matrix: the press was answered, then answered again with the notice.
    for data in ("v1:role:need", "v1:role:offer"):
        await group.press(STRANGER, data, name="Sam")  # answered exactly once
        assert "Before we start" in group.telegram.last_to(STRANGER).text
    assert await group.app.storage.users.get(STRANGER) is None


async def test_a_rewound_world_is_whole_again_its_next_ids_included(group: Group) -> None:
    await group.ready((VOLUNTEER, NEAR, "Alice"))
    assert await group.ask(description="Milk please") == 1
    kept = await keep(group.app.storage.db)
    try:
        world = await snapshot(group)
        assert await group.ask(description="Bread please") == 2
        await group.press(VOLUNTEER, "v1:accept:2", name="Alice")
        await kept.restore()
        assert await snapshot(group) == world
        # The ids were set back too: the next request is #2 again, not #3.
        assert await group.ask(description="Eggs please") == 2
    finally:
        await kept.close()


async def test_every_role_may_do_exactly_what_the_table_says(matrix: Matrix) -> None:
    global CHECKS, FAILURES
    wrong = {}
    for item, expected in EXPECTED.items():
        allowed = {role for role in ROLES if await matrix.attempt(role, item)}
        CHECKS += len(ROLES)
        if allowed != expected:
            FAILURES += len(allowed ^ expected)
            wrong[item] = {
                "allowed": sorted(allowed),
                "expected": sorted(expected),
                "said": {r: matrix.outputs[(r, item)] for r in allowed ^ expected},
            }
    assert not wrong, wrong
