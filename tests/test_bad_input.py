"""Bad input that must not get through: control characters in what people type, and HTML
in their Telegram names."""

from __future__ import annotations

from typing import Any

from tests.conftest import COORDINATOR, HOME, NEAR, REQUESTER, Group
from tests.support.storage import sqlite_only


@sqlite_only  # PostgreSQL's text can't hold a NUL at all: storing one would fail
async def test_control_characters_are_stripped_from_what_is_stored(group: Group) -> None:
    await group.consent(REQUESTER, name="Rita")
    request_id = await group.ask(
        description="Milk\x00 and\x07 bread\x7f\nand eggs\tplease",
        address="12 Acacia\x1b[31m Avenue\x00",
    )
    stored = await group.stored(request_id)
    assert stored.description == "Milk and bread\nand eggs\tplease"
    assert stored.address == "12 Acacia[31m Avenue"
    # Nor is it in the raw file: every text column of every row.
    rows = await group.app.storage.db.fetchall(
        "SELECT description, address FROM requests WHERE instr(description, char(0)) > 0 "
        "OR instr(address, char(0)) > 0"
    )
    assert rows == []


async def test_a_name_typed_for_someone_without_telegram_loses_its_controls(
    group: Group,
) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.volunteer(301, NEAR, name="Alice")
    for text in ("/onbehalf", "Ma\x00ry\x08", "07700 900123"):
        await group.say(COORDINATOR, text, name="Cora")
    await group.press(COORDINATOR, "v1:cat:groceries", name="Cora")
    await group.say(COORDINATOR, "Shopping\x00 for the week", name="Cora")
    await group.press(COORDINATOR, "v1:when:asap", name="Cora")
    await group.share(COORDINATOR, *HOME, name="Cora")
    await group.say(COORDINATOR, "4 Elm\x0c Road", name="Cora")
    await group.press(COORDINATOR, "v1:confirm:yes", name="Cora")
    rows = await group.app.storage.db.fetchall(
        "SELECT contact_name, description, address FROM requests"
    )
    assert [tuple(row) for row in rows] == [("Mary", "Shopping for the week", "4 Elm Road")]


async def test_a_command_after_a_control_character_still_works(group: Group) -> None:
    """The command's entity moves with the text, so /request is still a command."""
    await group.consent(REQUESTER, name="Rita")
    update: Any = group.people.text(REQUESTER, "/request", name="Rita")
    data = update.to_dict()
    data["message"]["text"] = "\x00/request"
    data["message"]["entities"] = [{"type": "bot_command", "offset": 1, "length": 8}]
    await group.app.process_update(type(update).de_json(data, group.app.bot))
    assert group.telegram.last_to(REQUESTER).buttons[0] == "v1:cat:groceries"


NAME = "Tom <i>&</i> Jerry"
ESCAPED = "Tom &lt;i&gt;&amp;&lt;/i&gt; Jerry"


async def test_a_first_name_with_html_is_escaped_in_the_greeting(group: Group) -> None:
    await group.consent(REQUESTER, name=NAME)
    after_consent = group.telegram.texts_to(REQUESTER)[-1]
    await group.say(REQUESTER, "/start", name=NAME)
    on_start = group.telegram.last_to(REQUESTER).text
    for greeting in (after_consent, on_start):
        assert ESCAPED in greeting
        assert "<i>" not in greeting
