"""What was taken away stays away: a dismissed coordinator stays dismissed after /forgetme,
a coordinator's hold is not the volunteer's pause, a handed-back request can't be taken
again from the group chat, the address leaves the volunteer's chat with the task, and
destructive buttons ask first."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

from tests.conftest import (
    COORDINATOR,
    MIDDLE,
    NEAR,
    REQUESTER,
    Group,
    group_with_clock,
)
from tests.support.telegram import Call
from tests.test_groupchat import _linked, _post, press_in_group

OpenGroup = Callable[..., AbstractAsyncContextManager[Group]]
FOUNDER = 101  # a second coordinator from ADMIN_IDS
HELPER = 201
DAY = 86400.0


def _last_answer(group: Group) -> str:
    return str(group.telegram.answers()[-1].params.get("text"))


def _address_messages(group: Group, volunteer_id: int, request_id: int) -> list[Call]:
    """Every message that showed this volunteer this request's address."""
    return [
        c for c in group.telegram.sent_to(volunteer_id) if f"Details for #{request_id}" in c.text
    ]


def _deleted(group: Group) -> list[tuple[int | None, int]]:
    return [
        (c.chat_id, int(c.params["message_id"])) for c in group.telegram.calls_of("deleteMessage")
    ]


def _edited_to(group: Group, chat_id: int, message_id: int) -> list[str]:
    return [
        c.text
        for c in group.telegram.calls_of("editMessageText")
        if c.chat_id == chat_id and int(c.params["message_id"]) == message_id
    ]


async def _taken(group: Group, volunteer_id: int = 301) -> tuple[int, int]:
    """A request taken by the volunteer; returns it and its address message's id."""
    request_id = await group.ask(address="Flat 9, Zebra Court, knock loudly")
    await group.press(volunteer_id, f"v1:accept:{request_id}", name=f"V{volunteer_id}")
    [details] = _address_messages(group, volunteer_id, request_id)
    assert details.message_id is not None
    return request_id, details.message_id


async def _stored_address_messages(group: Group) -> int:
    row = await group.app.storage.db.fetchone("SELECT count(*) FROM address_messages")
    return int(row[0]) if row else 0


# --- a dismissal outlives /forgetme ---------------------------------------------------------


async def test_a_dismissed_founder_stays_dismissed_after_forgetme(open_group: OpenGroup) -> None:
    async with open_group(ADMIN_IDS=f"{COORDINATOR},{FOUNDER}") as group:
        await group.consent(COORDINATOR, name="Cora")
        await group.consent(FOUNDER, name="Fred")
        coordinators = group.app.services.coordinators
        await group.press(COORDINATOR, f"v1:coord:{FOUNDER}:remove", name="Cora")
        asked = group.telegram.calls_of("editMessageText")[-1]
        assert "ADMIN_IDS" in asked.text  # says the setting won't bring them back
        await group.press(COORDINATOR, f"v1:coord:{FOUNDER}:dismiss", name="Cora")
        assert not await coordinators.is_coordinator(FOUNDER)

        await group.say(FOUNDER, "/forgetme", name="Fred")
        await group.press(FOUNDER, "v1:forget:yes", name="Fred")
        assert await group.app.storage.users.get(FOUNDER) is None
        # Only the id and the fact of the dismissal are kept.
        rows = await group.app.storage.db.fetchall("SELECT * FROM dismissed_coordinators")
        assert [tuple(row) for row in rows] == [(FOUNDER,)]
        assert not await coordinators.is_coordinator(FOUNDER)
        assert FOUNDER not in [uid for uid, _ in await coordinators.recipients()]

        await group.consent(FOUNDER, name="Fred")
        await group.say(FOUNDER, "/export personal", name="Fred")
        assert "Only coordinators" in group.telegram.last_to(FOUNDER).text
        assert group.telegram.sent_to(FOUNDER, "sendDocument") == []

        # Restoring a founder removed by mistake: another coordinator makes them one.
        await group.press(COORDINATOR, f"v1:coord:{FOUNDER}:add", name="Cora")
        assert await coordinators.is_coordinator(FOUNDER)
        assert await group.app.storage.db.fetchall("SELECT * FROM dismissed_coordinators") == []


