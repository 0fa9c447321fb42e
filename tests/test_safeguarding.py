"""Safe with people and their data: need-to-know, safety codes, money, checked volunteers,
concerns, consent versions, erasure down to the database's bytes, retention, blocked users."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest

from bot.config import SettingsError, parse_settings
from bot.domain.models import Category
from bot.telegram.handlers.common import NOTICE_VERSION
from tests.conftest import (
    COORDINATOR,
    FAR,
    MIDDLE,
    NEAR,
    REQUESTER,
    Group,
    group_with_clock,
)
from tests.support.storage import sqlite_only
from tests.support.telegram import Call

OpenGroup = Callable[..., AbstractAsyncContextManager[Group]]
DAY = 86400.0


def _readable(call: Call) -> str:
    """Everything a message shows: its text, or a photo's caption."""
    return call.text + str(call.params.get("caption", ""))


def _database_bytes(group: Group) -> bytes:
    """The raw bytes of the database file, its WAL and its shared-memory index (on
    PostgreSQL none: its files are the server's, not the bot's to read)."""
    if group.app.storage.db.dialect != "sqlite":
        return b""
    path = group.app.services.settings.database_path
    found = b""
    for suffix in ("", "-wal", "-shm"):
        part = Path(f"{path}{suffix}")
        if part.exists():
            found += part.read_bytes()
    return found


# --- need to know ------------------------------------------------------------------------


async def test_a_full_lifecycle_shows_address_phone_and_code_only_to_their_holders(
    group: Group,
) -> None:
    phone = "07700 900123"
    address = f"12 Acacia Avenue, ring twice or call {phone}"
    await group.ready((301, NEAR), (302, MIDDLE), (303, FAR))
    request_id = await group.ask(address=address)
    assert sorted(group.pinged(request_id)) == [301, 302, 303]
    code = (await group.stored(request_id)).safety_code

    await group.press(301, f"v1:accept:{request_id}", name="V301")
    await group.say(301, "/mytasks", name="V301")
    await group.press(301, f"v1:release:{request_id}", name="V301")
    await group.press(301, f"v1:release:{request_id}:yes", name="V301")
    first_holder_done = len(group.telegram.calls)
    await group.say(301, "/mytasks", name="V301")
    assert "no tasks" in group.telegram.last_to(301).text
    await group.press(302, f"v1:accept:{request_id}", name="V302")
    await group.press(303, f"v1:accept:{request_id}", name="V303")  # too late
    await group.say(303, "/mytasks", name="V303")
    await group.say(302, "/mytasks", name="V302")
    await group.say(REQUESTER, "/myrequests", name="Rita")
    await group.press(302, f"v1:done:{request_id}", name="V302")
    await group.say(302, "/mytasks", name="V302")
    assert "no tasks" in group.telegram.last_to(302).text
    await group.say(COORDINATOR, f"/details {request_id}", name="Cora")

    code_shown = re.compile(rf"\b{code}\b")
    secrets = [
        (i, c)
        for i, c in enumerate(group.telegram.calls)
        if address in _readable(c) or phone in _readable(c) or code_shown.search(_readable(c))
    ]
    assert {c.chat_id for _, c in secrets} == {REQUESTER, 301, 302, COORDINATOR}
    assert all(i < first_holder_done for i, c in secrets if c.chat_id == 301)
    for _, call in secrets:
        if call.chat_id != REQUESTER:
            assert call.params.get("protect_content") is True, call
    # Each holder was given the code with the address, in one protected message.
    for holder in (301, 302):
        assert any(
            address in c.text and code_shown.search(c.text)
            for _, c in secrets
            if c.chat_id == holder
        )
    told = " ".join(group.telegram.texts_to(REQUESTER))
    assert code_shown.search(told)
    assert "don't let anyone in who doesn't know it" in told


async def test_shopping_volunteers_get_the_money_guidance(group: Group) -> None:
    await group.ready()
    await group.volunteer(301, NEAR, categories=("dog_walking", "groceries"), name="V301")
    shopping = await group.ask(category="groceries")
    await group.press(301, f"v1:accept:{shopping}", name="V301")
    guidance = "Never take a bank card, PIN or cash card"
    assert any(guidance in t and "agree the list" in t for t in group.telegram.texts_to(301))
    group.telegram.clear()
    walk = await group.ask(category="dog_walking", description="Walk Rex please")
    await group.press(301, f"v1:accept:{walk}", name="V301")
    assert not any(guidance in t for t in group.telegram.texts_to(301))


