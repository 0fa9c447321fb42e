"""What everyone sees: command menus, help, privacy, typed places, tasks."""

from __future__ import annotations

import re

from bot.domain.models import Place
from bot.telegram.commands import command_list, coordinator_commands, everyone_commands
from tests.conftest import COORDINATOR, HOME, NEAR, REQUESTER, Group


async def test_command_menus_are_published_with_coordinator_commands_only_for_them(
    group: Group,
) -> None:
    assert group.app.post_init is not None
    await group.app.post_init(group.app)
    menus = group.telegram.calls_of("setMyCommands")
    # One default menu without a language_code, and one per catalogue's language.
    default = [
        m
        for m in menus
        if m.params["scope"]["type"] == "default" and "language_code" not in m.params
    ]
    mine = [m for m in menus if m.params["scope"].get("chat_id") == COORDINATOR]
    assert len(default) == 1
    assert len(mine) == 1
    everyone = {c["command"] for c in default[0].params["commands"]}
    assert {"start", "request", "volunteer", "help", "privacy", "cancel"} <= everyone
    assert "pending" not in everyone
    assert "pending" in {c["command"] for c in mine[0].params["commands"]}


async def test_help_and_privacy_answer_in_plain_words(group: Group) -> None:
    await group.say(REQUESTER, "/help")
    assert "/request" in group.telegram.last_to(REQUESTER).text
    assert "/pending" not in group.telegram.last_to(REQUESTER).text
    await group.say(COORDINATOR, "/help")
    assert "/pending" in group.telegram.last_to(COORDINATOR).text
    await group.say(REQUESTER, "/privacy")
    text = group.telegram.last_to(REQUESTER).text
    assert "What we keep" in text
    assert "Who sees it" in text


async def test_a_typed_postcode_is_geocoded_when_a_geocoder_is_on(group: Group) -> None:
    class Postcodes:
        enabled = True

        async def locate(self, text: str) -> Place | None:
            return Place(*NEAR) if text == "SW1A 1AA" else None

    group.app.services.geocoder = Postcodes()  # type: ignore[assignment]
    await group.consent(301)
    await group.say(301, "/volunteer")
    await group.say(301, "Nowhere Street")
    assert "couldn't find that place" in group.telegram.last_to(301).text
    await group.say(301, "SW1A 1AA")
    assert "How far" in group.telegram.last_to(301).text


async def test_my_tasks_shows_the_address_only_for_tasks_i_hold(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.volunteer(301, NEAR, name="Alice")
    await group.say(301, "/mytasks", name="Alice")
    assert "no tasks" in group.telegram.last_to(301).text
    await group.consent(REQUESTER, name="Rita")
    request_id = await group.ask(where=HOME)
    await group.press(301, f"v1:accept:{request_id}", name="Alice")
    await group.say(301, "/mytasks", name="Alice")
    task = group.telegram.last_to(301)
    assert "Acacia" in task.text
    assert task.params.get("protect_content") is True
    assert task.buttons == [
        f"v1:arrived:{request_id}",
        f"v1:done:{request_id}",
        f"v1:release:{request_id}",
        f"v1:talk:{request_id}",
        f"v1:concern:{request_id}",
    ]
    await group.press(301, f"v1:done:{request_id}", name="Alice")
    await group.say(301, "/mytasks", name="Alice")
    assert "no tasks" in group.telegram.last_to(301).text


async def test_stale_and_junk_buttons_are_answered(group: Group) -> None:
    for junk in ("v1:bogus:1", "v2:accept:1", "v1:accept:abc", "v1:accept:99999", "x" * 64):
        await group.press(REQUESTER, junk)
    assert len(group.telegram.answers()) == 5


async def test_descriptions_are_escaped_in_pings(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.volunteer(301, NEAR, name="Alice")
    await group.consent(REQUESTER)
    request_id = await group.ask(description="<script>alert(1)</script> & milk")
    ping = group.telegram.last_to(301)
    assert f"v1:accept:{request_id}" in ping.buttons
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; milk" in ping.text


async def test_help_explains_every_command_of_the_menu_and_no_one_elses(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.consent(REQUESTER)
    await group.say(COORDINATOR, "/help")
    theirs = group.telegram.last_to(COORDINATOR).text
    await group.say(REQUESTER, "/help")
    mine = group.telegram.last_to(REQUESTER).text
    everyone = {c.command for c in everyone_commands()}
    for command in coordinator_commands():
        if command.command in ("start", "help"):
            continue  # /start is where everyone begins; /help is this
        named = re.compile(rf"/{command.command}\b")
        assert named.search(theirs), command.command
        assert bool(named.search(mine)) == (command.command in everyone), command.command


def test_each_line_of_help_begins_with_its_own_command() -> None:
    for command in command_list():
        assert command.menu is not None or command.help is not None, command.name
        if command.help is not None:
            assert command.help.startswith(f"/{command.name}"), command.name
