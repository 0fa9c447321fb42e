"""/forget <request>: a coordinator erases someone without Telegram (an /onbehalf
request's person) with what /forgetme guarantees: every request recorded for them loses
their details, open ones are cancelled and the volunteer told, drafts about them go,
and nothing of them is left in the database, only counts and who erased."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import COORDINATOR, HOME, NEAR, REQUESTER, Group
from tests.support.storage import every_row

SUE = 500  # a second coordinator
VOLUNTEER = 301
# Unique markers: none may be found anywhere in the database after the erasure.
NAME = "Dorinda"
PHONE = "07700 918273"
ADDRESS = "91 Quixotic Lane, blue door"
DESCRIPTION = "Zanzibar marmalade and bread"
MARKERS = ("Dorinda", "918273", "Quixotic", "Zanzibar")


async def _call(
    group: Group,
    name: str = NAME,
    phone: str = PHONE,
    description: str = DESCRIPTION,
    address: str = ADDRESS,
) -> int:
    """A coordinator records a request taken by phone; its number."""
    for text in ("/onbehalf", name, phone):
        await group.say(COORDINATOR, text, name="Cora")
    await group.press(COORDINATOR, "v1:cat:groceries", name="Cora")
    # Rung again about the same number: a separate need (tests/test_same_need.py adds).
    new = [b for b in group.telegram.last_to(COORDINATOR).buttons if b.endswith(":new")]
    if new:
        await group.press(COORDINATOR, new[0], name="Cora")
    await group.say(COORDINATOR, description, name="Cora")
    await group.press(COORDINATOR, "v1:when:asap", name="Cora")
    await group.share(COORDINATOR, *HOME, name="Cora")
    await group.say(COORDINATOR, address, name="Cora")
    await group.press(COORDINATOR, "v1:confirm:yes", name="Cora")
    match = re.search(r"#(\d+)", group.telegram.last_to(COORDINATOR).text)
    assert match
    return int(match.group(1))


async def _everything_stored(group: Group) -> str:
    """Every value of every row of every table, as one text to search."""
    found = []
    for _, rows in (await every_row(group.app.storage.db)).values():
        for row in rows:
            found.extend(str(value) for value in row)
    return "\n".join(found)


def _database_bytes(group: Group) -> bytes:
    """SQLite's files (secure_delete must have overwritten the erased values); PostgreSQL's
    own files are the server's, not the bot's to read."""
    if group.app.storage.db.dialect != "sqlite":
        return b""
    path = group.app.services.settings.database_path
    return b"".join(
        Path(f"{path}{suffix}").read_bytes()
        for suffix in ("", "-wal", "-shm")
        if Path(f"{path}{suffix}").exists()
    )


async def _with_sue(group: Group) -> None:
    """The usual start with Sue, a second coordinator, before the requester and Alice."""
    await group.consent(COORDINATOR, name="Cora")
    await group.consent(SUE, name="Sue")
    await group.app.services.roster.appoint(SUE, COORDINATOR)
    await group.consent(REQUESTER, name="Rita")
    await group.volunteer(VOLUNTEER, NEAR, name="Alice")


async def test_a_coordinator_erases_someone_without_telegram_after_asking(group: Group) -> None:
    await _with_sue(group)
    taken = await _call(group)
    await group.press(VOLUNTEER, f"v1:accept:{taken}", name="Alice")
    # Rung again a week later; the number typed another way, and one for someone else.
    still_open = await _call(group, phone="07700918273", description="Zanzibar tea")
    other = await _call(
        group, name="Mary", phone="07700 900123", description="Milk please", address="3 Elm Road"
    )
    await group.say(VOLUNTEER, "/concern", name="Alice")
    await group.press(VOLUNTEER, f"v1:concern:{taken}", name="Alice")
    await group.say(VOLUNTEER, "Dorinda seemed confused at the door", name="Alice")
    # Sue is recording another call from her, up to the address, when the erasure comes.
    for text in ("/onbehalf", NAME, PHONE):
        await group.say(SUE, text, name="Sue")
    await group.press(SUE, "v1:cat:groceries", name="Sue")
    await group.press(SUE, f"v1:dup:{still_open}:new", name="Sue")  # her open one: a new need
    await group.say(SUE, "Zanzibar biscuits", name="Sue")
    await group.press(SUE, "v1:when:asap", name="Sue")
    await group.share(SUE, *HOME, name="Sue")
    await group.say(COORDINATOR, f"/details {taken}", name="Cora")
    assert f"/forget {taken}" in group.telegram.last_to(COORDINATOR).text

    # First a question, and "no" keeps everything.
    await group.say(COORDINATOR, f"/forget {taken}", name="Cora")
    question = group.telegram.last_to(COORDINATOR)
    assert f"Erase {NAME}'s details?" in question.text
    assert "cannot be undone" in question.text
    assert f"2 requests (#{taken} and #{still_open})" in question.text  # Babel format_list
    assert question.buttons == [f"v1:forgetph:{taken}:yes", f"v1:forgetph:{taken}:no"]
    await group.press(COORDINATOR, f"v1:forgetph:{taken}:no", name="Cora")
    assert NAME in await _everything_stored(group)
    assert (await group.stored(taken)).status == "claimed"

    group.telegram.clear()
    await group.press(COORDINATOR, f"v1:forgetph:{taken}:yes", name="Cora")
    done = group.telegram.sent_to(COORDINATOR, "editMessageText")[-1].text
    assert "erased from 2 requests" in done
    assert NAME not in done
    # The volunteer on the way is told the task is off.
    assert any(f"Request #{taken} was cancelled" in t for t in group.telegram.texts_to(VOLUNTEER))
    for request_id in (taken, still_open):
        stored = await group.stored(request_id)
        assert stored.status == "cancelled"
        assert (stored.contact_name, stored.contact_phone, stored.address) == (None, None, "")
    await group.say(VOLUNTEER, "/mytasks", name="Alice")
    assert "no tasks" in group.telegram.last_to(VOLUNTEER).text
    # Mary is untouched.
    mary = await group.stored(other)
    assert (mary.contact_name, mary.status) == ("Mary", "open")
    # Sue's half-recorded call is gone; finishing it asks her to start again.
    assert "onbehalf" not in group.app.user_data[SUE]
    await group.say(SUE, "91 Quixotic Lane", name="Sue")
    assert "erased meanwhile" in group.telegram.last_to(SUE).text

    stored_text = await _everything_stored(group)
    raw = _database_bytes(group)
    for marker in MARKERS:
        assert marker.casefold() not in stored_text.casefold(), marker
        assert marker.encode() not in raw, marker
    # Audited: who erased, which request, and no trace of the person.
    audit = await group.app.storage.db.fetchall(
        "SELECT actor_id, request_id FROM audit WHERE action = 'erase:contact'"
    )
    assert [tuple(row) for row in audit] == [(COORDINATOR, taken)]

    # A second press, or /forget again, is told there is nothing left to erase.
    await group.press(COORDINATOR, f"v1:forgetph:{taken}:yes", name="Cora")
    assert "already erased" in str(group.telegram.answers()[-1].params.get("text"))
    await group.say(COORDINATOR, f"/forget {still_open}", name="Cora")
    assert "already erased" in group.telegram.last_to(COORDINATOR).text


async def test_only_coordinators_can_erase_someone_without_telegram(group: Group) -> None:
    await _with_sue(group)
    request_id = await _call(group)
    group.telegram.clear()
    await group.say(REQUESTER, f"/forget {request_id}", name="Rita")
    assert "Only coordinators" in group.telegram.last_to(REQUESTER).text
    await group.press(REQUESTER, f"v1:forgetph:{request_id}:yes", name="Rita")
    assert "Only coordinators" in str(group.telegram.answers()[-1].params.get("text"))
    await group.press(VOLUNTEER, f"v1:forgetph:{request_id}:yes", name="Alice")
    assert "Only coordinators" in str(group.telegram.answers()[-1].params.get("text"))
    stored = await group.stored(request_id)
    assert (stored.contact_name, stored.status) == (NAME, "open")
    assert NAME not in "".join(group.telegram.texts_to(REQUESTER))


async def test_forget_says_how_when_it_cannot_erase(group: Group) -> None:
    await _with_sue(group)
    typed = await group.ask()  # asked with Telegram: that person uses /forgetme
    await group.say(COORDINATOR, "/forget", name="Cora")
    assert "for example /forget 12" in group.telegram.last_to(COORDINATOR).text
    await group.say(COORDINATOR, f"/forget {typed}", name="Cora")
    assert "not taken by phone" in group.telegram.last_to(COORDINATOR).text
    await group.say(COORDINATOR, "/forget 999", name="Cora")
    assert "not taken by phone" in group.telegram.last_to(COORDINATOR).text
