"""The conversations forgive mistakes, keep nothing before consent, and survive restarts."""

from __future__ import annotations

from pathlib import Path

from bot.db.events import EventRepository
from bot.domain.events import RequestOpened
from bot.telegram.app import build_application
from tests.conftest import COORDINATOR, HOME, NEAR, REQUESTER, Group, make_settings
from tests.support.telegram import FakeTelegram


async def test_nothing_is_stored_before_consent(group: Group) -> None:
    await group.say(REQUESTER, "/start")
    notice = group.telegram.last_to(REQUESTER)
    assert "v1:consent:yes" in notice.buttons
    await group.say(REQUESTER, "/request")  # the notice, then straight into the request
    assert "v1:consent:yes:en:need" in group.telegram.last_to(REQUESTER).buttons
    assert await group.app.storage.users.get(REQUESTER) is None

    await group.press(REQUESTER, "v1:consent:yes")
    user = await group.app.storage.users.get(REQUESTER)
    assert user is not None
    assert user.consented_at is not None
    # The choice, and "tell me about offers nearby" (off until they turn it on).
    assert group.telegram.last_to(REQUESTER).buttons == [
        "v1:role:need",
        "v1:role:offer",
        "v1:offernews:on",
    ]


async def test_i_need_help_button_starts_the_request(group: Group) -> None:
    await group.consent(REQUESTER)
    await group.press(REQUESTER, "v1:role:need")
    assert "v1:cat:groceries" in group.telegram.last_to(REQUESTER).buttons


async def test_a_leaflet_link_lands_in_the_right_conversation(group: Group) -> None:
    await group.consent(REQUESTER)
    await group.say(REQUESTER, "/start need")
    assert "v1:cat:groceries" in group.telegram.last_to(REQUESTER).buttons
    await group.say(301, "/start volunteer")  # not consented yet: the notice first
    assert "v1:consent:yes:en:offer" in group.telegram.last_to(301).buttons


async def test_unexpected_input_at_each_step_gets_a_re_prompt(group: Group) -> None:
    await group.consent(REQUESTER)
    await group.say(REQUESTER, "/request")
    await group.say(REQUESTER, "hello?")  # expected a button
    assert "v1:cat:groceries" in group.telegram.last_to(REQUESTER).buttons
    await group.press(REQUESTER, "v1:cat:nonsense")  # forged category
    await group.press(REQUESTER, "v1:cat:groceries")
    await group.share(REQUESTER, *HOME)  # expected text
    assert "what you need" in group.telegram.last_to(REQUESTER).text
    await group.say(REQUESTER, "<b>x</b>&" * 500)  # 4,000 characters
    assert "under 500 characters" in group.telegram.last_to(REQUESTER).text
    await group.say(REQUESTER, "Milk <b>and</b> bread & eggs")
    await group.press(REQUESTER, "v1:when:asap")
    await group.say(REQUESTER, "my house")  # no geocoder: asks for the button
    assert "Share my location" in group.telegram.last_to(REQUESTER).text
    await group.share(REQUESTER, 48.85, 2.35)  # Paris: outside the area
    assert "outside the area" in group.telegram.last_to(REQUESTER).text
    await group.share(REQUESTER, *HOME)
    await group.say(REQUESTER, "x")  # too short for an address
    await group.say(REQUESTER, "1 High St")
    summary = group.telegram.last_to(REQUESTER)
    assert "Milk &lt;b&gt;and&lt;/b&gt; bread &amp; eggs" in summary.text
    assert "v1:confirm:yes" in summary.buttons


async def test_a_typed_time_is_read_and_a_past_one_refused(group: Group) -> None:
    await group.consent(REQUESTER)
    await group.say(REQUESTER, "/request")
    await group.press(REQUESTER, "v1:cat:dog_walking")
    await group.say(REQUESTER, "Walk Rex around the park")
    await group.press(REQUESTER, "v1:when:at")
    await group.say(REQUESTER, "whenever")
    assert "couldn't read" in group.telegram.last_to(REQUESTER).text
    await group.say(REQUESTER, "1/1/2020 10:00")
    assert "already passed" in group.telegram.last_to(REQUESTER).text
    await group.say(REQUESTER, "tomorrow 10:00")
    assert "share your location" in group.telegram.last_to(REQUESTER).text
    draft = group.app.user_data[REQUESTER]["request"]
    assert draft["when"] == "at"
    assert draft["due_at"] > group.app.services.clock()


