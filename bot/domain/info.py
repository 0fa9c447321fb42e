"""What else is available locally: entries by topic, each with a text per language."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.models import Category


class Topic(StrEnum):
    FOOD = "food"
    MEDICINES = "medicines"
    MONEY = "money"  # money and benefits
    HEALTH = "health"
    TALKING = "talking"  # loneliness and talking
    HOUSING = "housing"
    EMERGENCIES = "emergencies"

    @classmethod
    def parse(cls, code: str) -> Topic | None:
        try:
            return cls(code)
        except ValueError:
            return None


# The topic that helps meanwhile when a request of this kind finds nobody.
TOPIC_OF_CATEGORY: dict[Category, Topic] = {
    Category.GROCERIES: Topic.FOOD,
    Category.PRESCRIPTION: Topic.MEDICINES,
    Category.PHONE_CALL: Topic.TALKING,
}
# Not checked for this long: the coordinators' digest asks them to check it again.
STALE_AFTER_S = 90 * 24 * 3600


@dataclass(frozen=True)
class InfoText:
    language: str
    title: str
    body: str


@dataclass(frozen=True)
class NewEntry:
    """An entry as a coordinator gave it in /info add, before it is saved."""

    topic: Topic
    text: InfoText
    phone: str
    link: str
    hours: str


@dataclass(frozen=True)
class InfoEntry:
    id: int
    topic: Topic
    phone: str
    link: str
    hours: str
    checked_at: float
    retired: bool
    texts: dict[str, InfoText]  # by language code

    def text_for(self, language: str | None, default: str) -> InfoText:
        """The reader's text, else the group's language's, else any."""
        for code in (language, default):
            if code and code in self.texts:
                return self.texts[code]
        return next(iter(self.texts.values()), InfoText(default, "", ""))

    def mentions(self, words: list[str]) -> bool:
        """Every typed word appears in the entry's title or text in some language."""
        haystack = " ".join(f"{text.title} {text.body}" for text in self.texts.values()).casefold()
        return all(word in haystack for word in words)
