"""/info: coordinators add entries in several languages; readers find theirs by topic or a
typed word; an expired request offers its topic; stale entries reach the digest."""

from __future__ import annotations

from pathlib import Path

from bot.domain.info import STALE_AFTER_S
from tests.conftest import COORDINATOR, NEAR, REQUESTER, Group, group_with_clock

WELSH_READER = 250


async def _add_food_bank(group: Group) -> int:
    await group.consent(COORDINATOR, name="Cora")
    await group.say(COORDINATOR, "/info add", name="Cora")
    await group.press(COORDINATOR, "v1:infoadd:topic:food", name="Cora")
    await group.say(
        COORDINATOR, "Food bank at St Mark's\nFree food parcels, no referral needed.", name="Cora"
    )
    await group.say(COORDINATOR, "01234 567890", name="Cora")
    await group.press(COORDINATOR, "v1:infoadd:skip:link", name="Cora")
    await group.say(COORDINATOR, "Tue and Fri 10:00-12:00", name="Cora")
    saved = group.telegram.last_to(COORDINATOR)
    entry = next(b for b in saved.buttons if b.startswith("v1:infoadd:lang:"))
    entry_id = int(entry.split(":")[3])
    await group.press(COORDINATOR, f"v1:infoadd:lang:{entry_id}:cy", name="Cora")
    await group.say(
        COORDINATOR,
        "Banc bwyd Sant Marc\nParseli bwyd am ddim, dim angen atgyfeiriad.",
        name="Cora",
    )
    await group.press(COORDINATOR, f"v1:infoadd:done:{entry_id}", name="Cora")
    return entry_id


async def test_a_welsh_reader_finds_the_welsh_entry_by_a_typed_word(group: Group) -> None:
    entry_id = await _add_food_bank(group)
    entry = await group.app.services.info.get(entry_id)
    assert entry is not None
    assert set(entry.texts) == {"en", "cy"}

    await group.consent(WELSH_READER, name="Gwen", language="cy")
    await group.say(WELSH_READER, "/info", name="Gwen", language="cy")
    await group.say(WELSH_READER, "bwyd", name="Gwen", language="cy")
    shown = group.telegram.last_to(WELSH_READER).text
    assert "Banc bwyd Sant Marc" in shown
    assert "01234 567890" in shown
    assert "St Mark's" not in shown

    # An English reader gets the English text, by topic.
    await group.consent(REQUESTER, name="Rita")
    await group.press(REQUESTER, "v1:info:food", name="Rita")
    shown = group.telegram.last_to(REQUESTER).text
    assert "Food bank at St Mark's" in shown
    assert "Tue and Fri" in shown
    assert group.telegram.last_to(REQUESTER).buttons == []  # no coordinator buttons


async def test_coordinators_edit_and_retire_entries(group: Group) -> None:
    entry_id = await _add_food_bank(group)
    await group.press(COORDINATOR, f"v1:infoed:{entry_id}:phone", name="Cora")
    await group.say(COORDINATOR, "01234 000000", name="Cora")
    entry = await group.app.services.info.get(entry_id)
    assert entry is not None
    assert entry.phone == "01234 000000"
    await group.press(REQUESTER, f"v1:infoed:{entry_id}:retire", name="Rita")  # not theirs
    await group.press(COORDINATOR, f"v1:infoed:{entry_id}:retire", name="Cora")
    assert await group.app.services.info.topic(entry.topic) == []


async def test_an_expired_request_offers_its_topic(tmp_path: Path) -> None:
    clock = [1_700_000_000.0]
    async with group_with_clock(tmp_path, clock) as group:
        await _add_food_bank(group)
        await group.consent(REQUESTER, name="Rita")
        request_id = await group.ask(category="groceries")
        clock[0] += 3 * 86400
        await group.fire("expire")
        text = group.telegram.last_to(REQUESTER).text
        assert f"#{request_id}" in text
        assert "Meanwhile, these can help" in text
        assert "Food bank at St Mark's" in text
        assert "01234 567890" in text


async def test_an_unchecked_entry_goes_into_the_digest(tmp_path: Path) -> None:
    clock = [1_700_000_000.0]
    async with group_with_clock(tmp_path, clock) as group:
        await _add_food_bank(group)
        clock[0] += STALE_AFTER_S + 86400
        await group.app.services.chaser.start_daily_digest()
        await group.fire("digest")
        digest = group.telegram.last_to(COORDINATOR).text
        assert "Not checked for 90 days" in digest
        assert "Food bank at St Mark's" in digest


async def test_nobody_near_offers_the_topic_too(group: Group) -> None:
    await _add_food_bank(group)
    await group.consent(REQUESTER, name="Rita")
    await group.volunteer(301, NEAR, name="Vinnie", categories=("dog_walking",))
    await group.ask(category="groceries")
    assert any("Meanwhile, these can help" in t for t in group.telegram.texts_to(REQUESTER))


async def test_a_mangled_or_old_skip_button_keeps_the_entry_being_written(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.say(COORDINATOR, "/info add", name="Cora")
    await group.press(COORDINATOR, "v1:infoadd:topic:food", name="Cora")
    await group.say(COORDINATOR, "Food bank at St Mark's\nFree food parcels.", name="Cora")
    # At the phone number: a forged step, then the next question's Skip too early.
    for data in ("v1:infoadd:skip:fax", "v1:infoadd:skip:hours"):
        await group.press(COORDINATOR, data, name="Cora")
        answer = str(group.telegram.answers()[-1].params.get("text"))
        assert "choose one of the buttons" in answer, data
    await group.say(COORDINATOR, "01234 567890", name="Cora")  # still the phone's step
    await group.press(COORDINATOR, "v1:infoadd:skip:link", name="Cora")
    await group.say(COORDINATOR, "Tue and Fri 10:00-12:00", name="Cora")
    saved = group.telegram.last_to(COORDINATOR)
    assert any(b.startswith("v1:infoadd:lang:") for b in saved.buttons), saved.text
