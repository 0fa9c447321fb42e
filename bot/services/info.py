"""What else is available locally (/info): coordinators keep the entries, everyone reads
them by topic or by a typed word, in their own language or the group's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.db.info import InfoRepository
from bot.domain.info import STALE_AFTER_S, TOPIC_OF_CATEGORY, InfoEntry, NewEntry, Topic
from bot.domain.models import Category

MAX_TITLE = 100
MAX_BODY = 600
MAX_DETAIL = 200
MAX_SEARCH_WORDS = 6
# At most this many entries are offered under another message ("meanwhile, these can help").
MEANWHILE = 3


def split_title(text: str) -> tuple[str, str] | None:
    """ "Title\\nshort text" typed in one message: (title, text), or None if no title."""
    first, _, rest = text.strip().partition("\n")
    title = first.strip()
    if not title or len(title) > MAX_TITLE or len(rest.strip()) > MAX_BODY:
        return None
    return title, rest.strip()


@dataclass(eq=False, repr=False)
class LocalInfo:
    repository: InfoRepository
    clock: Callable[[], float]

    async def add(self, entry: NewEntry, coordinator_id: int) -> int:
        return await self.repository.add(entry, coordinator_id, self.clock())

    async def set_text(self, entry_id: int, language: str, title: str, body: str) -> bool:
        return await self.repository.set_text(entry_id, language, title, body, self.clock())

    async def set_detail(self, entry_id: int, field: str, value: str) -> bool:
        return await self.repository.set_detail(
            entry_id, field, value.strip()[:MAX_DETAIL], self.clock()
        )

    async def checked(self, entry_id: int) -> bool:
        return await self.repository.checked(entry_id, self.clock())

    async def retire(self, entry_id: int) -> bool:
        return await self.repository.retire(entry_id, self.clock())

    async def get(self, entry_id: int) -> InfoEntry | None:
        return await self.repository.get(entry_id)

    async def topic(self, topic: Topic) -> list[InfoEntry]:
        return await self.repository.shown(topic)

    async def topics_in_use(self) -> list[Topic]:
        used = {entry.topic for entry in await self.repository.shown()}
        return [topic for topic in Topic if topic in used]

    async def search(self, text: str) -> list[InfoEntry]:
        """Entries whose title or text (in any language) has every typed word."""
        words = [w for w in text.casefold().split() if len(w) > 1][:MAX_SEARCH_WORDS]
        if not words:
            return []
        return [entry for entry in await self.repository.shown() if entry.mentions(words)]

    async def meanwhile(self, category: Category | None) -> tuple[Topic | None, list[InfoEntry]]:
        """The topic that may help while a request of this kind finds nobody, and its first
        entries; (None, []) when there is none."""
        topic = TOPIC_OF_CATEGORY.get(category) if category is not None else None
        if topic is None:
            return None, []
        return topic, (await self.repository.shown(topic))[:MEANWHILE]

    async def to_check(self) -> list[InfoEntry]:
        """Entries nobody has checked for 90 days (the coordinators' digest lists them)."""
        return await self.repository.unchecked_since(self.clock() - STALE_AFTER_S)