async def test_cancel_and_other_commands_leave_the_conversation(group: Group) -> None:
    await group.consent(REQUESTER)
    await group.say(REQUESTER, "/request")
    await group.say(REQUESTER, "/cancel")
    assert "stopped" in group.telegram.last_to(REQUESTER).text
    await group.say(REQUESTER, "/cancel")
    assert "nothing to cancel" in group.telegram.last_to(REQUESTER).text

    await group.say(REQUESTER, "/request")
    await group.say(REQUESTER, "/help")  # a new command: the conversation ends, help shows
    assert "How this works" in group.telegram.last_to(REQUESTER).text
    await group.say(REQUESTER, "some words")
    assert "not sure what you mean" in group.telegram.last_to(REQUESTER).text
    await group.say(REQUESTER, "/frobnicate")
    assert "don't know that command" in group.telegram.last_to(REQUESTER).text


async def test_a_half_finished_request_survives_a_crash(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    before = FakeTelegram()
    first = build_application(settings, request=before)
    await first.initialize()
    group = Group(first, before)
    await group.consent(REQUESTER)
    await group.say(REQUESTER, "/request")
    await group.press(REQUESTER, "v1:cat:groceries")
    await group.say(REQUESTER, "Milk and bread please")
    # A crash: no shutdown, no flush. Only what was written after each update remains.
    await first.storage.db.close()

    telegram = FakeTelegram()
    second = build_application(settings, request=telegram)
    async with second:
        again = Group(second, telegram)
        await again.press(REQUESTER, "v1:when:asap")
        await again.share(REQUESTER, *HOME)
        await again.say(REQUESTER, "12 Acacia Avenue")
        await again.press(REQUESTER, "v1:confirm:yes")
        assert "#1" in telegram.last_to(REQUESTER).text
        stored = await again.stored(1)
        assert stored.description == "Milk and bread please"


async def test_buttons_sent_before_a_restart_still_work(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    telegram = FakeTelegram()
    async with build_application(settings, request=telegram) as first:
        group = Group(first, telegram)
        await group.consent(COORDINATOR, name="Cora")
        await group.volunteer(301, NEAR, name="Alice")
        await group.consent(REQUESTER)
        request_id = await group.ask()
    telegram = FakeTelegram()
    async with build_application(settings, request=telegram) as second:
        await Group(second, telegram).press(301, f"v1:accept:{request_id}", name="Alice")
        assert any("Acacia" in c.text for c in telegram.sent_to(301))


async def test_a_request_saved_but_not_announced_is_announced_at_start_up(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path)
    telegram = FakeTelegram()
    async with build_application(settings, request=telegram) as first:
        group = Group(first, telegram)
        await group.consent(COORDINATOR, name="Cora")
        await group.volunteer(301, NEAR, name="Alice")
        await group.consent(REQUESTER)
        request_id = await group.ask()
        # As if the bot died between saving the request and sending its pings: its
        # opening still held in the outbox, as the confirmation's press left it.
        await first.storage.db.execute("DELETE FROM pings")
        await first.storage.db.execute("UPDATE requests SET announced_at = NULL")
        await EventRepository(first.storage.db).add(
            RequestOpened(request_id), 0.0, hold_key=f"opening:{request_id}"
        )
    telegram = FakeTelegram()
    second = build_application(settings, request=telegram)
    async with second:
        assert second.post_init is not None
        await second.post_init(second)
        assert f"v1:accept:{request_id}" in telegram.last_to(301).buttons
        await second.post_init(second)  # a second start-up pings nobody twice
        assert len(telegram.sent_to(301)) == 1


async def test_a_command_that_starts_another_conversation_ends_the_one_before(
    group: Group,
) -> None:
    await group.consent(REQUESTER)
    await group.say(REQUESTER, "/volunteer")  # waiting for a location
    await group.say(REQUESTER, "/request")  # another conversation, in an earlier group
    assert "v1:cat:groceries" in group.telegram.last_to(REQUESTER).buttons
    await group.say(REQUESTER, "/cancel")
    await group.share(REQUESTER, *HOME)  # the volunteer form must not take this
    assert "not sure what you mean" in group.telegram.last_to(REQUESTER).text
    assert await group.app.storage.volunteers.get(REQUESTER) is None


async def test_a_leaflet_link_gets_one_answer(group: Group) -> None:
    await group.consent(REQUESTER)
    group.telegram.clear()
    await group.say(REQUESTER, "/start need")
    assert len(group.telegram.sent_to(REQUESTER)) == 1
    await group.say(REQUESTER, "/volunteer")
    group.telegram.clear()
    await group.say(REQUESTER, "/request")
    assert len(group.telegram.sent_to(REQUESTER)) == 1
