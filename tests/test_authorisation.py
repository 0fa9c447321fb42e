"""Every coordinator command and every coordinator button, tried by people who are not
coordinators (a stranger, a requester, an approved volunteer): each is refused, answered,
and leaves the database exactly as it was."""

from __future__ import annotations

from typing import Any

import pytest

from bot.telegram.callbacks import Action
from bot.telegram.commands import coordinator_commands, everyone_commands
from tests.conftest import COORDINATOR, NEAR, REQUESTER, Group
from tests.support.storage import every_row
from tests.test_groupchat import CHAT, press_in_group, say_in_group

STRANGER = 9001  # never started the bot
VOLUNTEER = 301  # approved
PENDING = 302  # signed up, waiting for approval
REQUEST = 1  # the one request in the fixture
OUTSIDERS = {"stranger": STRANGER, "requester": REQUESTER, "volunteer": VOLUNTEER}

# Every coordinator action with the arguments a real button carries. Actions not listed
# here must be in EVERYONE_ACTIONS: a new action has to be put on one side or the other.
COORDINATOR_BUTTONS: dict[Action, list[str]] = {
    Action.APPROVE: [f"v1:approve:{PENDING}"],
    Action.REJECT: [f"v1:reject:{PENDING}"],
    Action.PING_EVERYONE: [f"v1:pingall:{REQUEST}"],
    Action.OPEN_LIST: ["v1:openlist"],
    Action.CLOSE: [f"v1:close:{REQUEST}"],
    Action.ASSIGN: [f"v1:assign:{REQUEST}", f"v1:assign:{REQUEST}:{VOLUNTEER}"],
    Action.VOLUNTEERS: ["v1:vols:0"],
    Action.VOLUNTEER_CARD: [f"v1:vol:{VOLUNTEER}", f"v1:vol:{VOLUNTEER}:here"],
    Action.MARK_CHECKED: [f"v1:vcheck:{VOLUNTEER}:1"],
    Action.HOLD: [f"v1:vhold:{VOLUNTEER}:1"],
    Action.REMOVE_VOLUNTEER: [f"v1:vremove:{VOLUNTEER}", f"v1:vremove:{VOLUNTEER}:yes"],
    Action.COORDINATOR: [
        f"v1:coord:{VOLUNTEER}:add",
        f"v1:coord:{REQUESTER}:add",
        f"v1:coord:{COORDINATOR}:remove",
        f"v1:coord:{VOLUNTEER}:add:card",
    ],
    Action.EXPORT: ["v1:export:plain", "v1:export:personal"],
    Action.AUDIENCE: ["v1:audience:everyone"],
    Action.BROADCAST: ["v1:bcast:send:1", "v1:bcast:cancel:1", "v1:bcast:stop:1"],
    Action.FORGET_CONTACT: [f"v1:forgetph:{REQUEST}:yes", f"v1:forgetph:{REQUEST}:no"],
    Action.REIMBURSE: ["v1:reimburse:1"],
    Action.CLAIM_DECLINE: ["v1:claimno:1"],
    Action.FUND: [
        "v1:fund:ledger",
        "v1:fund:statement",
        "v1:fund:post:2024-01",
        "v1:fund:rev:1:yes",
    ],
    Action.INFO_ENTRY: ["v1:infoe:1"],
    Action.INFO_EDIT: ["v1:infoed:1:retire", "v1:infoed:1:phone"],
    Action.INFO_ADD: ["v1:infoadd:lang:1:cy"],
    Action.ON_IT: ["v1:onit:1"],
}
EVERYONE_ACTIONS = {
    Action.CONSENT,
    Action.ROLE,
    Action.CATEGORY,
    Action.WHEN,
    Action.CONFIRM,
    Action.ACCEPT,
    Action.DECLINE,
    Action.DONE,
    Action.RELEASE,
    Action.CANCEL_REQUEST,
    Action.VOLUNTEER_CATEGORY,
    Action.VOLUNTEER_SAVE,
    Action.LANGUAGE,
    Action.LATER,
    Action.FEEDBACK,
    Action.AVAILABILITY,
    Action.QUIET,
    Action.STOP_SERIES,
    Action.CONCERN,
    Action.FORGET,
    Action.SPEND,
    Action.NO_RECEIPT,
    Action.GROUP_HELP,
    Action.DUPLICATE,  # a requester's own conversation (in /onbehalf, checked there)
    Action.PRESCRIPTION,
    Action.INFO,
    Action.ARRIVED,
    Action.LEFT,
    Action.SAFE,
    Action.NO_SHOW,
    Action.CHECK_IN,
    Action.TALK,  # the server checks who is on the request's line
    Action.PAID_BACK,  # the server checks it is the request's requester
    Action.CALL_BY,  # a requester's own conversation
    Action.RESUME,  # a requester's own conversation
    Action.CHANGE,  # a requester's own conversation
    Action.SAME_PLACE,  # a requester's own conversation
    Action.REBOOK,  # the server checks it is the request's requester
    Action.TAKE,  # any member may take one unit of an offer
    Action.OFFER_KIND,
    Action.OFFER_UNITS,
    Action.OFFER_POST,
    Action.OFFER_CLOSE,  # the server checks it is the offerer's
    Action.OFFER_NEWS,
}
# Buttons that live inside a coordinator's conversation: to anyone not in it (as every
# non-coordinator is) they are stale, and answered so.
CONVERSATION_BUTTONS = {Action.AUDIENCE}
# Arguments worth trying with some commands, besides the bare command.
COMMAND_ARGUMENTS = {
    "volunteers": [f"V{VOLUNTEER}"],
    "coordinators": [str(REQUESTER)],
    "export": ["personal"],
    "details": [str(REQUEST)],
    "spent": [f"{REQUEST} 1"],
    "forget": [str(REQUEST)],
    "checked": [str(VOLUNTEER)],
}