# --- a coordinator's hold ----------------------------------------------------------------


async def _hold(group: Group, volunteer_id: int, reason: str) -> None:
    await group.press(COORDINATOR, f"v1:vhold:{volunteer_id}:1", name="Cora")
    await group.say(COORDINATOR, reason, name="Cora")


async def test_a_held_volunteer_cannot_lift_the_hold_or_take_anything(group: Group) -> None:
    await _linked(group, (301, NEAR), (302, MIDDLE))
    pinged = await group.ask()
    assert 301 in group.pinged(pinged)
    group.telegram.clear()

    await _hold(group, 301, "Concern being looked into")
    notice = group.telegram.texts_to(301)[-1]
    assert "on hold" in notice
    assert "/resume" not in notice
    assert "Concern" not in notice  # the reason is for coordinators

    # An old ping: refused, and the request stays open for others.
    await group.press(301, f"v1:accept:{pinged}", name="V301")
    assert "on hold" in _last_answer(group)
    assert (await group.stored(pinged)).status == "open"
    assert _address_messages(group, 301, pinged) == []

    # Their own /resume does not lift it.
    await group.say(301, "/resume", name="V301")
    assert "on hold" in group.telegram.last_to(301).text
    volunteer = await group.app.storage.volunteers.get(301)
    assert volunteer is not None
    assert volunteer.held
    later = await group.ask()
    assert 301 not in group.pinged(later)

    # The group chat: refused too.
    post = _post(group, later)
    assert post.message_id is not None
    answer = await press_in_group(group, 301, f"v1:grouphelp:{later}", post.message_id)
    assert "on hold" in str(answer.params.get("text"))
    assert (await group.stored(later)).volunteer_id is None

    # Another coordinator sees who held them, and why.
    await group.consent(HELPER, name="Hana")
    await group.press(COORDINATOR, f"v1:coord:{HELPER}:add", name="Cora")
    await group.press(HELPER, "v1:vol:301", name="Hana")
    card = group.telegram.last_to(HELPER)
    assert "On hold since" in card.text
    assert "Cora" in card.text
    assert "Concern being looked into" in card.text
    assert "v1:vhold:301:0" in card.buttons
    await group.say(REQUESTER, "/volunteers", name="Rita")
    assert "Only coordinators" in group.telegram.last_to(REQUESTER).text

    # Only a coordinator lifts it.
    await group.press(HELPER, "v1:vhold:301:0", name="Hana")
    volunteer = await group.app.storage.volunteers.get(301)
    assert volunteer is not None
    assert not volunteer.held
    assert 301 in group.pinged(await group.ask())


async def test_the_volunteers_own_pause_is_apart_from_the_hold(group: Group) -> None:
    await group.ready((301, NEAR))
    await group.say(301, "/pause", name="V301")
    await _hold(group, 301, "Asked us to check their DBS")
    await group.press(COORDINATOR, "v1:vhold:301:0", name="Cora")
    assert "paused them yourself" in group.telegram.texts_to(301)[-1]
    assert group.pinged(await group.ask()) == []  # still their own pause
    await group.say(301, "/resume", name="V301")
    assert "Welcome back" in group.telegram.last_to(301).text
    assert group.pinged(await group.ask()) == [301]


async def test_a_hold_needs_a_reason(group: Group) -> None:
    await group.ready((301, NEAR))
    await group.press(COORDINATOR, "v1:vhold:301:1", name="Cora")
    await group.say(COORDINATOR, "x", name="Cora")
    assert "short reason" in group.telegram.last_to(COORDINATOR).text
    volunteer = await group.app.storage.volunteers.get(301)
    assert volunteer is not None
    assert not volunteer.held
    await group.say(COORDINATOR, "/cancel", name="Cora")
    volunteer = await group.app.storage.volunteers.get(301)
    assert volunteer is not None
    assert not volunteer.held
    await group.press(301, "v1:vhold:301:1", name="V301")  # not a coordinator
    assert "Only coordinators" in _last_answer(group)


