"""Database's own small readers, on whichever backend the run uses: what a repository
asks when it wants a yes or a number rather than rows."""

from __future__ import annotations

from pathlib import Path

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