def coordinator_only_commands() -> list[str]:
    """Every command in the coordinators' menu that is not everyone's, with arguments."""
    everyone = {c.command for c in everyone_commands()}
    found = []
    for command in coordinator_commands():
        if command.command in everyone:
            continue
        found.append(f"/{command.command}")
        found += [f"/{command.command} {a}" for a in COMMAND_ARGUMENTS.get(command.command, [])]
    return found


def refused(action: Action, answer: dict[str, Any]) -> bool:
    text = str(answer.get("text"))
    if action in CONVERSATION_BUTTONS:
        return "doesn't work any more" in text or "Only coordinators" in text
    return "Only coordinators" in text


async def snapshot(group: Group) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (PTB's stored conversations and drafts included), but
    the ids of updates handled, which every update adds to whatever it asked for."""
    return {
        name: sorted(rows, key=repr)
        for name, (_, rows) in (await every_row(group.app.storage.db)).items()
        if name != "handled_updates"
    }


async def _world(group: Group) -> None:
    """A coordinator, a requester with an open request, an approved volunteer pinged about
    it, one waiting for approval, and a linked group chat."""
    await group.consent(COORDINATOR, name="Cora")
    await group.consent(REQUESTER, name="Rita")
    await group.volunteer(VOLUNTEER, NEAR, name="Alice")
    await group.sign_up(PENDING, NEAR, name="Pat")
    await say_in_group(group, COORDINATOR, "/linkgroup")
    assert await group.ask() == REQUEST
    assert group.pinged(REQUEST) == [VOLUNTEER]
    group.telegram.clear()


def test_every_action_is_either_for_coordinators_or_for_everyone() -> None:
    unclassified = set(Action) - EVERYONE_ACTIONS - COORDINATOR_BUTTONS.keys()
    assert not unclassified, (
        f"put these in COORDINATOR_BUTTONS or EVERYONE_ACTIONS: {unclassified}"
    )
    assert not EVERYONE_ACTIONS & COORDINATOR_BUTTONS.keys()


def test_the_table_has_every_coordinator_command() -> None:
    commands = {c.split()[0] for c in coordinator_only_commands()}
    assert {"/pending", "/open", "/volunteers", "/coordinators", "/onbehalf"} <= commands
    assert {"/stats", "/export", "/linkgroup"} <= commands


@pytest.mark.parametrize("who", sorted(OUTSIDERS))
async def test_coordinator_commands_are_refused_to_everyone_else(group: Group, who: str) -> None:
    await _world(group)
    user_id = OUTSIDERS[who]
    before = await snapshot(group)
    for command in [*coordinator_only_commands(), "/unlinkgroup"]:
        await group.say(user_id, command, name=who)
        reply = group.telegram.last_to(user_id).text
        assert "Only coordinators" in reply, (command, reply)
        # The next message is not taken as an answer to a conversation that never began.
        await group.say(user_id, "Mary Smith", name=who)
    for command in ("/linkgroup", "/unlinkgroup"):
        await say_in_group(group, user_id, command)
        assert "Only coordinators" in group.telegram.last_to(CHAT).text, command
    assert await snapshot(group) == before
    assert group.telegram.calls_of("sendDocument") == []
    assert group.telegram.calls_of("sendPhoto") == []
    assert group.telegram.calls_of("setMyCommands") == []


@pytest.mark.parametrize("who", sorted(OUTSIDERS))
async def test_coordinator_buttons_are_refused_to_everyone_else(group: Group, who: str) -> None:
    await _world(group)
    user_id = OUTSIDERS[who]
    before = await snapshot(group)
    for action, presses in COORDINATOR_BUTTONS.items():
        for data in presses:
            await group.press(user_id, data, name=who)  # answered exactly once
            answer = group.telegram.answers()[-1].params
            assert refused(action, answer), (action, data, answer)
            # Forwarded into the group chat, it is refused there too.
            in_group = await press_in_group(group, user_id, data, message_id=1)
            assert refused(action, in_group.params), (action, data)
    assert await snapshot(group) == before
    # Nobody but the presser heard anything: no volunteer pinged, nobody told.
    told = {c.chat_id for c in group.telegram.calls if c.method.startswith("send")}
    assert told <= {user_id}
    assert not [c for c in group.telegram.calls if c.method.startswith("edit")]