# --- money -------------------------------------------------------------------------------


async def _spending(group: Group, request_id: int) -> tuple[int | None, str | None]:
    """What is stored about the money spent on a request: pence, receipt file_id."""
    row = await group.app.storage.db.fetchone(
        "SELECT spent_pence, receipt_file_id FROM requests WHERE id = ?", (request_id,)
    )
    assert row is not None
    return row["spent_pence"], row["receipt_file_id"]


async def _done_shopping(group: Group, volunteer: int = 301) -> int:
    request_id = await group.ask(category="groceries")
    await group.press(volunteer, f"v1:accept:{request_id}", name=f"V{volunteer}")
    await group.press(volunteer, f"v1:done:{request_id}", name=f"V{volunteer}")
    return request_id


async def test_spending_over_the_cap_is_flagged_to_coordinators_with_the_receipt(
    open_group: OpenGroup,
) -> None:
    async with open_group(SPEND_CAP="20") as group:
        await group.ready((301, NEAR))
        request_id = await _done_shopping(group)
        done = group.telegram.sent_to(301, "editMessageText")[-1]
        assert done.buttons == [f"v1:spend:{request_id}"]
        await group.press(REQUESTER, f"v1:spend:{request_id}", name="Rita")  # not theirs
        assert "doesn't work" in str(group.telegram.answers()[-1].params.get("text"))

        await group.press(301, f"v1:spend:{request_id}", name="V301")
        assert "How much did you spend" in group.telegram.last_to(301).text
        await group.say(301, "about a tenner", name="V301")
        assert "amount in pounds" in group.telegram.last_to(301).text
        group.telegram.clear()
        await group.say(301, "£45.50", name="V301")
        assert await _spending(group, request_id) == (4550, None)
        # Beside the reimbursement claim (tests/test_fund.py), the over-the-cap flag.
        [flag] = [c for c in group.telegram.sent_to(COORDINATOR) if "claim #" not in c.text]
        assert f"#{request_id}" in flag.text
        assert "£45.50" in flag.text
        assert "£20.00" in flag.text
        to_volunteer = group.telegram.last_to(301)
        assert "let the coordinators know" in to_volunteer.text
        assert to_volunteer.buttons == [f"v1:noreceipt:{request_id}"]

        await group.app.process_update(group.people.photo(301, "RECEIPT-FILE-1", name="V301"))
        assert await _spending(group, request_id) == (4550, "RECEIPT-FILE-1")
        [photo] = group.telegram.sent_to(COORDINATOR, "sendPhoto")
        assert photo.params["photo"] == "RECEIPT-FILE-1"
        assert photo.params.get("protect_content") is True
        assert "receipt is saved" in group.telegram.last_to(301).text


async def test_spending_under_the_cap_is_recorded_quietly_and_the_receipt_can_be_skipped(
    group: Group,
) -> None:
    await group.ready((301, NEAR))
    request_id = await _done_shopping(group)
    await group.press(301, f"v1:spend:{request_id}", name="V301")
    group.telegram.clear()
    await group.say(301, "12,5", name="V301")
    assert "£12.50" in group.telegram.last_to(301).text
    await group.press(301, f"v1:noreceipt:{request_id}", name="V301")
    # No over-the-cap flag: only the reimbursement claim goes to the coordinators.
    [claim] = group.telegram.sent_to(COORDINATOR)
    assert "claim #" in claim.text
    assert await _spending(group, request_id) == (1250, None)
    await group.say(301, "hello", name="V301")  # the conversation is over
    assert "not sure what you mean" in group.telegram.last_to(301).text


async def test_no_spending_is_asked_for_a_dog_walk(group: Group) -> None:
    await group.ready()
    await group.volunteer(301, NEAR, categories=("dog_walking",), name="V301")
    request_id = await group.ask(category="dog_walking", description="Walk Rex please")
    await group.press(301, f"v1:accept:{request_id}", name="V301")
    await group.press(301, f"v1:done:{request_id}", name="V301")
    assert group.telegram.sent_to(301, "editMessageText")[-1].buttons == []
    await group.press(301, f"v1:spend:{request_id}", name="V301")  # forged
    assert "doesn't work" in str(group.telegram.answers()[-1].params.get("text"))


# --- checked volunteers ------------------------------------------------------------------


