"""The neighbourhood's group chat: linking it, each new request posted there with no
personal detail, "I can help" for approved volunteers only, and the post following the
request until it is done or closed."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from telegram import Update
from telegram.ext import AIORateLimiter

from tests.conftest import COORDINATOR, FAR, NEAR, REQUESTER, Group
from tests.support.telegram import BOT_USER, Call

OpenGroup = Callable[..., AbstractAsyncContextManager[Group]]
CHAT = -1001234567890
OTHER_CHAT = -1009876543210
ADDRESS = "12 Acacia Avenue, ring twice"
_ids = itertools.count(5_000_000)


def _user(user_id: int, name: str) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": name, "language_code": "en"}


def _chat(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "type": "supergroup", "title": "Acacia Avenue neighbours"}


async def say_in_group(group: Group, user_id: int, text: str, chat_id: int = CHAT) -> None:
    command = text.split()[0]
    payload = {
        "update_id": next(_ids),
        "message": {
            "message_id": next(_ids),
            "date": int(time.time()),
            "chat": _chat(chat_id),
            "from": _user(user_id, f"U{user_id}"),
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
        },
    }
    await group.handle(Update.de_json(payload, group.app.bot))


async def press_in_group(
    group: Group, user_id: int, data: str, message_id: int, chat_id: int = CHAT
) -> Call:
    """Press a button under a group post; returns the (single) answer it got."""
    answered = len(group.telegram.answers())
    payload = {
        "update_id": next(_ids),
        "callback_query": {
            "id": str(next(_ids)),
            "from": _user(user_id, f"U{user_id}"),
            "chat_instance": str(chat_id),
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": _chat(chat_id),
                "from": BOT_USER,
                "text": "…",
            },
        },
    }
    await group.handle(Update.de_json(payload, group.app.bot))
    answers = group.telegram.answers()
    assert len(answers) == answered + 1, f"press {data!r} not answered once"
    return answers[-1]


def _post(group: Group, request_id: int, chat_id: int = CHAT) -> Call:
    posts = [
        c for c in group.telegram.sent_to(chat_id) if f"v1:grouphelp:{request_id}" in c.buttons
    ]
    assert len(posts) == 1, posts
    return posts[0]


def _edits(group: Group, post: Call) -> list[str]:
    return [
        c.text
        for c in group.telegram.calls_of("editMessageText")
        if c.chat_id == post.chat_id and c.params.get("message_id") == post.message_id
    ]


async def _linked(group: Group, *volunteers: tuple[int, tuple[float, float]]) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.consent(REQUESTER, name="Rita")
    for user_id, where in volunteers:
        await group.volunteer(user_id, where, name=f"V{user_id}")
    await say_in_group(group, COORDINATOR, "/linkgroup")
    assert "linked" in group.telegram.last_to(CHAT).text


async def test_a_coordinator_links_the_group_and_others_cannot(group: Group) -> None:
    await _linked(group)
    chats = await group.app.services.board.linked()
    assert [c.chat_id for c in chats] == [CHAT]
    assert chats[0].title == "Acacia Avenue neighbours"
    await say_in_group(group, COORDINATOR, "/linkgroup")
    assert "already linked" in group.telegram.last_to(CHAT).text

    await say_in_group(group, REQUESTER, "/linkgroup", chat_id=OTHER_CHAT)
    assert "Only coordinators" in group.telegram.last_to(OTHER_CHAT).text
    assert [c.chat_id for c in await group.app.services.board.linked()] == [CHAT]
    await group.say(COORDINATOR, "/linkgroup", name="Cora")
    assert "Acacia Avenue neighbours" in group.telegram.last_to(COORDINATOR).text


async def test_a_new_request_is_posted_without_personal_details(group: Group) -> None:
    await _linked(group, (301, NEAR))
    request_id = await group.ask(description="Milk & bread", address=ADDRESS)
    post = _post(group, request_id)
    assert f"#{request_id}" in post.text
    assert "Shopping" in post.text
    assert "Milk &amp; bread" in post.text
    assert "near the middle of our area" in post.text
    for secret in ("Acacia", "Rita", "km away", "mile"):
        assert secret not in post.text
    assert post.buttons == [f"v1:grouphelp:{request_id}"]
    # Posted once, however often it is looked at again.
    await group.app.services.board.sync(await group.stored(request_id))
    _post(group, request_id)


async def test_where_it_is_is_only_a_part_of_the_area(group: Group) -> None:
    await _linked(group)
    request_id = await group.ask(where=(51.545, -0.1))  # 5 km north of the area's centre
    assert "in the north of our area" in _post(group, request_id).text


async def test_an_approved_volunteer_takes_it_from_the_group_and_the_post_follows(
    open_group: OpenGroup,
) -> None:
    async with open_group(WAVE_SIZE="1") as group:
        await _linked(group, (301, NEAR), (302, FAR))
        request_id = await group.ask(address=ADDRESS)
        assert group.pinged(request_id) == [301]
        post = _post(group, request_id)
        assert post.message_id is not None

        answer = await press_in_group(group, 302, f"v1:grouphelp:{request_id}", post.message_id)
        assert "It's yours" in str(answer.params.get("text"))
        stored = await group.stored(request_id)
        assert stored.status == "claimed"
        assert stored.volunteer_id == 302
        details = [c for c in group.telegram.sent_to(302) if "Acacia" in c.text]
        assert len(details) == 1
        assert details[0].params.get("protect_content") is True
        assert group.telegram.last_to(302).buttons[1:3] == [
            f"v1:done:{request_id}",
            f"v1:release:{request_id}",
        ]
        assert any("V302" in t for t in group.telegram.texts_to(REQUESTER))
        assert any("taken by another" in t for t in group.telegram.texts_to(301))
        assert any("taken by a volunteer" in t for t in _edits(group, post))
        assert not any("Acacia" in c.text for c in group.telegram.sent_to(CHAT))

        # A second press, from anyone, changes nothing.
        again = await press_in_group(group, 301, f"v1:grouphelp:{request_id}", post.message_id)
        assert "someone else" in str(again.params.get("text"))
        assert (await group.stored(request_id)).volunteer_id == 302
        # Accept on 301's own ping, pressed late, is answered as the group's button was.
        await group.press(301, f"v1:accept:{request_id}", name="V301")
        late = group.telegram.answers()[-1].params
        assert late.get("text") == again.params.get("text")
        assert not late.get("show_alert")

        await group.press(302, f"v1:done:{request_id}", name="V302")
        assert "is done" in _edits(group, post)[-1]


async def test_a_handed_back_request_is_offered_again_in_the_group(group: Group) -> None:
    await _linked(group, (301, NEAR))
    request_id = await group.ask()
    post = _post(group, request_id)
    await group.press(301, f"v1:accept:{request_id}", name="V301")
    await group.press(301, f"v1:release:{request_id}", name="V301")
    await group.press(301, f"v1:release:{request_id}:yes", name="V301")
    edits = group.telegram.calls_of("editMessageText")
    reopened = [
        e for e in edits if e.chat_id == CHAT and e.params.get("message_id") == post.message_id
    ]
    assert reopened[-1].buttons == [f"v1:grouphelp:{request_id}"]


async def test_a_cancelled_request_is_marked_in_the_group(group: Group) -> None:
    await _linked(group, (301, NEAR))
    request_id = await group.ask()
    post = _post(group, request_id)
    await group.press(REQUESTER, f"v1:cancelreq:{request_id}", name="Rita")
    assert "no longer needed" in _edits(group, post)[-1]
    assert post.message_id is not None
    answer = await press_in_group(group, 301, f"v1:grouphelp:{request_id}", post.message_id)
    assert "someone else" in str(answer.params.get("text"))


async def test_people_who_are_not_approved_volunteers_are_told_how_to_sign_up(
    group: Group,
) -> None:
    await _linked(group)
    await group.sign_up(302, NEAR, name="Pat")  # waiting for approval
    request_id = await group.ask()
    post = _post(group, request_id)
    assert post.message_id is not None
    group.telegram.clear()

    stranger = await press_in_group(group, 777, f"v1:grouphelp:{request_id}", post.message_id)
    assert "start=volunteer" in str(stranger.params.get("url"))
    assert group.telegram.sent_to(777) == []  # a bot can't write first

    await group.consent(778, name="Neil")
    neighbour = await press_in_group(group, 778, f"v1:grouphelp:{request_id}", post.message_id)
    assert "/volunteer" in str(neighbour.params.get("text"))
    assert "/volunteer" in group.telegram.last_to(778).text

    waiting = await press_in_group(group, 302, f"v1:grouphelp:{request_id}", post.message_id)
    assert "approve" in str(waiting.params.get("text"))
    assert (await group.stored(request_id)).status == "open"


async def test_a_prescription_needs_a_checked_volunteer_even_from_the_group(
    group: Group,
) -> None:
    await _linked(group, (301, NEAR))
    request_id = await group.ask(category="prescription", description="Collect my pills")
    post = _post(group, request_id)
    assert post.message_id is not None
    answer = await press_in_group(group, 301, f"v1:grouphelp:{request_id}", post.message_id)
    assert "ID" in str(answer.params.get("text"))
    assert answer.params.get("show_alert") is True  # an alert stays until it is read
    assert (await group.stored(request_id)).status == "open"


async def test_i_can_help_works_only_under_the_groups_own_post(group: Group) -> None:
    await _linked(group, (301, NEAR), (302, FAR))
    await group.app.storage.db.execute("UPDATE volunteers SET radius_km = 1 WHERE user_id = 302")
    request_id = await group.ask()
    post = _post(group, request_id)
    assert post.message_id is not None
    # Forged in a private chat, or pressed in another group: refused, nothing taken.
    await group.press(302, f"v1:grouphelp:{request_id}", name="V302")
    await press_in_group(group, 302, f"v1:grouphelp:{request_id}", 1, chat_id=OTHER_CHAT)
    assert (await group.stored(request_id)).status == "open"


async def test_after_unlinking_nothing_more_is_posted(group: Group) -> None:
    await _linked(group)
    await say_in_group(group, REQUESTER, "/unlinkgroup")
    assert await group.app.services.board.linked() != []
    await say_in_group(group, COORDINATOR, "/unlinkgroup")
    assert await group.app.services.board.linked() == []
    await group.ask()
    assert not any(c.buttons for c in group.telegram.sent_to(CHAT))


async def test_a_group_that_removed_the_bot_is_unlinked(group: Group) -> None:
    await _linked(group)
    group.telegram.blocked.add(CHAT)
    await group.ask()
    assert await group.app.services.board.linked() == []


def test_group_posts_respect_telegrams_twenty_a_minute(group: Group) -> None:
    """Posting relies on PTB's AIORateLimiter, which limits each group chat (a negative
    chat_id) to 20 calls a minute by default."""
    limiter = group.app.bot.rate_limiter
    assert isinstance(limiter, AIORateLimiter)
    assert limiter._group_max_rate == 20
    assert limiter._group_time_period == 60