# --- a handed-back request ---------------------------------------------------------------


async def test_a_volunteer_who_handed_it_back_cannot_take_it_from_the_group(
    group: Group,
) -> None:
    await _linked(group, (301, NEAR))
    request_id = await group.ask()
    post = _post(group, request_id)
    assert post.message_id is not None
    await group.press(301, f"v1:accept:{request_id}", name="V301")
    await group.press(301, f"v1:release:{request_id}", name="V301")
    await group.press(301, f"v1:release:{request_id}:yes", name="V301")

    answer = await press_in_group(group, 301, f"v1:grouphelp:{request_id}", post.message_id)
    assert "handed this one back" in str(answer.params.get("text"))
    stored = await group.stored(request_id)
    assert (stored.status, stored.volunteer_id) == ("open", None)


# --- the address leaves with the task ----------------------------------------------------


async def test_the_address_is_deleted_when_the_volunteer_hands_it_back(group: Group) -> None:
    await group.ready((301, NEAR), (302, MIDDLE))
    request_id, details = await _taken(group)
    # A second copy, from /mytasks.
    await group.say(301, "/mytasks", name="V301")
    [_, copy] = _address_messages(group, 301, request_id)
    assert copy.message_id is not None
    assert await _stored_address_messages(group) == 2

    await group.press(301, f"v1:release:{request_id}", name="V301")
    assert _deleted(group) == []  # only asked so far
    await group.press(301, f"v1:release:{request_id}:yes", name="V301")
    assert sorted(_deleted(group)) == sorted([(301, details), (301, copy.message_id)])
    assert await _stored_address_messages(group) == 0


async def test_the_address_is_deleted_when_the_requester_cancels(group: Group) -> None:
    await group.ready((301, NEAR))
    request_id, details = await _taken(group)
    await group.press(REQUESTER, f"v1:cancelreq:{request_id}", name="Rita")
    await group.press(REQUESTER, f"v1:cancelreq:{request_id}:yes", name="Rita")
    assert _deleted(group) == [(301, details)]


async def test_the_address_is_deleted_when_a_coordinator_closes_the_task(group: Group) -> None:
    await group.ready((301, NEAR))
    request_id, details = await _taken(group)
    await group.press(COORDINATOR, f"v1:close:{request_id}", name="Cora")
    assert (await group.stored(request_id)).status == "cancelled"
    assert _deleted(group) == [(301, details)]


async def test_the_addresses_go_when_a_coordinator_takes_a_volunteer_off(group: Group) -> None:
    await group.ready((301, NEAR), (302, MIDDLE))
    done, done_details = await _taken(group)
    await group.press(301, f"v1:done:{done}", name="V301")
    held, held_details = await _taken(group)
    await group.press(COORDINATOR, "v1:vremove:301", name="Cora")
    await group.press(COORDINATOR, "v1:vremove:301:yes", name="Cora")
    assert sorted(_deleted(group)) == sorted([(301, done_details), (301, held_details)])
    # The hand-over to someone else: their own address message, which stays.
    await group.press(302, f"v1:accept:{held}", name="V302")
    assert len(_address_messages(group, 302, held)) == 1
    assert all(chat == 301 for chat, _ in _deleted(group))


async def test_the_address_is_deleted_when_the_requester_erases_themselves(
    group: Group,
) -> None:
    await group.ready((301, NEAR), (302, MIDDLE))
    done, done_details = await _taken(group)
    await group.press(301, f"v1:done:{done}", name="V301")
    request_id, details = await _taken(group, 302)
    await group.say(REQUESTER, "/forgetme", name="Rita")
    await group.press(REQUESTER, "v1:forget:yes", name="Rita")
    assert sorted(_deleted(group)) == sorted([(301, done_details), (302, details)])
    assert await _stored_address_messages(group) == 0
    assert (await group.stored(request_id)).status == "cancelled"


