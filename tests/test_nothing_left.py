"""Nothing personal left behind: after /forgetme, and after the retention purge, no table
of the SQLite file holds the person's words, draft, conversation state or id. Each test
scans every row of every table for unique markers."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import COORDINATOR, HOME, NEAR, Group, group_with_clock
from tests.support.storage import every_row

DAY = 86400.0
ASKER = 777_000_201  # ids no other number in the file is likely to equal
HELPER = 777_000_301
DRAFTER = 777_000_202


async def leftovers(
    group: Group, markers: tuple[str, ...], ids: tuple[int, ...] = ()
) -> list[str]:
    """Every cell of every table that holds a marker, or one of the ids (as a number, or
    as a whole number inside a text)."""
    found = []
    for table, (columns, rows) in (await every_row(group.app.storage.db)).items():
        for row in rows:
            for column, value in zip(columns, row, strict=True):
                text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
                hit = any(m in text for m in markers) or any(
                    value == i or (isinstance(value, str) and re.search(rf"\b{i}\b", text))
                    for i in ids
                )
                if hit:
                    found.append(f"{table}.{column}={text[:80]!r}")
    return found


async def _concern(group: Group, user_id: int, request_id: int | None, text: str) -> None:
    data = f"v1:concern:{request_id}" if request_id else "v1:concern"
    await group.press(user_id, data, name="Quill")
    await group.say(user_id, text, name="Quill")


async def _abandon_a_draft(group: Group, user_id: int, mark: str) -> None:
    """A request begun and left at the address step: the draft holds what they typed."""
    await group.say(user_id, "/request", name="Drafty")
    await group.press(user_id, "v1:cat:groceries", name="Drafty")
    await group.say(user_id, f"Eggs {mark}DESC", name="Drafty")
    await group.press(user_id, "v1:when:asap", name="Drafty")
    await group.share(user_id, *HOME, name="Drafty")
    await group.say(user_id, f"Flat 1 {mark}ADDR", name="Drafty")


async def test_forgetme_leaves_no_concern_about_them_and_no_id_in_the_audit(
    tmp_path: Path,
) -> None:
    clock = [1_700_000_000.0]
    async with group_with_clock(tmp_path, clock) as group:
        await group.consent(COORDINATOR, name="Cora")
        await group.volunteer(HELPER, NEAR, name="Quill")
        await group.consent(ASKER, name="Rumpelstiltskinia")
        done = await group.ask(
            ASKER, description="Eggs ASKDESC", address="Flat 9 XQZADDR", name="Rumpel"
        )
        await group.press(HELPER, f"v1:accept:{done}", name="Quill")
        await group.press(HELPER, f"v1:done:{done}", name="Quill")
        # Someone else's words about her request, with her name and address in them.
        await _concern(group, HELPER, done, "Rumpelstiltskinia at Flat 9 XQZADDR seemed unwell")
        # A coordinator hands her next request to the volunteer: audit note = his id.
        handed = await group.ask(ASKER, description="More ASKDESC", address="Flat 9 XQZADDR")
        await group.press(COORDINATOR, f"v1:assign:{handed}:{HELPER}", name="Cora")
        assert (await group.stored(handed)).volunteer_id == HELPER
        assert await leftovers(group, ("Rumpelstiltskinia", "XQZADDR"), (ASKER, HELPER))

        await group.say(ASKER, "/forgetme", name="Rumpel")
        await group.press(ASKER, "v1:forget:yes", name="Rumpel")
        assert await leftovers(group, ("Rumpelstiltskinia", "XQZADDR", "ASKDESC"), (ASKER,)) == []

        await group.say(HELPER, "/forgetme", name="Quill")
        await group.press(HELPER, "v1:forget:yes", name="Quill")
        assert await leftovers(group, ("Quill",), (HELPER,)) == []


async def test_the_purge_blanks_concerns_and_deletes_week_old_drafts(tmp_path: Path) -> None:
    clock = [1_700_000_000.0]
    async with group_with_clock(tmp_path, clock, RETENTION_DAYS="30") as group:
        await group.consent(COORDINATOR, name="Cora")
        await group.volunteer(HELPER, NEAR, name="Quill")
        await group.consent(ASKER, name="Rita")
        await group.consent(DRAFTER, name="Drafty")
        done = await group.ask(ASKER, description="Eggs ASKDESC", address="Flat 9 XQZADDR")
        await group.press(HELPER, f"v1:accept:{done}", name="Quill")
        await group.press(HELPER, f"v1:done:{done}", name="Quill")
        await _concern(group, HELPER, done, "At Flat 9 XQZADDR CONCERNTXT nobody answered")
        await _concern(group, ASKER, None, "A stranger asked about ALONETXT")
        await _abandon_a_draft(group, DRAFTER, "OLD")

        handled = await group.app.storage.db.number("SELECT count(*) FROM handled_updates")
        assert handled > 0
        clock[0] += 8 * DAY
        await _abandon_a_draft(group, ASKER, "NEW")  # a day-old one stays
        clock[0] += 1 * DAY
        await group.app.services.privacy.purge()
        # The ids of updates handled over a day ago go too; the newer draft's stay.
        left = await group.app.storage.db.number("SELECT count(*) FROM handled_updates")
        assert 0 < left < handled
        assert await leftovers(group, ("OLDDESC", "OLDADDR")) == []
        assert await leftovers(group, ("NEWDESC", "NEWADDR"))
        assert "CONCERNTXT" in " ".join(await leftovers(group, ("CONCERNTXT",)))  # not 30 days yet
        # The conversation is over in memory too: what they type now is no address.
        await group.say(DRAFTER, "Flat 1 OLDADDR again", name="Drafty")
        assert "request" not in group.app.user_data.get(DRAFTER, {})
        assert await leftovers(group, ("OLDADDR",)) == []

        clock[0] += 30 * DAY
        await group.app.services.privacy.purge()
        assert (
            await leftovers(group, ("CONCERNTXT", "ALONETXT", "XQZADDR", "NEWDESC", "NEWADDR"))
            == []
        )
        rows = await group.app.storage.db.fetchall("SELECT * FROM conversation_states")
        assert rows == []
