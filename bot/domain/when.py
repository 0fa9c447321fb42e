"""Reading a typed day and time ("tomorrow at 10", "jutro o 10:00", "کل 10 بجے").

The `dateparser` library reads the words of each language (days, "tomorrow", months,
am/pm). Before it, a small normalisation handles what it does not read in our languages
(each rule below names the phrase it is for); after it, the bot's own rules: a time must
be given, a time alone means its next occurrence, and at most MAX_DAYS_AHEAD ahead.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n import current_language

# How far ahead a request may be booked.
MAX_DAYS_AHEAD = 60

# Words that only link a day to its time ("at 10", "o 10:00", "о 10", "am 10:00",
# "الساعة 10"): dateparser reads "tomorrow at 10" as tomorrow at the current time, or not
# at all, so they go, and the bare hour after them becomes "10:00".
_CONNECTIVES = r"at|o|godz\.?|godzinie|о|об|am|الساعة|ساعة|في|بوقت|کو|সময়|বেলা"
_HOUR_AFTER_CONNECTIVE = re.compile(
    rf"(?<!\w)(?:{_CONNECTIVES})\s+(\d{{1,2}})(?![\d:./]|\s*(?:am|pm|yb|yp|yh))"
)
_CONNECTIVE_BEFORE_TIME = re.compile(rf"(?<!\w)(?:{_CONNECTIVES})\s+(?=\d)")
# The words that follow an hour: Urdu "10 بجے" (o'clock), Bengali "১০টায়"/"১০টা",
# Ukrainian "10 годині"; the hour before them is a whole hour.
_HOUR_BEFORE_WORD = re.compile(r"(\d{1,2})\s*(?:بجے|بجی|টায়|টা|годині|години)(?!\w)")
# A bare hour at the very end ("tomorrow 10", "w sobotę 14").
_TRAILING_HOUR = re.compile(r"(?<![\d:./])(\d{1,2})$")
# "17.30" at the end is a time (a date would be "28.11" with a day over 23).
_DOTTED_TIME = re.compile(r"(?<![\d:./])([01]?\d|2[0-3])\.([0-5]\d)$")
# Welsh: "2yp" (y prynhawn) and "8yh" (yr hwyr) are pm, "10yb" (y bore) am.
_WELSH_CLOCK = re.compile(r"(\d)\s*(yp|yh|yb)(?!\w)")
# Words dateparser does not know in the form people type them, per language: the Urdu
# and Bengali word for tomorrow is also the one for yesterday (کل, কাল), and a time being
# booked is always ahead, so it is "the coming" one; Welsh mutates "dydd" after "ar"
# ("ar ddydd Sadwrn"); Ukrainian puts "у"/"в" before a weekday ("у суботу"); Urdu says
# "ہفتے کو" (on Saturday) with the oblique form.
_WORDS: dict[str, dict[str, str]] = {
    "ur": {"کل": "آئندہ کل", "ہفتے": "ہفتہ"},
    "bn": {"কাল": "আগামীকাল"},
    "cy": {"ddydd": "dydd", "ar": ""},
    "uk": {"у": "", "в": ""},
}
# ...but not when they already say which one ("آئندہ کل", "গতকাল" is one word).
_KEEP_AFTER = frozenset({"آئندہ", "گزشتہ"})
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'"})
# After normalisation, a time must be there: "tomorrow" alone is not a time.
_HAS_TIME = re.compile(r"\d{1,2}:\d{2}|\d\s*(?:am|pm)\b")
_ONLY_TIME = re.compile(r"\d{1,2}:\d{2}|\d{1,2}\s*(?:am|pm)")
# The group's dates are day first (28/11), as in the UK and every catalogue's language.
_SETTINGS: dict[str, Any] = {
    "DATE_ORDER": "DMY",
    "PREFER_DATES_FROM": "future",
    "RETURN_AS_TIMEZONE_AWARE": False,
    # Not "timestamp" (a typed "1700000000") nor "no-spaces-time" (which reads "1 2 3 4").
    "PARSERS": ["relative-time", "absolute-time"],
}


def ascii_digits(text: str) -> str:
    """ "۱۰:۳۰" and "১০:৩০" as "10:30": every decimal digit as its ASCII one."""
    return "".join(str(unicodedata.digit(c)) if c.isdecimal() else c for c in text)


def normalise(text: str, language: str) -> str:
    """The typed text in a form dateparser reads (see the rules above)."""
    text = ascii_digits(text.strip().lower().translate(_APOSTROPHES)).replace(",", " ")
    text = " ".join(text.split())
    text = _WELSH_CLOCK.sub(lambda m: m[1] + ("am" if m[2] == "yb" else "pm"), text)
    text = _HOUR_BEFORE_WORD.sub(r"\1:00", text)
    text = _HOUR_AFTER_CONNECTIVE.sub(r"\1:00", text)
    text = _CONNECTIVE_BEFORE_TIME.sub("", text)
    text = _DOTTED_TIME.sub(r"\1:\2", text)
    words, table = text.split(), _WORDS.get(language, {})
    text = " ".join(
        table.get(word, word) if i == 0 or words[i - 1] not in _KEEP_AFTER else word
        for i, word in enumerate(words)
    )
    if not _HAS_TIME.search(text):
        text = _TRAILING_HOUR.sub(r"\1:00", text)
    return " ".join(text.split())


@cache
def _languages(language: str) -> tuple[str, ...]:
    """The reader's language, then English (for "28/11 14:30" or "2pm" typed in any)."""
    return (language,) if language == "en" else (language, "en")


def _parser(language: str, now: datetime) -> Any:
    """A parser for one reading. Cheap to make: dateparser loads each language's data
    once, the first time a parser asks for it, and keeps it; only the languages people
    write in are ever loaded (the first reading in a language takes about 0.2 s)."""
    from dateparser.date import DateDataParser  # its import is slow: only when needed

    settings = {**_SETTINGS, "RELATIVE_BASE": now}
    return DateDataParser(languages=list(_languages(language)), settings=settings)


def parse_due(
    text: str, now: datetime, tz: ZoneInfo, language: str | None = None
) -> datetime | None:
    """The moment a typed day and time means, in `tz`, or None if it can't be read.

    Read in `language` (by default the reader's). A time alone means its next occurrence.
    The result may be in the past ("today 08:00" typed at noon): the caller says so
    kindly rather than guessing.
    """
    code = language or current_language()
    typed = normalise(text, code)
    if not typed or len(typed) > 40 or not _HAS_TIME.search(typed):
        return None
    local_now = now.astimezone(tz)
    try:
        found = _parser(code, local_now.replace(tzinfo=None)).get_date_data(typed)
    except _ParserError:
        return None
    parsed: datetime | None = found.date_obj if found is not None else None
    if parsed is None:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.replace(tzinfo=None)
    moment = datetime.combine(parsed.date(), parsed.time(), tzinfo=tz)
    if _ONLY_TIME.fullmatch(typed) and moment <= local_now:
        moment = datetime.combine(parsed.date() + timedelta(days=1), parsed.time(), tzinfo=tz)
    if (moment.date() - local_now.date()).days > MAX_DAYS_AHEAD:
        return None
    return moment


# dateparser raises these on some odd input (a huge number, a broken date).
_ParserError = (ValueError, OverflowError, TypeError)