async def test_checked_categories_follow_the_setting_and_the_coordinators_mark(
    open_group: OpenGroup,
) -> None:
    async with open_group(CHECKED_CATEGORIES="dog_walking") as group:
        await group.ready()
        await group.volunteer(301, NEAR, categories=("dog_walking", "prescription"), name="V301")
        walk = await group.ask(category="dog_walking", description="Walk Rex please")
        assert group.pinged(walk) == []
        prescription = await group.ask(category="prescription", description="Collect it")
        assert group.pinged(prescription) == [301]  # not gated in this group

        # A coordinator marks them checked (the roster's button).
        await group.press(COORDINATOR, "v1:vcheck:301:1", name="Cora")
        again = await group.ask(category="dog_walking", description="Walk Rex again")
        assert group.pinged(again) == [301]
        await group.press(COORDINATOR, "v1:vcheck:301:0", name="Cora")
        third = await group.ask(category="dog_walking", description="Walk Rex once more")
        assert group.pinged(third) == []
        audit = await group.app.storage.db.fetchall(
            "SELECT actor_id, action FROM audit WHERE subject_id = 301 ORDER BY id"
        )
        assert [tuple(row) for row in audit][-2:] == [
            (COORDINATOR, "volunteer:checked"),
            (COORDINATOR, "volunteer:unchecked"),
        ]


def test_checked_categories_are_validated_against_the_category_codes() -> None:
    token = {"BOT_TOKEN": "123456:TEST-token"}
    assert parse_settings(token).checked_categories == {Category.PRESCRIPTION}
    assert parse_settings({**token, "CHECKED_CATEGORIES": "none"}).checked_categories == set()
    both = parse_settings({**token, "CHECKED_CATEGORIES": "prescription, errand"})
    assert both.checked_categories == {Category.PRESCRIPTION, Category.ERRAND}
    with pytest.raises(SettingsError, match="CHECKED_CATEGORIES"):
        parse_settings({**token, "CHECKED_CATEGORIES": "medicines"})
    with pytest.raises(SettingsError, match="SPEND_CAP"):
        parse_settings({**token, "SPEND_CAP": "lots"})
    with pytest.raises(SettingsError, match="RETENTION_DAYS"):
        parse_settings({**token, "RETENTION_DAYS": "0"})


# --- concerns ----------------------------------------------------------------------------


async def test_a_requester_raises_a_concern_and_the_coordinators_hear_at_once(
    group: Group,
) -> None:
    await group.ready((301, NEAR))
    request_id = await group.ask()
    await group.press(301, f"v1:accept:{request_id}", name="V301")
    await group.say(REQUESTER, "/myrequests", name="Rita")
    entry = group.telegram.last_to(REQUESTER)
    assert f"v1:concern:{request_id}" in entry.buttons
    group.telegram.clear()

    await group.press(REQUESTER, f"v1:concern:{request_id}", name="Rita")
    assert "What's worrying you" in group.telegram.last_to(REQUESTER).text
    await group.say(REQUESTER, "They asked for my <b>bank card</b>", name="Rita")

    [alert] = group.telegram.sent_to(COORDINATOR)
    assert f"#{request_id}" in alert.text
    assert "Shopping" in alert.text
    assert "They asked for my &lt;b&gt;bank card&lt;/b&gt;" in alert.text
    assert "Acacia" not in alert.text
    thanks = group.telegram.last_to(REQUESTER).text
    assert "coordinators have been told and one of them will get back to you" in thanks
    rows = await group.app.storage.db.fetchall("SELECT * FROM concerns")
    assert [(r["request_id"], r["reporter_id"], r["role"]) for r in rows] == [
        (request_id, REQUESTER, "requester")
    ]