async def test_the_address_is_deleted_when_the_volunteer_erases_themselves(
    group: Group,
) -> None:
    await group.ready((301, NEAR), (302, MIDDLE))
    request_id, details = await _taken(group)
    await group.say(301, "/forgetme", name="V301")
    await group.press(301, "v1:forget:yes", name="V301")
    assert _deleted(group) == [(301, details)]
    assert await _stored_address_messages(group) == 0
    assert (await group.stored(request_id)).status == "open"
    assert 302 in group.pinged(request_id)


async def test_when_deleting_fails_the_address_is_edited_away(group: Group) -> None:
    await group.ready((301, NEAR), (302, MIDDLE))
    request_id, details = await _taken(group)
    group.telegram.fail_next("deleteMessage", "500")
    await group.press(301, f"v1:release:{request_id}", name="V301")
    await group.press(301, f"v1:release:{request_id}:yes", name="V301")
    assert [c.params["message_id"] for c in group.telegram.failed] == [details]
    [edited] = _edited_to(group, 301, details)
    assert "were removed" in edited
    assert "Zebra" not in edited
    # The hand-back itself went on: open, the requester told, the next volunteer asked.
    assert (await group.stored(request_id)).status == "open"
    assert any("can't help" in t for t in group.telegram.texts_to(REQUESTER))
    assert 302 in group.pinged(request_id)


async def test_when_telegram_fails_altogether_the_hand_back_still_happens(group: Group) -> None:
    await group.ready((301, NEAR), (302, MIDDLE))
    request_id, details = await _taken(group)
    await group.press(301, f"v1:release:{request_id}", name="V301")
    group.telegram.fail_next("deleteMessage", "500")
    group.telegram.fail_next("editMessageText", "500", chat_id=301)
    await group.press(301, f"v1:release:{request_id}:yes", name="V301")
    assert [(c.method, c.params["message_id"]) for c in group.telegram.failed] == [
        ("deleteMessage", details),
        ("editMessageText", details),
    ]
    assert (await group.stored(request_id)).status == "open"
    assert 302 in group.pinged(request_id)
    assert "Handed back" in _last_answer(group)


async def test_the_retention_purge_edits_away_addresses_too_old_to_delete(
    tmp_path: Path,
) -> None:
    clock = [1_700_000_000.0]
    async with group_with_clock(tmp_path, clock, RETENTION_DAYS="30") as group:
        await group.ready((301, NEAR))
        done, details = await _taken(group)
        await group.press(301, f"v1:done:{done}", name="V301")
        still_held, held_details = await _taken(group)
        clock[0] += 31 * DAY
        assert await group.app.services.privacy.purge() == 1
        # Telegram lets a bot delete only for 48 hours: the old one is edited instead.
        assert _deleted(group) == []
        [edited] = _edited_to(group, 301, details)
        assert "were removed" in edited
        assert _edited_to(group, 301, held_details) == []  # still theirs
        assert (await group.stored(still_held)).status == "claimed"


# --- asking first -----------------------------------------------------------------------


async def test_handing_back_asks_first_and_no_keeps_it(group: Group) -> None:
    await group.ready((301, NEAR), (302, MIDDLE))
    request_id, _details = await _taken(group)
    await group.press(301, f"v1:release:{request_id}", name="V301")
    asked = group.telegram.calls_of("editMessageText")[-1]
    assert f"Hand #{request_id} back?" in asked.text
    assert asked.buttons == [f"v1:release:{request_id}:yes", f"v1:release:{request_id}:no"]
    assert (await group.stored(request_id)).volunteer_id == 301

    await group.press(301, f"v1:release:{request_id}:no", name="V301")
    kept = group.telegram.calls_of("editMessageText")[-1]
    assert f"You're helping with #{request_id}" in kept.text
    assert kept.buttons[1:3] == [f"v1:done:{request_id}", f"v1:release:{request_id}"]
    assert (await group.stored(request_id)).volunteer_id == 301

    # Someone else's confirm: refused; and a stale one once it is handed back.
    await group.press(302, f"v1:release:{request_id}:yes", name="V302")
    assert "isn't yours" in _last_answer(group)
    await group.press(301, f"v1:release:{request_id}:yes", name="V301")
    await group.press(301, f"v1:release:{request_id}:yes", name="V301")
    assert "no longer open" in _last_answer(group)
    await group.press(301, f"v1:release:{request_id}:no", name="V301")
    assert "no longer open" in _last_answer(group)
    await group.press(301, f"v1:release:{request_id}:maybe", name="V301")
    assert "doesn't work any more" in _last_answer(group)


