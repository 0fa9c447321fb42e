"""/broadcast: a coordinator's message to everyone or a group, sent through a persisted
outbox at BROADCAST_RATE; 429s waited out, blocked users skipped, nobody served twice,
even across a crash."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from telegram.request import RequestData

from bot.telegram.app import MutualAidApplication, build_application
from tests.conftest import COORDINATOR, NEAR, REQUESTER, Group, make_settings
from tests.support.telegram import Call, FakeTelegram

# PTB 22 warns, when it builds the RetryAfter for a 429, that its int will become a
# timedelta; the bot reads it either way (bot.telegram.broadcast_news.retry_after_seconds).
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*attribute `retry_after` will be of type:telegram.warnings.PTBDeprecationWarning"
)

OpenGroup = Callable[..., AbstractAsyncContextManager[Group]]
RATE = "200"
HEADER = "📣 Message from the group coordinators:\n\n"
TEXT = "Street party on Saturday from 3pm, bring a chair!"
VOLUNTEER, PENDING_VOLUNTEER, NEIGHBOUR, SECOND_COORDINATOR, STRANGER = 301, 302, 400, 500, 600
EVERYONE = {COORDINATOR, REQUESTER, VOLUNTEER, PENDING_VOLUNTEER, NEIGHBOUR, SECOND_COORDINATOR}


async def _neighbourhood(group: Group) -> None:
    """A coordinator from ADMIN_IDS and one made later, an approved volunteer, one still
    waiting, someone who asked for help, someone who only agreed, someone who didn't."""
    await group.consent(COORDINATOR, name="Cora")
    await group.volunteer(VOLUNTEER, NEAR, name="Vic")
    await group.sign_up(PENDING_VOLUNTEER, NEAR, name="Pat")
    await group.consent(REQUESTER, name="Rita")
    await group.ask(REQUESTER, name="Rita")
    await group.consent(NEIGHBOUR, name="Ned")
    await group.consent(SECOND_COORDINATOR, name="Sue")
    await group.app.services.roster.appoint(SECOND_COORDINATOR, COORDINATOR)
    await group.say(STRANGER, "/start", name="Stan")  # never agrees: never written to


async def _preview(group: Group, text: str = TEXT, audience: str = "everyone") -> Call:
    """The coordinator's /broadcast up to the preview with its Send / Cancel buttons."""
    await group.say(COORDINATOR, "/broadcast", name="Cora")
    await group.say(COORDINATOR, text, name="Cora")
    await group.press(COORDINATOR, f"v1:audience:{audience}", name="Cora")
    return group.telegram.last_to(COORDINATOR)


def _button(preview: Call, verb: str) -> str:
    found = [b for b in preview.buttons if b.startswith(f"v1:bcast:{verb}:")]
    assert len(found) == 1, preview.buttons
    return found[0]


def _delivered(telegram: FakeTelegram, text: str = TEXT) -> Counter[int]:
    """Who got the broadcast, and how many times (the preview to the coordinator is HTML,
    a broadcast message never is)."""
    return Counter(
        c.chat_id
        for c in telegram.calls_of("sendMessage")
        if c.text == HEADER + text and "parse_mode" not in c.params and c.chat_id is not None
    )


async def _outbox(app: MutualAidApplication, broadcast_id: int) -> dict[int, tuple[str, int]]:
    """user id -> (state, attempts) of a broadcast's outbox rows."""
    rows = await app.storage.db.fetchall(
        "SELECT user_id, state, attempts FROM outbox WHERE broadcast_id = ?", (broadcast_id,)
    )
    return {row["user_id"]: (row["state"], row["attempts"]) for row in rows}


async def _status(app: MutualAidApplication, broadcast_id: int) -> str:
    row = await app.storage.db.fetchone(
        "SELECT status FROM broadcasts WHERE id = ?", (broadcast_id,)
    )
    assert row is not None
    return str(row["status"])


def _id(button: str) -> int:
    return int(button.rsplit(":", 1)[1])


