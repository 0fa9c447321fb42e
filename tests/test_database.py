"""Database's own small readers and a reminder put back, on whichever backend the run
uses."""

from __future__ import annotations

from pathlib import Path

from bot.db.reminders import ReminderRepository
from bot.domain.models import NewReminder
from tests.support.storage import database_for


async def test_exists_and_number_read_a_yes_and_a_count(tmp_path: Path) -> None:
    db = database_for(tmp_path)
    await db.open()
    try:
        await db.execute("INSERT INTO handled_updates (update_id, handled_at) VALUES (7, 1)")
        found = "SELECT 1 FROM handled_updates WHERE update_id = ?"
        assert await db.exists(found, (7,)) is True
        assert await db.exists(found, (8,)) is False

        assert await db.number("SELECT count(*) FROM handled_updates") == 1
        # A max over no rows is NULL, and a query may find no row at all: both are 0.
        assert (
            await db.number("SELECT max(update_id) FROM handled_updates WHERE update_id > 7") == 0
        )
        assert await db.number("SELECT update_id FROM handled_updates WHERE update_id = 8") == 0
    finally:
        await db.close()


async def test_a_reminder_put_back_is_pending_again_and_claimed_once_more(tmp_path: Path) -> None:
    db = database_for(tmp_path)
    await db.open()
    try:
        book = ReminderRepository(db)
        added = await book.add(NewReminder("digest:today", "digest", 10.0), now=1)
        assert added is not None
        assert await book.claim(added.id, now=10) is not None
        assert await book.claim(added.id, now=11) is None  # fired: not twice

        await book.release(added.id)
        assert await book.pending_summary() == (1, 10.0)
        again = await book.claim_next(now=12)
        assert again is not None
        assert again.key == "digest:today"
    finally:
        await db.close()
