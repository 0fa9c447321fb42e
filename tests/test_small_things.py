"""Smaller things from the walkthrough that tripped people up: stale ping buttons after a
hand-over, /open counting pings instead of people, "tell us" without saying how, and
settings text describing what the bot doesn't do."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

from tests.conftest import COORDINATOR, MIDDLE, NEAR, REQUESTER, Group

OpenGroup = Callable[..., AbstractAsyncContextManager[Group]]
REPO = Path(__file__).resolve().parent.parent


async def test_a_hand_over_retires_the_takers_old_ping(open_group: OpenGroup) -> None:
    async with open_group(WAVE_SIZE="1") as group:
        await group.ready((301, NEAR))
        request_id = await group.ask()
        [ping] = [c for c in group.telegram.sent_to(301) if f"v1:accept:{request_id}" in c.buttons]
        group.telegram.clear()
        await group.press(COORDINATOR, f"v1:assign:{request_id}:301", name="Cora")
        retired = [
            c
            for c in group.telegram.sent_to(301, "editMessageText")
            if c.params.get("message_id") == ping.message_id
        ]
        assert len(retired) == 1
        assert "handed #" in retired[0].text
        assert retired[0].buttons == []
        # A "Not this time" pressed on it anyway says the truth, and gives nothing back.
        await group.press(301, f"v1:decline:{request_id}", name="V301")
        said = str(group.telegram.answers()[-1].params.get("text"))
        assert "yours now" in said
        assert "Hand it back" in said
        stored = await group.stored(request_id)
        assert (stored.status, stored.volunteer_id) == ("claimed", 301)


async def test_open_counts_people_asked_not_pings(open_group: OpenGroup) -> None:
    async with open_group(WAVE_SIZE="2") as group:
        await group.ready((301, NEAR), (302, MIDDLE))
        request_id = await group.ask()
        await group.press(301, f"v1:accept:{request_id}", name="V301")
        await group.press(301, f"v1:release:{request_id}:yes", name="V301")
        # 302 was asked in both rounds: three pings, two people.
        assert sorted(group.pinged(request_id)) == [301, 302, 302]
        group.telegram.clear()
        await group.say(COORDINATOR, "/open", name="Cora")
        entry = next(c for c in group.telegram.sent_to(COORDINATOR) if f"#{request_id}" in c.text)
        assert "2 volunteers asked" in entry.text


async def test_tell_us_says_how(group: Group) -> None:
    await group.ready((301, NEAR))
    request_id = await group.ask()
    await group.press(301, f"v1:accept:{request_id}", name="V301")
    news = next(c for c in group.telegram.sent_to(REQUESTER) if "Good news" in c.text)
    assert "tell us with /concern" in news.text
    group.telegram.clear()
    await group.press(COORDINATOR, "v1:vhold:301:1", name="Cora")
    await group.say(COORDINATOR, "Checking a concern", name="Cora")
    assert any("/concern reaches the coordinators" in t for t in group.telegram.texts_to(301))


def test_settings_text_says_only_what_the_bot_does() -> None:
    lines = (REPO / ".env.example").read_text().splitlines()
    assert not any("/checked" in line for line in lines)  # there is no such command
    at = next(n for n, line in enumerate(lines) if line.startswith("FOLLOW_UP_AFTER_S="))
    comment = []
    for line in reversed(lines[:at]):
        if not line.startswith("#"):
            break
        comment.append(line)
    # Only the volunteer is asked how it went.
    assert comment
    assert "requester" not in " ".join(comment)


async def test_myrequests_names_the_volunteer_and_who_closed_it(group: Group) -> None:
    await group.ready((301, NEAR))
    taken = await group.ask(description="Taken one")
    await group.press(301, f"v1:accept:{taken}", name="V301")
    mine = await group.ask(category="errand", description="Cancelled by me")
    await group.press(REQUESTER, f"v1:cancelreq:{mine}:yes", name="Rita")
    closed = await group.ask(category="other", description="Nobody could")
    await group.press(COORDINATOR, f"v1:close:{closed}", name="Cora")
    group.telegram.clear()
    await group.say(REQUESTER, "/myrequests", name="Rita")
    entries = {
        int(m.group(1)): c.text
        for c in group.telegram.sent_to(REQUESTER)
        if (m := re.match(r"<b>#(\d+)", c.text))
    }
    assert "V301 is helping with it" in entries[taken]
    assert "You cancelled it" in entries[mine]
    assert "A coordinator closed it" in entries[closed]


async def test_the_digest_names_what_needs_a_coordinator(group: Group) -> None:
    await group.ready()
    expired = await group.ask(category="errand", description="Too late now")
    await group.fire("expire")
    assert (await group.stored(expired)).status == "expired"
    waiting = await group.ask(description="Nobody near yet")
    await group.sign_up(305, NEAR, name="Tom")  # not approved yet
    await group.say(REQUESTER, "/concern", name="Rita")
    await group.press(REQUESTER, "v1:concern", name="Rita")
    await group.say(REQUESTER, "There was a smell of gas next door", name="Rita")
    group.telegram.clear()
    await group.app.services.chaser.start_daily_digest()
    await group.fire("digest")
    digest = next(c.text for c in group.telegram.sent_to(COORDINATOR) if "summary" in c.text)
    assert f"Waiting for a volunteer: #{waiting}" in digest
    assert f"Expired in the last day (nobody took them): #{expired}" in digest
    assert "Concerns raised in the last day: not about a request: 1" in digest
    assert "Waiting for approval: Tom" in digest


async def test_repeating_help_says_every_week_on_pings_and_task_cards(group: Group) -> None:
    await group.ready((301, NEAR))
    first_id = await group.ask(
        description="Weekly shop",
        when=("weekly", "saturday 10:00"),
        where=NEAR,
        address="12 Acacia Avenue",
        name="Rita",
    )
    first = await group.stored(first_id)
    assert first.every == "weekly"
    ping = next(c for c in group.telegram.sent_to(301) if f"v1:accept:{first.id}" in c.buttons)
    assert "(every week)" in ping.text
    await group.press(301, f"v1:accept:{first.id}", name="V301")
    card = group.telegram.sent_to(301, "editMessageText")[-1]
    assert "You're helping" in card.text
    assert "(every week)" in card.text
    # The next occurrence carries it too.
    await group.fire("series")
    second = (await group.app.storage.requests.by_requester(REQUESTER, 1))[0]
    assert second.id != first.id
    assert second.every == "weekly"


async def test_a_coordinator_can_hand_a_task_to_anyone_approved_with_a_warning(
    group: Group,
) -> None:
    await group.ready((301, NEAR))
    await group.volunteer(302, MIDDLE, radius="0.5", categories=("dog_walking",), name="Dot")
    request_id = await group.ask()
    await group.press(COORDINATOR, f"v1:assign:{request_id}", name="Cora")
    choices = group.telegram.last_to(COORDINATOR)
    assert choices.buttons == [f"v1:assign:{request_id}:301", f"v1:assign:{request_id}:any"]
    await group.press(COORDINATOR, f"v1:assign:{request_id}:any", name="Cora")
    anyone = group.telegram.last_to(COORDINATOR)
    assert anyone.buttons == [f"v1:assign:{request_id}:301", f"v1:assign:{request_id}:302"]
    assert "⚠️" in str(anyone.params["reply_markup"])  # Dot is outside the usual match
    await group.press(COORDINATOR, f"v1:assign:{request_id}:302", name="Cora")
    stored = await group.stored(request_id)
    assert (stored.status, stored.volunteer_id) == ("claimed", 302)
    handed = group.telegram.sent_to(COORDINATOR, "editMessageText")[-1].text
    assert "Outside their usual help" in handed
    assert "don't offer" in handed
    assert "beyond how far they go" in handed


async def test_a_command_mid_request_sets_the_draft_aside_and_request_carries_on(
    group: Group,
) -> None:
    await group.ready((301, NEAR))
    await group.say(REQUESTER, "/request", name="Rita")
    await group.press(REQUESTER, "v1:cat:groceries", name="Rita")
    await group.say(REQUESTER, "Bread and milk", name="Rita")
    group.telegram.clear()
    await group.say(REQUESTER, "/myrequests", name="Rita")
    said = group.telegram.texts_to(REQUESTER)
    assert "set your unfinished request aside" in said[0]
    assert "/request" in said[0]

    await group.say(REQUESTER, "/request", name="Rita")
    offer = group.telegram.last_to(REQUESTER)
    assert "unfinished request" in offer.text
    assert "Bread and milk" in offer.text
    assert offer.buttons == ["v1:resume:yes", "v1:resume:no"]
    await group.press(REQUESTER, "v1:resume:yes", name="Rita")
    # Straight on from where it stopped: when, then where.
    assert group.telegram.last_to(REQUESTER).buttons[0] == "v1:when:asap"
    await group.press(REQUESTER, "v1:when:asap", name="Rita")
    await group.share(REQUESTER, *NEAR, name="Rita")
    await group.say(REQUESTER, "12 Acacia Avenue", name="Rita")
    await group.press(REQUESTER, "v1:confirm:yes", name="Rita")
    [saved] = await group.app.storage.requests.by_requester(REQUESTER, 1)
    assert saved.description == "Bread and milk"
    # Afresh: nothing of the old draft is kept.
    await group.say(REQUESTER, "/request", name="Rita")
    await group.press(REQUESTER, "v1:cat:errand", name="Rita")
    await group.say(REQUESTER, "/help", name="Rita")
    await group.say(REQUESTER, "/request", name="Rita")
    await group.press(REQUESTER, "v1:resume:no", name="Rita")
    assert "What do you need help with" in group.telegram.last_to(REQUESTER).text


async def test_change_something_asks_one_question_again(group: Group) -> None:
    await group.ready((301, NEAR))
    await group.say(REQUESTER, "/request", name="Rita")
    await group.press(REQUESTER, "v1:cat:groceries", name="Rita")
    await group.say(REQUESTER, "Bread and mlik", name="Rita")
    await group.press(REQUESTER, "v1:when:asap", name="Rita")
    await group.share(REQUESTER, *NEAR, name="Rita")
    await group.say(REQUESTER, "12 Acacia Avenue", name="Rita")
    await group.press(REQUESTER, "v1:confirm:no", name="Rita")
    assert group.telegram.last_to(REQUESTER).buttons == [
        "v1:change:what",
        "v1:change:when",
        "v1:change:where",
        "v1:change:all",
    ]
    await group.press(REQUESTER, "v1:change:what", name="Rita")
    assert "what do you need" in group.telegram.last_to(REQUESTER).text
    await group.say(REQUESTER, "Bread and milk", name="Rita")
    # Straight back to the summary, the place and address kept.
    summary = group.telegram.last_to(REQUESTER)
    assert "Please check your request" in summary.text
    assert "Bread and milk" in summary.text
    assert "12 Acacia Avenue" in summary.text
    await group.press(REQUESTER, "v1:confirm:yes", name="Rita")
    [saved] = await group.app.storage.requests.by_requester(REQUESTER, 1)
    assert (saved.description, saved.address) == ("Bread and milk", "12 Acacia Avenue")


async def test_a_returning_requester_is_offered_the_same_place(group: Group) -> None:
    await group.ready((301, NEAR))
    first = await group.ask(address="Flat 3, 14 Elm Road")
    await group.say(REQUESTER, "/request", name="Rita")
    await group.press(REQUESTER, "v1:cat:errand", name="Rita")
    await group.say(REQUESTER, "Post a parcel", name="Rita")
    await group.press(REQUESTER, "v1:when:today", name="Rita")
    offer = group.telegram.last_to(REQUESTER)
    assert offer.buttons == ["v1:sameplace"]
    assert "Flat 3, 14 Elm Road" in str(offer.params["reply_markup"])
    await group.press(REQUESTER, "v1:sameplace", name="Rita")
    assert "Flat 3, 14 Elm Road" in group.telegram.last_to(REQUESTER).text
    await group.press(REQUESTER, "v1:confirm:yes", name="Rita")
    [second] = await group.app.storage.requests.by_requester(REQUESTER, 1)
    before = await group.stored(first)
    assert second.id != first
    assert (second.address, second.lat, second.lon) == (before.address, before.lat, before.lon)


async def test_a_coordinator_says_im_on_it_so_two_dont_both_act(open_group: OpenGroup) -> None:
    second = 101
    async with open_group(ADMIN_IDS=f"{COORDINATOR},{second}") as group:
        await group.ready()
        await group.consent(second, name="Dev")
        await group.say(REQUESTER, "/concern", name="Rita")
        await group.say(REQUESTER, "There was a smell of gas next door", name="Rita")
        alerts = {
            uid: next(c for c in group.telegram.sent_to(uid) if "gas" in c.text)
            for uid in (COORDINATOR, second)
        }
        [button] = alerts[second].buttons
        assert button.startswith("v1:onit:")
        assert alerts[COORDINATOR].buttons == [button]
        group.telegram.clear()
        await group.press(COORDINATOR, button, name="Cora")
        assert "Cora</a> is handling concern" in group.telegram.last_to(second).text
        await group.press(second, button, name="Dev")
        assert "Cora is already on it" in str(group.telegram.answers()[-1].params.get("text"))
        rows = await group.app.storage.db.fetchall("SELECT handled_by FROM concerns ORDER BY id")
        assert [r["handled_by"] for r in rows] == [COORDINATOR]
        await group.press(REQUESTER, button, name="Rita")
        assert "Only coordinators" in str(group.telegram.answers()[-1].params.get("text"))


async def test_the_reminder_repeats_the_address_and_safety_code_protected(group: Group) -> None:
    await group.ready((301, NEAR))
    request_id = await group.ask(
        description="Weekly shop",
        when=("at", "tomorrow 10:00"),
        where=NEAR,
        address="7 Birch Close, blue door",
        name="Rita",
    )
    request = await group.stored(request_id)
    await group.press(301, f"v1:accept:{request.id}", name="V301")
    group.telegram.clear()
    assert await group.fire("before") == 1
    reminder, details = group.telegram.sent_to(301)[-2:]
    assert "Reminder" in reminder.text
    assert "7 Birch Close" not in reminder.text
    assert "7 Birch Close, blue door" in details.text
    assert request.safety_code in details.text
    assert details.params.get("protect_content") is True
    # Like every copy of the address, it goes when the task stops being theirs.
    await group.press(301, f"v1:release:{request.id}:yes", name="V301")
    deleted = {c.params.get("message_id") for c in group.telegram.calls_of("deleteMessage")}
    assert details.message_id in deleted


async def test_a_cancel_notice_is_sent_once(group: Group) -> None:
    await group.ready((301, NEAR))
    request_id = await group.ask()
    await group.press(301, f"v1:accept:{request_id}", name="V301")
    group.telegram.clear()
    await group.press(REQUESTER, f"v1:cancelreq:{request_id}:yes", name="Rita")
    notices = [t for t in group.telegram.texts_to(301) if "no need to go" in t]
    assert len(notices) == 1
    # The old task card says so too, without its buttons.
    [card] = [c for c in group.telegram.sent_to(301, "editMessageText") if "cancelled" in c.text]
    assert card.buttons == []


async def test_last_weeks_volunteer_is_asked_first_this_week(open_group: OpenGroup) -> None:
    async with open_group(WAVE_SIZE="1") as group:
        await group.ready((301, NEAR), (302, MIDDLE))
        first_id = await group.ask(
            description="Weekly shop",
            when=("weekly", "saturday 10:00"),
            where=NEAR,
            address="12 Acacia Avenue",
            name="Rita",
        )
        first = await group.stored(first_id)
        assert group.pinged(first.id) == [301]  # the nearest
        # The farther one did it this week (handed it by a coordinator).
        await group.press(COORDINATOR, f"v1:assign:{first.id}:302", name="Cora")
        await group.press(302, f"v1:done:{first.id}", name="V302")
        await group.fire("series")
        second = (await group.app.storage.requests.by_requester(REQUESTER, 1))[0]
        assert second.id != first.id
        assert group.pinged(second.id) == [302]


async def test_a_hand_back_after_the_booked_time_asks_the_requester(group: Group) -> None:
    await group.ready((301, NEAR), (302, MIDDLE))
    request_id = await group.ask(
        description="Shop for Saturday",
        when=("at", "tomorrow 10:00"),
        where=NEAR,
        address="12 Acacia Avenue",
        name="Rita",
    )
    request = await group.stored(request_id)
    await group.press(301, f"v1:accept:{request.id}", name="V301")
    db = group.app.storage.db
    await db.execute("UPDATE requests SET due_at = ? WHERE id = ?", (1.0, request.id))
    group.telegram.clear()
    await group.press(301, f"v1:release:{request.id}:yes", name="V301")
    asked = group.telegram.last_to(REQUESTER)
    assert "the time it was booked for has passed" in asked.text
    assert "asking other volunteers" not in asked.text
    assert asked.buttons == [f"v1:rebook:{request.id}", f"v1:cancelreq:{request.id}:yes"]
    assert group.pinged(request.id) == []  # nobody is asked for a time that has gone
    await group.press(REQUESTER, f"v1:rebook:{request.id}", name="Rita")
    stored = await group.stored(request.id)
    assert (stored.when, stored.due_at) == ("asap", None)
    assert group.pinged(request.id) == [302]  # not the one who handed it back
    assert "as soon as possible" in group.telegram.last_to(REQUESTER).text
