"""Local services for /info: entries by topic, a title and text per language."""

from __future__ import annotations

from bot.db.connection import Database
from bot.db.rows import record
from bot.domain.info import InfoEntry, InfoText, NewEntry, Topic


class InfoRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, entry: NewEntry, coordinator_id: int, now: float) -> int:
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "INSERT INTO info_entries (topic, phone, link, hours, checked_at, created_by, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    entry.topic.value,
                    entry.phone,
                    entry.link,
                    entry.hours,
                    now,
                    coordinator_id,
                    now,
                ),
            )
            entry_id = int(cursor.lastrowid or 0)
            text = entry.text
            await tx.execute(
                "INSERT INTO info_texts (entry_id, language, title, body) VALUES (?, ?, ?, ?)",
                (entry_id, text.language, text.title, text.body),
            )
            return entry_id

    async def set_text(
        self, entry_id: int, language: str, title: str, body: str, now: float
    ) -> bool:
        """Add or replace the entry's text in one language (an edit is a check too)."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE info_entries SET checked_at = ? WHERE id = ? AND retired_at IS NULL",
                (now, entry_id),
            )
            if cursor.rowcount != 1:
                return False
            await tx.execute(
                "INSERT INTO info_texts (entry_id, language, title, body) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (entry_id, language) DO UPDATE SET title = excluded.title, "
                "body = excluded.body",
                (entry_id, language, title, body),
            )
            return True

    async def set_detail(self, entry_id: int, field: str, value: str, now: float) -> bool:
        """Change the phone, link or opening hours."""
        if field not in ("phone", "link", "hours"):
            raise ValueError(field)
        changed = await self._db.execute(
            f"UPDATE info_entries SET {field} = ?, checked_at = ? "
            "WHERE id = ? AND retired_at IS NULL",
            (value, now, entry_id),
        )
        return changed == 1

    async def checked(self, entry_id: int, now: float) -> bool:
        changed = await self._db.execute(
            "UPDATE info_entries SET checked_at = ? WHERE id = ? AND retired_at IS NULL",
            (now, entry_id),
        )
        return changed == 1

    async def retire(self, entry_id: int, now: float) -> bool:
        changed = await self._db.execute(
            "UPDATE info_entries SET retired_at = ? WHERE id = ? AND retired_at IS NULL",
            (now, entry_id),
        )
        return changed == 1

    async def get(self, entry_id: int) -> InfoEntry | None:
        found = await self._entries("WHERE e.id = ?", (entry_id,))
        return found[0] if found else None

    async def shown(self, topic: Topic | None = None) -> list[InfoEntry]:
        """Entries not retired (of one topic), in the order they were added."""
        if topic is None:
            return await self._entries("WHERE e.retired_at IS NULL", ())
        return await self._entries("WHERE e.retired_at IS NULL AND e.topic = ?", (topic.value,))

    async def unchecked_since(self, before: float) -> list[InfoEntry]:
        return await self._entries("WHERE e.retired_at IS NULL AND e.checked_at < ?", (before,))

    async def _entries(self, where: str, params: tuple[object, ...]) -> list[InfoEntry]:
        rows = await self._db.fetchall(
            "SELECT e.*, t.language, t.title, t.body FROM info_entries e "
            f"JOIN info_texts t ON t.entry_id = e.id {where} ORDER BY e.id, t.rowid",
            params,
        )
        entries: dict[int, InfoEntry] = {}
        for row in rows:
            entry = entries.get(row["id"])
            if entry is None:
                topic = Topic.parse(row["topic"])
                if topic is None:
                    continue
                entry = record(
                    InfoEntry, row, topic=topic, retired=row["retired_at"] is not None, texts={}
                )
                entries[entry.id] = entry
            entry.texts[row["language"]] = record(InfoText, row)
        return list(entries.values())