async def test_a_volunteer_raises_a_concern_from_the_task_or_with_the_command(
    group: Group,
) -> None:
    await group.ready((301, NEAR), (302, MIDDLE))
    request_id = await group.ask()
    await group.press(301, f"v1:accept:{request_id}", name="V301")
    await group.say(301, "/mytasks", name="V301")
    assert f"v1:concern:{request_id}" in group.telegram.last_to(301).buttons

    await group.say(301, "/concern", name="V301")
    picker = group.telegram.last_to(301)
    assert picker.buttons == [f"v1:concern:{request_id}", "v1:concern"]
    await group.press(301, f"v1:concern:{request_id}", name="V301")
    await group.say(301, "Nobody answered the door", name="V301")
    assert any("Nobody answered the door" in t for t in group.telegram.texts_to(COORDINATOR))

    await group.press(302, f"v1:concern:{request_id}", name="V302")  # was pinged: may
    await group.say(302, "The description looked odd", name="V302")
    await group.say(303, "/start", name="Stranger")
    await group.press(303, "v1:consent:yes", name="Stranger")
    await group.press(303, f"v1:concern:{request_id}", name="Stranger")  # forwarded button
    assert "isn't for you" in str(group.telegram.answers()[-1].params.get("text"))
    await group.say(303, "/concern", name="Stranger")  # nothing of theirs: their own words
    await group.say(303, "hm")  # too little to go on: asked again, nothing stored
    assert "tell me a little more" in group.telegram.last_to(303).text
    await group.say(303, "Someone is knocking on doors saying they're from the group")
    rows = await group.app.storage.db.fetchall(
        "SELECT request_id, reporter_id, role FROM concerns ORDER BY id"
    )
    assert [tuple(r) for r in rows] == [
        (request_id, 301, "volunteer"),
        (request_id, 302, "volunteer"),
        (None, 303, "other"),
    ]


async def test_a_concern_raised_halfway_through_a_request_is_not_taken_as_the_request(
    group: Group,
) -> None:
    await group.ready()
    first = await group.ask()
    await group.say(REQUESTER, "/request", name="Rita")
    # Another kind than the first: the same kind would ask first if it is the same need.
    await group.press(REQUESTER, "v1:cat:errand", name="Rita")
    await group.press(REQUESTER, f"v1:concern:{first}", name="Rita")
    await group.say(REQUESTER, "A man said he was from the group", name="Rita")
    assert any("A man said" in t for t in group.telegram.texts_to(COORDINATOR))
    await group.say(REQUESTER, "Bread and milk", name="Rita")
    assert "When do you need it" in group.telegram.last_to(REQUESTER).text


# --- consent -----------------------------------------------------------------------------


async def test_a_new_notice_version_asks_for_consent_again_before_anything_else(
    group: Group,
) -> None:
    await group.consent(REQUESTER, name="Rita")
    user = await group.app.storage.users.get(REQUESTER)
    assert user is not None
    assert (user.notice_version, user.consented_at is not None) == (NOTICE_VERSION, True)
    first_consent = user.consented_at
    await group.app.storage.db.execute(
        "UPDATE users SET notice_version = ?, consented_at = consented_at - 100 WHERE id = ?",
        (NOTICE_VERSION - 1, REQUESTER),
    )

    for command in ("/request", "/start", "/myrequests", "/concern"):
        await group.say(REQUESTER, command, name="Rita")
        notice = group.telegram.last_to(REQUESTER)
        # /request's notice leads straight into the request once agreed.
        assert notice.buttons[0].startswith("v1:consent:yes"), command
        assert "/forgetme" in notice.text
    await group.press(REQUESTER, "v1:consent:yes", name="Rita")
    user = await group.app.storage.users.get(REQUESTER)
    assert user is not None
    assert user.notice_version == NOTICE_VERSION
    assert user.consented_at is not None
    assert first_consent is not None
    assert user.consented_at >= first_consent
    await group.say(REQUESTER, "/request", name="Rita")
    assert "v1:cat:groceries" in group.telegram.last_to(REQUESTER).buttons


async def test_privacy_says_how_long_and_how_to_erase(open_group: OpenGroup) -> None:
    async with open_group(RETENTION_DAYS="45") as group:
        await group.say(REQUESTER, "/privacy")
        text = group.telegram.last_to(REQUESTER).text
        for words in ("What we keep", "Who sees it", "How long", "45 days", "/forgetme"):
            assert words in text
        await group.say(REQUESTER, "/start")
        assert "/forgetme" in group.telegram.last_to(REQUESTER).text


# --- erasure -----------------------------------------------------------------------------

NAME = "Zebedee Quibble"
ADDRESS = "77 Xylophone Row"
DESCRIPTION = "Quince jam and kumquats"
SECRETS = (b"Zebedee", b"Quibble", b"Xylophone", b"kumquats")