async def _until(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    """Let the worker run until something has happened (bounded, so a bug fails)."""
    for _ in range(500):
        if await condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


async def test_each_audience_gets_it_and_the_preview_says_how_many(
    open_group: OpenGroup,
) -> None:
    async with open_group(BROADCAST_RATE=RATE) as group:
        await _neighbourhood(group)
        expected = {
            "everyone": EVERYONE,
            "volunteers": {VOLUNTEER},
            "requesters": {REQUESTER},
            "coordinators": {COORDINATOR, SECOND_COORDINATOR},
        }
        for audience, recipients in expected.items():
            text = f"News for {audience}"
            preview = await _preview(group, text, audience)
            people = "person" if len(recipients) == 1 else "people"
            assert f"{len(recipients)} {people}" in preview.text
            assert text in preview.text
            assert [b.split(":")[2] for b in preview.buttons] == ["send", "cancel"]
            assert _delivered(group.telegram, text) == Counter()  # nothing before Send

            await group.press(COORDINATOR, _button(preview, "send"), name="Cora")
            await group.app.services.broadcaster.idle()
            assert _delivered(group.telegram, text) == Counter(recipients), audience

            # The progress message, edited in place, and a report at the end.
            progress = [c for c in group.telegram.sent_to(COORDINATOR) if "sent 0 of" in c.text]
            edits = group.telegram.sent_to(COORDINATOR, "editMessageText")
            assert edits[-1].text.endswith(f"sent {len(recipients)} of {len(recipients)}")
            assert progress
            report = group.telegram.last_to(COORDINATOR).text
            people = "person" if len(recipients) == 1 else "people"
            assert f"Sent to {len(recipients)} {people}.\n0 people had blocked the bot." in report


async def test_the_text_goes_out_exactly_as_typed(open_group: OpenGroup) -> None:
    typed = "<b>Tea</b> & cake at no. 5 <3 &amp; a <a href='x'>link</a>"
    async with open_group(BROADCAST_RATE=RATE) as group:
        await group.consent(COORDINATOR, name="Cora")
        await group.consent(NEIGHBOUR, name="Ned")
        preview = await _preview(group, typed)
        # The preview is an HTML message that shows the characters, escaped.
        assert "&lt;b&gt;Tea&lt;/b&gt; &amp; cake at no. 5 &lt;3 &amp;amp; a &lt;a" in preview.text
        await group.press(COORDINATOR, _button(preview, "send"), name="Cora")
        await group.app.services.broadcaster.idle()
        assert _delivered(group.telegram, typed) == Counter({COORDINATOR: 1, NEIGHBOUR: 1})


async def test_a_long_text_is_asked_again_and_typing_is_not_choosing(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.say(COORDINATOR, "/broadcast", name="Cora")
    await group.share(COORDINATOR, 51.5, -0.1, name="Cora")
    assert "can only be text" in group.telegram.last_to(COORDINATOR).text
    await group.say(COORDINATOR, "x" * 3501, name="Cora")
    reply = group.telegram.last_to(COORDINATOR)
    assert "3,501" in reply.text
    assert "3,500" in reply.text
    assert reply.buttons == []

    await group.say(COORDINATOR, "y" * 3500, name="Cora")
    assert group.telegram.last_to(COORDINATOR).buttons == [
        "v1:audience:everyone",
        "v1:audience:volunteers",
        "v1:audience:requesters",
        "v1:audience:coordinators",
    ]
    await group.say(COORDINATOR, "everyone", name="Cora")  # typed, not pressed
    again = group.telegram.last_to(COORDINATOR)
    assert "buttons" in again.text
    assert len(again.buttons) == 4
    await group.press(COORDINATOR, "v1:audience:everyone", name="Cora")
    preview = group.telegram.last_to(COORDINATOR)
    assert "y" * 3500 in preview.text
    assert len(preview.text) <= 4096


async def test_only_coordinators_can_broadcast(open_group: OpenGroup) -> None:
    async with open_group(BROADCAST_RATE=RATE) as group:
        await group.consent(COORDINATOR, name="Cora")
        await group.consent(REQUESTER, name="Rita")
        await group.say(REQUESTER, "/broadcast", name="Rita")
        assert "Only coordinators" in group.telegram.last_to(REQUESTER).text
        await group.say(REQUESTER, "Free cake for everyone", name="Rita")
        assert group.telegram.last_to(REQUESTER).buttons == []  # not taken as a broadcast
        await group.press(REQUESTER, "v1:audience:everyone", name="Rita")

        preview = await _preview(group)
        group.telegram.clear()
        for verb in ("send", "cancel"):
            await group.press(REQUESTER, _button(preview, verb), name="Rita")
        assert all("Only coordinators" in a.params["text"] for a in group.telegram.answers())
        await group.app.services.broadcaster.idle()
        assert _delivered(group.telegram) == Counter()
        assert await _status(group.app, _id(_button(preview, "send"))) == "draft"


async def test_send_pressed_twice_sends_once_and_cancel_sends_nothing(
    open_group: OpenGroup,
) -> None:
    async with open_group(BROADCAST_RATE=RATE) as group:
        await group.consent(COORDINATOR, name="Cora")
        await group.consent(NEIGHBOUR, name="Ned")
        send = _button(await _preview(group), "send")
        # A double tap, and Telegram delivering the same press twice, at the same moment.
        presses = [group.people.press(COORDINATOR, send, name="Cora") for _ in range(2)]
        await asyncio.gather(*(group.app.process_update(p) for p in presses))
        await group.press(COORDINATOR, send, name="Cora")
        await group.app.services.broadcaster.idle()
        assert _delivered(group.telegram) == Counter({COORDINATOR: 1, NEIGHBOUR: 1})
        answers = [str(a.params.get("text")) for a in group.telegram.answers()[-3:]]
        assert sum("Sending to 2 people" in a for a in answers) == 1, answers
        assert sum("already" in a for a in answers) == 2, answers
        assert len(await _outbox(group.app, _id(send))) == 2

        preview = await _preview(group, "Never mind")
        await group.press(COORDINATOR, _button(preview, "cancel"), name="Cora")
        assert "Nothing was sent" in str(group.telegram.answers()[-1].params.get("text"))
        await group.press(COORDINATOR, _button(preview, "send"), name="Cora")
        assert "cancelled" in str(group.telegram.answers()[-1].params.get("text"))
        await group.app.services.broadcaster.idle()
        assert _delivered(group.telegram, "Never mind") == Counter()
        assert await _status(group.app, _id(_button(preview, "send"))) == "cancelled"


async def test_people_who_blocked_the_bot_are_marked_and_skipped(open_group: OpenGroup) -> None:
    async with open_group(BROADCAST_RATE=RATE) as group:
        await group.consent(COORDINATOR, name="Cora")
        await group.consent(NEIGHBOUR, name="Ned")
        await group.consent(REQUESTER, name="Rita")
        group.telegram.blocked.add(NEIGHBOUR)
        send = _button(await _preview(group), "send")
        await group.press(COORDINATOR, send, name="Cora")
        await group.app.services.broadcaster.idle()

        assert _delivered(group.telegram) == Counter({COORDINATOR: 1, REQUESTER: 1})
        neighbour = await group.app.storage.users.get(NEIGHBOUR)
        assert neighbour is not None
        assert neighbour.blocked_at is not None
        assert (await _outbox(group.app, _id(send)))[NEIGHBOUR][0] == "blocked"
        report = group.telegram.last_to(COORDINATOR).text
        assert "Sent to 2 people.\n1 person had blocked the bot.\n0 messages could not" in report

        # From then on they are not even queued.
        preview = await _preview(group, "Second news")
        assert "2 people" in preview.text
        await group.press(COORDINATOR, _button(preview, "send"), name="Cora")
        await group.app.services.broadcaster.idle()
        assert NEIGHBOUR not in await _outbox(group.app, _id(_button(preview, "send")))
        assert _delivered(group.telegram, "Second news") == Counter({COORDINATOR: 1, REQUESTER: 1})


async def test_a_429_is_waited_out_and_the_message_sent_again_once(
    open_group: OpenGroup,
) -> None:
    async with open_group(BROADCAST_RATE=RATE) as group:
        await group.consent(COORDINATOR, name="Cora")
        await group.consent(REQUESTER, name="Rita")
        await group.consent(NEIGHBOUR, name="Ned")
        group.telegram.fail_next_429[REQUESTER] = 1
        send = _button(await _preview(group), "send")
        await group.press(COORDINATOR, send, name="Cora")
        await group.app.services.broadcaster.idle()

        assert group.telegram.fail_next_429[REQUESTER] == 0  # the 429 did happen
        assert _delivered(group.telegram) == Counter({COORDINATOR: 1, REQUESTER: 1, NEIGHBOUR: 1})
        outbox = await _outbox(group.app, _id(send))
        assert outbox[REQUESTER] == ("sent", 2)
        assert outbox[NEIGHBOUR] == ("sent", 1)


@dataclass
class HoldingTelegram(FakeTelegram):
    """Holds every sendMessage to the chats in `held` until `release` is set: a send that
    is on its way when something else happens (or when the bot dies)."""

    held: set[int] = field(default_factory=set)
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def respond(self, api: str, request_data: RequestData | None) -> tuple[int, bytes]:
        chat_id = request_data.parameters.get("chat_id") if request_data else None
        if api == "sendMessage" and chat_id is not None and int(chat_id) in self.held:
            self.reached.set()
            await self.release.wait()
        return await super().respond(api, request_data)


async def test_the_bot_answers_others_while_a_broadcast_is_going_out(tmp_path: Path) -> None:
    telegram = HoldingTelegram()
    settings = make_settings(tmp_path, BROADCAST_RATE=RATE)
    async with build_application(settings, request=telegram) as app:
        group = Group(app, telegram)
        for user_id in (COORDINATOR, REQUESTER, VOLUNTEER, NEIGHBOUR):
            await group.consent(user_id)
        telegram.held.add(VOLUNTEER)
        send = _button(await _preview(group), "send")
        await group.press(COORDINATOR, send, name="Cora")
        await asyncio.wait_for(telegram.reached.wait(), 5)

        # The broadcast is half-way (stuck on a slow send); everyone else is answered.
        await group.say(REQUESTER, "/help", name="Rita")
        assert "How this works" in telegram.last_to(REQUESTER).text
        await group.say(NEIGHBOUR, "/volunteer", name="Ned")
        assert telegram.last_to(NEIGHBOUR).text
        assert await _status(app, _id(send)) == "sending"
        assert _delivered(telegram) == Counter({COORDINATOR: 1, REQUESTER: 1})

        telegram.release.set()
        await app.services.broadcaster.idle()
        assert _delivered(telegram) == Counter(
            {COORDINATOR: 1, REQUESTER: 1, VOLUNTEER: 1, NEIGHBOUR: 1}
        )


async def _crashed_half_way(tmp_path: Path, telegram: FakeTelegram) -> int:
    """A broadcast to five people gets stuck on NEIGHBOUR (the fourth), then the bot dies:
    the worker is cut off wherever it is and the database closed, with no shutdown."""
    settings = make_settings(tmp_path, BROADCAST_RATE=RATE)
    first = build_application(settings, request=telegram)
    await first.initialize()
    group = Group(first, telegram)
    for user_id in (COORDINATOR, REQUESTER, VOLUNTEER, NEIGHBOUR, SECOND_COORDINATOR):
        await group.consent(user_id)
    if isinstance(telegram, HoldingTelegram):
        telegram.held.add(NEIGHBOUR)  # the call to NEIGHBOUR is on its way
        stuck_state = "sending"
    else:
        telegram.fail_next_429[NEIGHBOUR] = 1  # the worker is waiting out a long 429
        telegram.retry_after = 60
        stuck_state = "pending"
    send = _button(await _preview(group), "send")
    await group.press(COORDINATOR, send, name="Cora")

    async def stuck() -> bool:
        if isinstance(telegram, HoldingTelegram) and not telegram.reached.is_set():
            return False
        if telegram.fail_next_429.get(NEIGHBOUR, 0) > 0:
            return False
        return (await _outbox(first, _id(send)))[NEIGHBOUR][0] == stuck_state

    await _until(stuck, "the worker stuck half-way")
    await first.services.broadcaster.stop(grace_s=0)  # kill -9: no time to finish
    await first.storage.db.close()
    return _id(send)


async def _restart(tmp_path: Path) -> tuple[MutualAidApplication, FakeTelegram]:
    telegram = FakeTelegram()
    app = build_application(make_settings(tmp_path, BROADCAST_RATE=RATE), request=telegram)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)  # what run_polling does at start-up
    await app.services.broadcaster.idle()
    return app, telegram


async def test_a_broadcast_cut_off_while_waiting_out_a_429_resumes_exactly_once(
    tmp_path: Path,
) -> None:
    # The worker is waiting out a long 429 for NEIGHBOUR when the bot dies: that row went
    # back to pending, so after the restart everyone gets the message exactly once.
    before = FakeTelegram()
    broadcast_id = await _crashed_half_way(tmp_path, before)
    got_before = _delivered(before)
    assert got_before == Counter({COORDINATOR: 1, REQUESTER: 1, VOLUNTEER: 1})

    app, after = await _restart(tmp_path)
    try:
        everyone = _delivered(before) + _delivered(after)
        assert everyone == Counter(
            {COORDINATOR: 1, REQUESTER: 1, NEIGHBOUR: 1, VOLUNTEER: 1, SECOND_COORDINATOR: 1}
        )
        assert await _status(app, broadcast_id) == "done"
        # The progress message from before the crash is edited in place, then a report.
        assert any("sent 0 of 5" in c.text for c in before.sent_to(COORDINATOR))
        assert not any("sent 0 of" in c.text for c in after.sent_to(COORDINATOR))
        row = await app.storage.db.fetchone(
            "SELECT progress_message_id FROM broadcasts WHERE id = ?", (broadcast_id,)
        )
        edit = after.sent_to(COORDINATOR, "editMessageText")[-1]
        assert row is not None
        assert int(edit.params["message_id"]) == row[0]
        assert edit.text.endswith("sent 5 of 5")
        report = after.last_to(COORDINATOR).text
        assert "Sent to 5 people.\n0 people had blocked the bot." in report
        # A second start-up sends nothing more.
        assert app.post_init is not None
        await app.post_init(app)
        await app.services.broadcaster.idle()
        assert _delivered(after) == everyone - got_before
    finally:
        await app.shutdown()


async def test_a_message_in_flight_at_a_crash_is_never_sent_twice(tmp_path: Path) -> None:
    # The bot dies during the Bot API call to NEIGHBOUR: Telegram may or may not have it,
    # and has no way to ask. Sending again could make a duplicate, so it is not resent.
    before = HoldingTelegram()
    broadcast_id = await _crashed_half_way(tmp_path, before)

    app, after = await _restart(tmp_path)
    try:
        everyone = _delivered(before) + _delivered(after)
        assert everyone == Counter(
            {COORDINATOR: 1, REQUESTER: 1, VOLUNTEER: 1, SECOND_COORDINATOR: 1}
        )
        assert (await _outbox(app, broadcast_id))[NEIGHBOUR] == ("unsure", 1)
        report = after.last_to(COORDINATOR).text
        assert "Sent to 4 people.\n0 people had blocked the bot." in report
        assert "1 more may or may not have arrived" in report
    finally:
        await app.shutdown()


# --- Stop ----------------------------------------------------------------------------


def _answers(telegram: FakeTelegram, since: int = 0) -> list[str]:
    return [str(a.params.get("text")) for a in telegram.answers()[since:]]


async def _stuck_on_the_volunteer(tmp_path: Path, telegram: HoldingTelegram) -> tuple[Group, str]:
    """A broadcast to five people (in id order: Cora, Rita, Vic, Ned, Sue) is on its way
    to Vic, the third, and held there; Sue is a second coordinator."""
    app = build_application(make_settings(tmp_path, BROADCAST_RATE=RATE), request=telegram)
    await app.initialize()
    group = Group(app, telegram)
    for user_id, name in (
        (COORDINATOR, "Cora"),
        (REQUESTER, "Rita"),
        (VOLUNTEER, "Vic"),
        (NEIGHBOUR, "Ned"),
        (SECOND_COORDINATOR, "Sue"),
    ):
        await group.consent(user_id, name=name)
    await app.services.roster.appoint(SECOND_COORDINATOR, COORDINATOR)
    telegram.held.add(VOLUNTEER)
    send = _button(await _preview(group), "send")
    await group.press(COORDINATOR, send, name="Cora")
    await asyncio.wait_for(telegram.reached.wait(), 5)
    return group, send


async def test_stop_sends_no_more_and_the_report_says_who_and_how_many(tmp_path: Path) -> None:
    telegram = HoldingTelegram()
    group, send = await _stuck_on_the_volunteer(tmp_path, telegram)
    broadcast_id = _id(send)
    stop = f"v1:bcast:stop:{broadcast_id}"
    try:
        # The progress message carries Stop; another coordinator finds it under /broadcast.
        progress = next(c for c in telegram.sent_to(COORDINATOR) if "sent 0 of 5" in c.text)
        assert progress.buttons == [stop]
        await group.say(SECOND_COORDINATOR, "/broadcast", name="Sue")
        going = [c for c in telegram.sent_to(SECOND_COORDINATOR) if c.buttons == [stop]]
        assert len(going) == 1
        assert f"#{broadcast_id} is going out" in going[0].text
        await group.say(SECOND_COORDINATOR, "/cancel", name="Sue")

        # Someone who is not a coordinator cannot stop it.
        seen = len(telegram.answers())
        await group.press(REQUESTER, stop, name="Rita")
        assert "Only coordinators" in _answers(telegram, seen)[-1]
        row = await group.app.storage.db.fetchone(
            "SELECT stopped_by FROM broadcasts WHERE id = ?", (broadcast_id,)
        )
        assert row is not None
        assert row["stopped_by"] is None

        # Sue stops it while Vic's message is on its way; a second press is told so.
        await group.press(SECOND_COORDINATOR, stop, name="Sue")
        assert "Stopped" in _answers(telegram)[-1]
        await group.press(COORDINATOR, stop, name="Cora")
        assert _answers(telegram)[-1] == "That broadcast was already stopped by Sue."

        telegram.release.set()  # Vic's message comes back: it did go
        await group.app.services.broadcaster.idle()
        assert _delivered(telegram) == Counter({COORDINATOR: 1, REQUESTER: 1, VOLUNTEER: 1})
        outbox = await _outbox(group.app, broadcast_id)
        assert outbox[NEIGHBOUR] == ("pending", 0)
        assert outbox[SECOND_COORDINATOR] == ("pending", 0)
        assert await _status(group.app, broadcast_id) == "done"
        for reader in (COORDINATOR, SECOND_COORDINATOR):
            report = telegram.last_to(reader).text
            assert f"Broadcast #{broadcast_id} was stopped by Sue." in report
            assert "Sent to 3 people.\n0 people had blocked the bot." in report
            assert "2 people did not get it: it was stopped first." in report
        # The progress message lost its Stop button.
        assert telegram.sent_to(COORDINATOR, "editMessageText")[-1].buttons == []

        # A stale press, long after, is answered kindly and changes nothing.
        await group.press(SECOND_COORDINATOR, stop, name="Sue")
        assert _answers(telegram)[-1] == "That broadcast was already stopped by Sue."
    finally:
        await group.app.shutdown()

    # A restart does not take it up again.
    app, after = await _restart(tmp_path)
    try:
        assert _delivered(after) == Counter()
        assert after.sent_to(COORDINATOR) == []
        assert (await _outbox(app, broadcast_id))[NEIGHBOUR] == ("pending", 0)
    finally:
        await app.shutdown()


async def test_a_broadcast_stopped_just_before_a_crash_stays_stopped(tmp_path: Path) -> None:
    # Stop is pressed, then the bot dies while Vic's message is still on its way: after the
    # restart nobody else gets it, and the report still comes, once.
    telegram = HoldingTelegram()
    group, send = await _stuck_on_the_volunteer(tmp_path, telegram)
    await group.press(SECOND_COORDINATOR, f"v1:bcast:stop:{_id(send)}", name="Sue")
    await group.app.services.broadcaster.stop(grace_s=0)  # kill -9
    await group.app.storage.db.close()
    assert _delivered(telegram) == Counter({COORDINATOR: 1, REQUESTER: 1})

    app, after = await _restart(tmp_path)
    try:
        assert _delivered(after) == Counter()
        assert (await _outbox(app, _id(send)))[VOLUNTEER] == ("unsure", 1)
        report = after.last_to(COORDINATOR).text
        assert "was stopped by Sue" in report
        assert "Sent to 2 people." in report
        assert "2 people did not get it" in report
        assert "1 more may or may not have arrived" in report
        assert await _status(app, _id(send)) == "done"
        assert app.post_init is not None
        await app.post_init(app)  # and a second start-up sends nothing more
        await app.services.broadcaster.idle()
        assert len([c for c in after.sent_to(COORDINATOR) if "was stopped" in c.text]) == 1
        assert _delivered(after) == Counter()
    finally:
        await app.shutdown()


async def test_stop_wakes_a_broadcast_waiting_out_a_429(open_group: OpenGroup) -> None:
    async with open_group(BROADCAST_RATE=RATE) as group:
        await group.consent(COORDINATOR, name="Cora")
        await group.consent(REQUESTER, name="Rita")
        await group.consent(NEIGHBOUR, name="Ned")
        group.telegram.fail_next_429[REQUESTER] = 1
        group.telegram.retry_after = 600  # without Stop, ten minutes of waiting
        send = _button(await _preview(group), "send")
        await group.press(COORDINATOR, send, name="Cora")

        async def waiting() -> bool:
            return group.telegram.fail_next_429[REQUESTER] == 0

        await _until(waiting, "the 429")
        await group.press(COORDINATOR, f"v1:bcast:stop:{_id(send)}", name="Cora")
        await asyncio.wait_for(group.app.services.broadcaster.idle(), 5)
        assert _delivered(group.telegram) == Counter({COORDINATOR: 1})
        report = group.telegram.last_to(COORDINATOR).text
        assert "was stopped by Cora" in report
        assert "2 people did not get it" in report


async def test_stop_after_the_end_is_answered_and_changes_nothing(open_group: OpenGroup) -> None:
    async with open_group(BROADCAST_RATE=RATE) as group:
        await group.consent(COORDINATOR, name="Cora")
        await group.consent(NEIGHBOUR, name="Ned")
        send = _button(await _preview(group), "send")
        await group.press(COORDINATOR, send, name="Cora")
        await group.app.services.broadcaster.idle()
        report = group.telegram.last_to(COORDINATOR).text
        await group.press(COORDINATOR, f"v1:bcast:stop:{_id(send)}", name="Cora")
        assert "already finished" in _answers(group.telegram)[-1]
        assert group.telegram.last_to(COORDINATOR).text == report
        assert "finished" in report
