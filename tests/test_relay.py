"""The private line: a taken request's requester and volunteer write to each other through
the bot, which copies (never forwards) each message with who it is from and for which
request. It closes when the task stops being taken; coordinators can read it in /details,
and it is erased with the rest of a person's data."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import COORDINATOR, HOME, NEAR, REQUESTER, Group
from tests.support.telegram import Call
from tests.test_intake import _take_a_call

VOLUNTEER = 301


def labels(call: Call) -> dict[str, str]:
    """callback_data -> label of every inline button on a message."""
    markup: Any = call.params.get("reply_markup")
    if isinstance(markup, str):
        markup = json.loads(markup)
    if not isinstance(markup, dict):
        return {}
    return {
        b.get("callback_data", ""): b["text"] for row in markup["inline_keyboard"] for b in row
    }


async def _taken(group: Group) -> int:
    """Rose asks, Vic takes it."""
    await group.volunteer(VOLUNTEER, NEAR, name="Vic")
    await group.consent(REQUESTER, name="Rose")
    request_id = await group.ask(name="Rose")
    await group.press(VOLUNTEER, f"v1:accept:{request_id}", name="Vic")
    return request_id


async def _write(group: Group, user_id: int, request_id: int, text: str, name: str) -> None:
    await group.press(user_id, f"v1:talk:{request_id}", name=name)
    await group.say(user_id, text, name=name)


async def test_the_task_card_and_the_news_carry_the_message_buttons(group: Group) -> None:
    request_id = await _taken(group)
    talk = f"v1:talk:{request_id}"

    card = group.telegram.calls_of("editMessageText")[-1]
    assert card.chat_id == VOLUNTEER
    assert labels(card)[talk] == "💬 Message Rose"
    news = [c for c in group.telegram.sent_to(REQUESTER) if "Good news" in c.text][-1]
    assert labels(news)[talk] == "💬 Message Vic"


async def test_a_question_and_its_answer_go_across_with_who_and_which_request(
    group: Group,
) -> None:
    request_id = await _taken(group)
    group.telegram.clear()

    await group.press(VOLUNTEER, f"v1:talk:{request_id}", name="Vic")
    assert "say to Rose about #" in group.telegram.last_to(VOLUNTEER).text
    await group.say(VOLUNTEER, "Brown bread or white?", name="Vic")

    relayed = group.telegram.last_to(REQUESTER)
    assert "Brown bread or white?" in relayed.text
    assert "Vic" in relayed.text
    assert f"#{request_id}" in relayed.text
    assert relayed.params["protect_content"] is True
    assert labels(relayed) == {f"v1:talk:{request_id}": "↩️ Reply to Vic"}
    assert "Sent to Rose" in group.telegram.last_to(VOLUNTEER).text

    # Rose answers with a photo: sent again by its file id, protected, captioned, and
    # never forwarded (a forward would show who sent it).
    await group.press(REQUESTER, f"v1:talk:{request_id}", name="Rose")
    await group.app.process_update(group.people.photo(REQUESTER, "photo-of-loaf", name="Rose"))
    [photo] = group.telegram.sent_to(VOLUNTEER, "sendPhoto")
    assert photo.params["photo"] == "photo-of-loaf"
    assert photo.params["protect_content"] is True
    assert "Rose" in photo.params["caption"]
    assert f"#{request_id}" in photo.params["caption"]
    assert labels(photo) == {f"v1:talk:{request_id}": "↩️ Reply to Rose"}
    assert group.telegram.calls_of("forwardMessage") == []

    rows = await group.app.storage.db.fetchall(
        "SELECT sender_id, side, kind, text, file_id FROM relay_messages ORDER BY id"
    )
    assert [tuple(r) for r in rows] == [
        (VOLUNTEER, "volunteer", "text", "Brown bread or white?", None),
        (REQUESTER, "requester", "photo", "", "photo-of-loaf"),
    ]


async def test_only_the_next_message_goes_and_the_rest_is_answered_as_usual(
    group: Group,
) -> None:
    request_id = await _taken(group)
    await _write(group, VOLUNTEER, request_id, "On my way", name="Vic")
    group.telegram.clear()

    await group.say(VOLUNTEER, "and another thing", name="Vic")
    assert group.telegram.sent_to(REQUESTER) == []
    assert "not sure what you mean" in group.telegram.last_to(VOLUNTEER).text


async def test_voice_notes_and_locations_are_copied_too(group: Group) -> None:
    request_id = await _taken(group)
    group.telegram.clear()

    await group.press(VOLUNTEER, f"v1:talk:{request_id}", name="Vic")
    await group.app.process_update(group.people.voice(VOLUNTEER, "voice-1", name="Vic"))
    await group.press(REQUESTER, f"v1:talk:{request_id}", name="Rose")
    await group.share(REQUESTER, *HOME, name="Rose")

    [voice] = group.telegram.sent_to(REQUESTER, "sendVoice")
    assert voice.params["voice"] == "voice-1"
    assert "Vic" in voice.params["caption"]
    [pin] = group.telegram.sent_to(VOLUNTEER, "sendLocation")
    assert (float(pin.params["latitude"]), float(pin.params["longitude"])) == HOME
    assert pin.params["protect_content"] is True
    # A pin takes no caption: its header comes just before it.
    header = group.telegram.last_to(VOLUNTEER)
    assert "Rose" in header.text
    assert f"#{request_id}" in header.text


async def test_a_sticker_is_not_passed_on_and_writing_goes_on(group: Group) -> None:
    request_id = await _taken(group)
    await group.press(VOLUNTEER, f"v1:talk:{request_id}", name="Vic")
    sticker = {"file_id": "st", "file_unique_id": "st", "width": 1, "height": 1}
    await group.app.process_update(
        group.people._message(
            VOLUNTEER,
            "Vic",
            "en",
            sticker={**sticker, "type": "regular", "is_animated": False, "is_video": False},
        )
    )
    assert "I can pass on a message" in group.telegram.last_to(VOLUNTEER).text
    await group.say(VOLUNTEER, "Ringing the bell now", name="Vic")
    assert "Ringing the bell now" in group.telegram.last_to(REQUESTER).text


async def test_the_line_closes_on_done_and_a_late_message_gets_a_kind_answer(
    group: Group,
) -> None:
    request_id = await _taken(group)
    # Rose starts writing; Vic marks it done before she sends.
    await group.press(REQUESTER, f"v1:talk:{request_id}", name="Rose")
    await group.press(VOLUNTEER, f"v1:done:{request_id}", name="Vic")
    group.telegram.clear()

    await group.say(REQUESTER, "Thank you so much!", name="Rose")
    answer = group.telegram.last_to(REQUESTER).text
    assert "is done" in answer
    assert "wasn't passed on" in answer
    assert group.telegram.sent_to(VOLUNTEER) == []

    await group.press(VOLUNTEER, f"v1:talk:{request_id}", name="Vic")
    alert = group.telegram.answers()[-1].params
    assert "is done" in alert["text"]
    assert alert["show_alert"] is True


async def test_the_line_closes_for_a_volunteer_who_handed_it_back(group: Group) -> None:
    request_id = await _taken(group)
    await group.press(VOLUNTEER, f"v1:release:{request_id}:yes", name="Vic")
    group.telegram.clear()

    await group.press(VOLUNTEER, f"v1:talk:{request_id}", name="Vic")
    assert "no longer yours" in group.telegram.answers()[-1].params["text"]
    await group.press(REQUESTER, f"v1:talk:{request_id}", name="Rose")
    assert "Nobody is on" in group.telegram.answers()[-1].params["text"]


async def test_nobody_else_can_write_on_a_line(group: Group) -> None:
    request_id = await _taken(group)
    await group.consent(404, name="Eve")
    await group.press(404, f"v1:talk:{request_id}", name="Eve")
    assert "no longer yours" in group.telegram.answers()[-1].params["text"]
    await group.say(404, "hello?", name="Eve")
    assert not any("hello?" in t for t in group.telegram.texts_to(REQUESTER))


async def test_a_few_messages_a_minute_then_a_kind_wait(group: Group) -> None:
    request_id = await _taken(group)
    for n in range(5):
        await _write(group, VOLUNTEER, request_id, f"message {n}", name="Vic")
    await _write(group, VOLUNTEER, request_id, "one too many", name="Vic")

    assert "wait a minute" in group.telegram.last_to(VOLUNTEER).text
    assert not any("one too many" in t for t in group.telegram.texts_to(REQUESTER))


async def test_written_mid_request_it_goes_to_the_volunteer_and_the_request_goes_on(
    group: Group,
) -> None:
    request_id = await _taken(group)
    await group.say(REQUESTER, "/request", name="Rose")
    # Another kind of help than the taken request's, so the same-need question is not asked.
    await group.press(REQUESTER, "v1:cat:errand", name="Rose")
    await group.press(REQUESTER, f"v1:talk:{request_id}", name="Rose")
    # Written after "Message Vic", it goes to Vic, not into the new request.
    await group.say(REQUESTER, "Could you bring eggs too?", name="Rose")
    assert "Could you bring eggs too?" in group.telegram.last_to(VOLUNTEER).text

    await group.say(REQUESTER, "Cat food please", name="Rose")
    assert "When do you need it?" in group.telegram.last_to(REQUESTER).text


async def test_cancel_while_writing_sends_nothing_and_keeps_the_half_made_request(
    group: Group,
) -> None:
    request_id = await _taken(group)
    await group.say(REQUESTER, "/request", name="Rose")
    # Another kind of help than the taken request's, so the same-need question is not asked.
    await group.press(REQUESTER, "v1:cat:errand", name="Rose")
    await group.press(REQUESTER, f"v1:talk:{request_id}", name="Rose")
    group.telegram.clear()

    await group.say(REQUESTER, "/cancel", name="Rose")
    assert "haven't sent anything" in group.telegram.last_to(REQUESTER).text
    assert group.telegram.sent_to(VOLUNTEER) == []
    await group.say(REQUESTER, "Cat food please", name="Rose")
    assert "When do you need it?" in group.telegram.last_to(REQUESTER).text


async def test_a_coordinator_reads_the_line_in_details_and_the_look_is_logged(
    group: Group,
) -> None:
    request_id = await _taken(group)
    await _write(group, VOLUNTEER, request_id, "Brown or white?", name="Vic")
    await group.press(REQUESTER, f"v1:talk:{request_id}", name="Rose")
    await group.app.process_update(group.people.photo(REQUESTER, "photo-of-loaf", name="Rose"))
    await group.consent(COORDINATOR, name="Cora")
    group.telegram.clear()

    await group.say(COORDINATOR, f"/details {request_id}", name="Cora")

    line = [c for c in group.telegram.sent_to(COORDINATOR) if "line" in c.text][-1]
    assert "Brown or white?" in line.text
    assert "Vic" in line.text
    assert "Rose" in line.text
    assert line.params["protect_content"] is True
    photos = group.telegram.sent_to(COORDINATOR, "sendPhoto")
    assert [p.params["photo"] for p in photos] == ["photo-of-loaf"]
    assert photos[0].params["protect_content"] is True
    looks = await group.app.storage.db.fetchall(
        "SELECT * FROM audit WHERE action = 'details:viewed' AND request_id = ?",
        (request_id,),
    )
    assert len(looks) == 1


async def test_forgetme_erases_the_line(group: Group) -> None:
    request_id = await _taken(group)
    await _write(group, VOLUNTEER, request_id, "Brown or white?", name="Vic")
    await _write(group, REQUESTER, request_id, "Brown please", name="Rose")

    await group.say(REQUESTER, "/forgetme", name="Rose")
    await group.press(REQUESTER, "v1:forget:yes", name="Rose")

    rows = await group.app.storage.db.fetchall("SELECT * FROM relay_messages")
    assert rows == []


async def test_a_volunteer_forgetting_takes_their_words_only(group: Group) -> None:
    request_id = await _taken(group)
    await _write(group, VOLUNTEER, request_id, "Brown or white?", name="Vic")
    await _write(group, REQUESTER, request_id, "Brown please", name="Rose")

    await group.say(VOLUNTEER, "/forgetme", name="Vic")
    await group.press(VOLUNTEER, "v1:forget:yes", name="Vic")

    rows = await group.app.storage.db.fetchall("SELECT sender_id, text FROM relay_messages")
    assert [tuple(r) for r in rows] == [(REQUESTER, "Brown please")]


async def test_a_phone_request_line_runs_through_the_coordinator_who_took_the_call(
    group: Group,
) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.volunteer(VOLUNTEER, NEAR, name="Vic")
    request_id = await _take_a_call(group)
    await group.press(VOLUNTEER, f"v1:accept:{request_id}", name="Vic")
    card = group.telegram.calls_of("editMessageText")[-1]
    assert labels(card)[f"v1:talk:{request_id}"] == "💬 Message Mary"
    group.telegram.clear()

    await group.press(VOLUNTEER, f"v1:talk:{request_id}", name="Vic")
    assert "coordinator will pass it" in group.telegram.last_to(VOLUNTEER).text
    await group.say(VOLUNTEER, "Does Mary want semi-skimmed?", name="Vic")
    passed = group.telegram.last_to(COORDINATOR)
    assert "Does Mary want semi-skimmed?" in passed.text
    assert "Please pass it on" in passed.text
    assert "07700 900123" in passed.text
    assert passed.params["protect_content"] is True

    # The coordinator answers on the same line, for Mary.
    await _write(group, COORDINATOR, request_id, "Yes, two pints", name="Cora")
    answer = group.telegram.last_to(VOLUNTEER)
    assert "Yes, two pints" in answer.text
    assert "A coordinator writes for <b>Mary</b>" in answer.text


async def test_a_phone_request_line_goes_to_every_coordinator_once_its_taker_is_not_one(
    open_group: Any,
) -> None:
    async with open_group(ADMIN_IDS=f"{COORDINATOR},102") as group:
        await group.consent(COORDINATOR, name="Cora")
        await group.consent(102, name="Dev")
        await group.volunteer(VOLUNTEER, NEAR, name="Vic")
        request_id = await _take_a_call(group)
        await group.press(VOLUNTEER, f"v1:accept:{request_id}", name="Vic")
        # Dev removes Cora as a coordinator.
        await group.press(102, f"v1:coord:{COORDINATOR}:dismiss", name="Dev")
        assert not await group.app.services.coordinators.is_coordinator(COORDINATOR)
        group.telegram.clear()

        await _write(group, VOLUNTEER, request_id, "I'm outside", name="Vic")
        assert "I'm outside" in group.telegram.last_to(102).text
        assert group.telegram.sent_to(COORDINATOR) == []


async def test_the_purge_erases_a_closed_request_s_line(open_group: Any) -> None:
    async with open_group(RETENTION_DAYS="1") as group:
        request_id = await _taken(group)
        await _write(group, VOLUNTEER, request_id, "Brown or white?", name="Vic")
        await group.press(VOLUNTEER, f"v1:done:{request_id}", name="Vic")
        await group.app.storage.db.execute(
            "UPDATE requests SET closed_at = 0 WHERE id = ?", (request_id,)
        )

        await group.app.services.privacy.purge()

        assert await group.app.storage.db.fetchall("SELECT * FROM relay_messages") == []


async def test_forget_erases_a_phone_request_s_line(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.volunteer(VOLUNTEER, NEAR, name="Vic")
    request_id = await _take_a_call(group)
    await group.press(VOLUNTEER, f"v1:accept:{request_id}", name="Vic")
    await _write(group, VOLUNTEER, request_id, "Does Mary want milk?", name="Vic")

    await group.say(COORDINATOR, f"/forget {request_id}", name="Cora")
    await group.press(COORDINATOR, f"v1:forgetph:{request_id}:yes", name="Cora")

    assert await group.app.storage.db.fetchall("SELECT * FROM relay_messages") == []