async def test_no_on_a_mytasks_message_shows_the_details_again(group: Group) -> None:
    await group.ready((301, NEAR))
    request_id, _details = await _taken(group)
    await group.say(301, "/mytasks", name="V301")
    [_, copy] = _address_messages(group, 301, request_id)
    assert copy.message_id is not None
    await group.press(301, f"v1:release:{request_id}", copy.message_id, name="V301")
    await group.press(301, f"v1:release:{request_id}:no", copy.message_id, name="V301")
    kept = _edited_to(group, 301, copy.message_id)[-1]
    assert "Zebra Court" in kept


async def test_cancelling_a_request_someone_is_on_asks_first(group: Group) -> None:
    await group.ready((301, NEAR))
    request_id, _details = await _taken(group)
    await group.press(REQUESTER, f"v1:cancelreq:{request_id}", name="Rita")
    asked = group.telegram.calls_of("editMessageText")[-1]
    assert "A volunteer is already on it" in asked.text
    await group.press(REQUESTER, f"v1:cancelreq:{request_id}:no", name="Rita")
    kept = group.telegram.calls_of("editMessageText")[-1]
    assert f"v1:cancelreq:{request_id}" in kept.buttons
    assert (await group.stored(request_id)).status == "claimed"
    assert not any("cancelled" in t for t in group.telegram.texts_to(301))

    await group.press(301, f"v1:cancelreq:{request_id}:yes", name="V301")  # not theirs
    assert "isn't for you" in _last_answer(group)
    await group.press(REQUESTER, f"v1:cancelreq:{request_id}:yes", name="Rita")
    assert (await group.stored(request_id)).status == "cancelled"
    await group.press(REQUESTER, f"v1:cancelreq:{request_id}:yes", name="Rita")
    assert "already closed" in _last_answer(group)


async def test_cancelling_an_open_request_needs_no_second_press(group: Group) -> None:
    await group.ready((301, NEAR))
    request_id = await group.ask()
    await group.press(REQUESTER, f"v1:cancelreq:{request_id}", name="Rita")
    assert (await group.stored(request_id)).status == "cancelled"


async def test_removing_a_coordinator_asks_first_and_no_keeps_them(group: Group) -> None:
    await group.ready()
    await group.consent(HELPER, name="Hana")
    await group.press(COORDINATOR, f"v1:coord:{HELPER}:add", name="Cora")
    coordinators = group.app.services.coordinators
    await group.press(COORDINATOR, f"v1:coord:{HELPER}:remove", name="Cora")
    await group.press(COORDINATOR, f"v1:coord:{HELPER}:keep", name="Cora")
    listing = group.telegram.calls_of("editMessageText")[-1]
    assert "Coordinators" in listing.text
    assert f"v1:coord:{HELPER}:remove" in listing.buttons
    assert await coordinators.is_coordinator(HELPER)

    await group.press(REQUESTER, f"v1:coord:{HELPER}:dismiss", name="Rita")  # forged
    assert "Only coordinators" in _last_answer(group)
    assert await coordinators.is_coordinator(HELPER)

    # On a volunteer-less card path too: the confirm carries ":card" and No shows the list.
    await group.press(COORDINATOR, f"v1:coord:{HELPER}:dismiss", name="Cora")
    assert not await coordinators.is_coordinator(HELPER)
    await group.press(COORDINATOR, f"v1:coord:{HELPER}:dismiss", name="Cora")  # stale
    assert "not a coordinator" in _last_answer(group)
    await group.press(COORDINATOR, f"v1:coord:{HELPER}:remove", name="Cora")
    assert "not a coordinator" in _last_answer(group)
