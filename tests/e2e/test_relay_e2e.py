"""The private line end to end: over the Bot API server, the volunteer asks a question,
the requester answers with a photo, and the line closes on Done. Neither side ever sees
the other's username (nor a link to their account)."""

from __future__ import annotations

import base64
import time
from typing import Any

from tests.e2e.conftest import REQUESTER, BotProcess, Neighbours, shows
from tests.e2e.steps import (
    NEAR,
    assert_no_errors,
    finish_request,
    ready,
    start_request,
)

USERNAMES = {REQUESTER: "rita_secret_handle", 301: "alice_secret_handle"}
# A 1x1 PNG: the requester's photo of the loaf they want.
PIXEL = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
).decode()


def with_usernames(people: Neighbours) -> None:
    """Everyone has a username on Telegram; the bot must never pass it on."""
    plain = people.person

    def person(user_id: int) -> dict[str, Any]:
        found = plain(user_id)
        if user_id in USERNAMES:
            found["username"] = USERNAMES[user_id]
        return found

    people.person = person  # type: ignore[method-assign]


def send_photo(people: Neighbours, user_id: int, caption: str) -> None:
    people.read_all(user_id)
    sizes = people.emulator.call(
        "/uploadFile",
        {"filename": "loaf.png", "content_type": "image/png", "data_b64": PIXEL, "kind": "photo"},
    )
    people.emulator.call(
        "/sendMessage",
        {
            "botToken": people.token,
            "from": people.person(user_id),
            "chat": people.chat(user_id),
            "date": int(time.time()),
            "photo": sizes,
            "caption": caption,
        },
    )


def test_a_question_a_photo_answer_and_the_line_closes_on_done(
    bot: BotProcess, neighbours: Neighbours
) -> None:
    people = neighbours
    with_usernames(people)
    ready(people, (301, NEAR))
    request_id, _ = finish_request(people, "12 Acacia Avenue", start_request(people, "A loaf"))
    talk = f"v1:talk:{request_id}"

    # Alice takes it; her task card has "Message Rita", Rita's news "Message Alice".
    people.press(301, f"v1:accept:{request_id}")
    card = people.wait_for(301, shows(talk), "task card with the message button")
    assert "💬 Message Rita" in card.labels
    news = people.wait_for(REQUESTER, shows(talk), "news with the message button")
    assert "💬 Message Alice" in news.labels

    # Alice asks a question.
    people.press(301, talk, on=card)
    people.wait_for(301, lambda m: "say to Rita" in m.text, "what to write")
    people.say(301, "White or brown?")
    question = people.wait_for(REQUESTER, lambda m: "White or brown?" in m.text, "the question")
    assert "Alice" in question.text
    assert f"#{request_id}" in question.text
    assert question.protected
    assert talk in question.buttons
    people.wait_for(301, lambda m: "Sent to Rita" in m.text, "sent")

    # Rita answers with a photo, through the reply button.
    people.press(REQUESTER, talk, on=question)
    people.wait_for(REQUESTER, lambda m: "say to Alice" in m.text, "what to write")
    send_photo(people, REQUESTER, "This one please")
    photo = people.wait_for(301, lambda m: "This one please" in m.text, "the photo answer")
    assert photo.raw["message"].get("photo"), photo.raw
    assert "Rita" in photo.text
    assert photo.protected
    people.wait_for(REQUESTER, lambda m: "Sent to Alice" in m.text, "sent")

    # Done: the line closes, and a late message gets a kind answer.
    people.press(301, f"v1:done:{request_id}")
    people.wait_for(REQUESTER, lambda m: "marked request" in m.text, "news it is done")
    late = people.press(REQUESTER, talk, on=question)
    assert "is done" in str(late.get("text")), late
    people.press(301, talk, on=photo)
    people.say(301, "Enjoy!")
    people.settle()
    assert not any("Enjoy!" in m.text for m in people.screen(REQUESTER))

    # Nobody was shown the other's username, or a link to their account.
    people.settle()
    for message in people.everything_seen():
        if message.chat_id in (REQUESTER, 301):
            for secret in USERNAMES.values():
                assert secret not in message.text, message
            assert "tg://user" not in message.text, message
    assert people.emulator.stats(people.token)["methods"].get("forwardMessage") is None
    assert_no_errors(bot, people)