@sqlite_only
async def test_forgetme_leaves_nothing_readable_in_the_database_files(group: Group) -> None:
    await group.ready((301, NEAR), (302, MIDDLE), requester=NAME)
    kw = {"name": NAME}
    done = await group.ask(description=DESCRIPTION, address=ADDRESS, **kw)
    await group.press(301, f"v1:accept:{done}", name="V301")
    await group.press(301, f"v1:done:{done}", name="V301")
    taken = await group.ask(description=f"{DESCRIPTION} again", address=f"{ADDRESS}, flat 2", **kw)
    await group.press(302, f"v1:accept:{taken}", name="V302")
    # A weekly request: its series keeps the description and address too.
    await group.say(REQUESTER, "/request", **kw)
    await group.press(REQUESTER, "v1:cat:groceries", **kw)
    await group.say(REQUESTER, f"Weekly {DESCRIPTION}", **kw)
    await group.press(REQUESTER, "v1:when:weekly", **kw)
    await group.say(REQUESTER, "saturday 10:00", **kw)
    await group.share(REQUESTER, *NEAR, **kw)
    await group.say(REQUESTER, f"{ADDRESS}, back door", **kw)
    await group.press(REQUESTER, "v1:confirm:yes", **kw)
    await group.say(REQUESTER, "/concern", **kw)
    await group.press(REQUESTER, f"v1:concern:{taken}", **kw)
    await group.say(REQUESTER, f"Worried about my {DESCRIPTION}", **kw)

    await group.say(REQUESTER, "/forgetme", **kw)
    assert group.telegram.last_to(REQUESTER).buttons == ["v1:forget:yes", "v1:forget:no"]
    # Halfway through another request (a draft with the address, in PTB's memory and the
    # database) when they confirm.
    await group.say(REQUESTER, "/request", **kw)
    await group.press(REQUESTER, "v1:cat:groceries", **kw)
    await group.say(REQUESTER, f"Draft {DESCRIPTION}", **kw)
    assert b"kumquats" in _database_bytes(group)
    group.telegram.clear()
    await group.press(REQUESTER, "v1:forget:yes", **kw)

    assert "erased" in group.telegram.sent_to(REQUESTER, "editMessageText")[-1].text
    assert any("cancelled" in t for t in group.telegram.texts_to(302))
    assert await group.app.storage.users.get(REQUESTER) is None
    assert (await group.stored(done)).status == "done"
    assert (await group.stored(taken)).status == "cancelled"
    assert (await group.stored(taken)).requester_id is None
    await group.say(302, "/mytasks", name="V302")
    assert "no tasks" in group.telegram.last_to(302).text
    assert REQUESTER not in group.app.user_data
    found = _database_bytes(group)
    for secret in SECRETS:
        assert secret not in found, secret
    # They are a stranger now: the notice first.
    await group.say(REQUESTER, "/myrequests", **kw)
    assert "v1:consent:yes" in group.telegram.last_to(REQUESTER).buttons
    for secret in SECRETS:
        assert secret not in _database_bytes(group), secret


async def test_a_volunteer_who_is_forgotten_hands_back_their_tasks(group: Group) -> None:
    await group.ready((302, MIDDLE))
    await group.volunteer(301, NEAR, name=NAME)
    request_id = await group.ask()
    await group.press(301, f"v1:accept:{request_id}", name=NAME)
    await group.say(301, "/forgetme", name=NAME)
    await group.press(301, "v1:forget:no", name=NAME)
    assert (await group.stored(request_id)).volunteer_id == 301
    group.telegram.clear()

    await group.say(301, "/forgetme", name=NAME)
    await group.press(301, "v1:forget:yes", name=NAME)
    stored = await group.stored(request_id)
    assert (stored.status, stored.volunteer_id) == ("open", None)
    assert any("can't any more" in t for t in group.telegram.texts_to(REQUESTER))
    assert group.pinged(request_id) == [302]
    assert await group.app.storage.volunteers.get(301) is None
    assert b"Zebedee" not in _database_bytes(group)


# --- retention ---------------------------------------------------------------------------


async def test_closed_requests_lose_their_personal_details_after_the_retention_period(
    tmp_path: Path,
) -> None:
    clock = [1_700_000_000.0]
    async with group_with_clock(tmp_path, clock, RETENTION_DAYS="30") as group:
        await group.ready((301, NEAR))
        done = await group.ask(description="Kumquats to purge", address="1 Old Lane")
        await group.press(301, f"v1:accept:{done}", name="V301")
        await group.press(301, f"v1:done:{done}", name="V301")
        cancelled = await group.ask(description="Cancelled kumquats", address="2 Old Lane")
        # As if taken over the phone for someone without Telegram (/onbehalf).
        await group.app.storage.db.execute(
            "UPDATE requests SET contact_name = 'Mavis Pennywhistle', "
            "contact_phone = '07700 900456' WHERE id = ?",
            (cancelled,),
        )
        await group.press(REQUESTER, f"v1:cancelreq:{cancelled}", name="Rita")
        clock[0] += 20 * DAY
        still_open = await group.ask(description="Fresh bread", address="3 New Lane")

        await group.app.services.privacy.start_daily_purge()
        await group.app.services.privacy.start_daily_purge()  # at every start-up: once
        assert len(await group.reminders("purge")) == 1
        await group.fire("purge")  # day 20: nothing is old enough yet
        assert (await group.stored(done)).address == "1 Old Lane"

        clock[0] += 11 * DAY
        await group.fire("purge")
        for request_id in (done, cancelled):
            purged = await group.stored(request_id)
            assert (purged.description, purged.address, purged.lat) == ("", "", 0.0)
            assert purged.requester_id == REQUESTER  # the counts stay
        kept = await group.stored(still_open)
        assert (kept.description, kept.address) == ("Fresh bread", "3 New Lane")
        contact = await group.app.storage.db.fetchone(
            "SELECT contact_name, contact_phone FROM requests WHERE id = ?", (cancelled,)
        )
        assert contact is not None
        assert tuple(contact) == (None, None)
        for secret in (b"kumquats", b"Old Lane", b"Pennywhistle", b"900456"):
            assert secret not in _database_bytes(group), secret
        assert len(await group.reminders("purge")) == 1  # tomorrow's

        group.telegram.clear()
        await group.say(REQUESTER, "/myrequests", name="Rita")
        shown = " ".join(group.telegram.texts_to(REQUESTER))
        assert f"#{done}" in shown
        assert "Fresh bread" in shown
        assert "Kumquats" not in shown


async def test_the_purge_is_scheduled_at_start_up(group: Group) -> None:
    assert group.app.post_init is not None
    await group.app.post_init(group.app)
    assert len(await group.reminders("purge")) == 1


# --- coordinators' view ------------------------------------------------------------------


async def test_coordinators_see_details_only_with_a_logged_look(group: Group) -> None:
    await group.ready((301, NEAR))
    request_id = await group.ask()
    await group.say(REQUESTER, f"/details {request_id}", name="Rita")
    assert "Only coordinators" in group.telegram.last_to(REQUESTER).text
    await group.say(301, f"/details {request_id}", name="V301")
    assert not [c for c in group.telegram.sent_to(301) if "Acacia" in c.text]

    await group.say(COORDINATOR, f"/details {request_id}", name="Cora")
    shown = group.telegram.last_to(COORDINATOR)
    assert "12 Acacia Avenue" in shown.text
    assert "Rita" in shown.text
    assert shown.params.get("protect_content") is True
    rows = await group.app.storage.db.fetchall(
        "SELECT at, actor_id, request_id, subject_id FROM audit WHERE action = 'details:viewed'"
    )
    assert [(r["actor_id"], r["request_id"], r["subject_id"]) for r in rows] == [
        (COORDINATOR, request_id, REQUESTER)
    ]
    assert rows[0]["at"] > 0
    await group.say(COORDINATOR, "/details", name="Cora")
    assert "/details 12" in group.telegram.last_to(COORDINATOR).text
    await group.say(COORDINATOR, "/details 9999", name="Cora")
    assert "no request #9999" in group.telegram.last_to(COORDINATOR).text


async def test_command_menus_offer_concern_and_forgetme_to_all_and_details_to_coordinators(
    group: Group,
) -> None:
    assert group.app.post_init is not None
    await group.app.post_init(group.app)
    menus = group.telegram.calls_of("setMyCommands")
    default = next(m for m in menus if m.params["scope"]["type"] == "default")
    mine = next(m for m in menus if m.params["scope"].get("chat_id") == COORDINATOR)
    everyone = {c["command"] for c in default.params["commands"]}
    assert {"concern", "forgetme"} <= everyone
    assert "details" not in everyone
    assert "details" in {c["command"] for c in mine.params["commands"]}


# --- blocked -----------------------------------------------------------------------------


async def test_someone_who_blocks_the_bot_gets_no_pings_until_they_come_back(
    group: Group,
) -> None:
    await group.ready((301, NEAR), (302, MIDDLE))
    await group.app.process_update(group.people.membership(301, "member", "kicked"))
    first = await group.ask()
    assert group.pinged(first) == [302]
    await group.app.process_update(group.people.membership(301, "kicked", "member"))
    second = await group.ask(description="Eggs please")
    assert 301 in group.pinged(second)
