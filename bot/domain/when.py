"""Reading a typed day and time ("tomorrow 10:00", "28/11 14:30", "sat 2pm")."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# The words for a day, in every catalogue's language, lowercase, with the forms people
# type ("w sobotę", "у суботу", "ddydd Sadwrn"). Days ahead of today:
_RELATIVE_DAYS = {
    # English
    "today": 0,
    "tomorrow": 1,
    # Welsh
    "heddiw": 0,
    "yfory": 1,
    # Polish
    "dziś": 0,
    "dzis": 0,
    "dzisiaj": 0,
    "jutro": 1,
    # Ukrainian
    "сьогодні": 0,
    "завтра": 1,
    # Urdu: کل means both yesterday and tomorrow; a time being booked is ahead, so tomorrow.
    "آج": 0,
    "کل": 1,
}
# Monday is 0, as in date.weekday().
_WEEKDAYS = {
    # English
    "mon": 0,
    "monday": 0,
    "tue": 1,
    "tues": 1,
    "tuesday": 1,
    "wed": 2,
    "wednesday": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "thursday": 3,
    "fri": 4,
    "friday": 4,
    "sat": 5,
    "saturday": 5,
    "sun": 6,
    "sunday": 6,
    # Welsh ("dydd Llun", or just "Llun")
    "llun": 0,
    "mawrth": 1,
    "mercher": 2,
    "iau": 3,
    "gwener": 4,
    "sadwrn": 5,
    "sul": 6,
    # Polish: nominative, the accusative after "w", abbreviations, and without diacritics
    "poniedziałek": 0,
    "poniedzialek": 0,
    "pon": 0,
    "wtorek": 1,
    "wt": 1,
    "środa": 2,
    "środę": 2,
    "sroda": 2,
    "srode": 2,
    "śr": 2,
    "czwartek": 3,
    "czw": 3,
    "piątek": 4,
    "piatek": 4,
    "pt": 4,
    "sobota": 5,
    "sobotę": 5,
    "sobote": 5,
    "sob": 5,
    "niedziela": 6,
    "niedzielę": 6,
    "niedziele": 6,
    "niedz": 6,
    # Ukrainian: nominative, the accusative after "у"/"в", and abbreviations
    "понеділок": 0,
    "пн": 0,
    "вівторок": 1,
    "вт": 1,
    "середа": 2,
    "середу": 2,
    "ср": 2,
    "четвер": 3,
    "чт": 3,
    "п'ятниця": 4,
    "п'ятницю": 4,
    "пт": 4,
    "субота": 5,
    "суботу": 5,
    "сб": 5,
    "неділя": 6,
    "неділю": 6,
    "нд": 6,
    # Urdu
    "پیر": 0,
    "سوموار": 0,
    "منگل": 1,
    "بدھ": 2,
    "جمعرات": 3,
    "جمعہ": 4,
    "ہفتہ": 5,
    "ہفتے": 5,
    "اتوار": 6,
}
# Words that may come before the day and add nothing: "on sat", "dydd Sadwrn",
# "w sobotę", "у суботу".
_LEAD_WORDS = frozenset({"on", "dydd", "ddydd", "w", "we", "у", "в"})
# Ukrainian is typed with any of these apostrophes ("п’ятниця"); the table uses '.
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'"})
_TIME = re.compile(r"(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s*(?P<ampm>am|pm)?$")
_DATE = re.compile(r"(?P<d>\d{1,2})[/.-](?P<mo>\d{1,2})(?:[/.-](?P<y>\d{2,4}))?$")
_ISO_DATE = re.compile(r"(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})$")
# How far ahead a request may be booked.
MAX_DAYS_AHEAD = 60


def parse_due(text: str, now: datetime, tz: ZoneInfo) -> datetime | None:
    """The moment a typed day and time means, in `tz`, or None if it can't be read.

    A time alone means its next occurrence. The result may be in the past ("today 08:00"
    typed at noon): the caller says so kindly rather than guessing.
    """
    words = text.strip().lower().translate(_APOSTROPHES).replace(",", " ").split()
    if len(words) > 1 and words[0] in _LEAD_WORDS:
        words = words[1:]
    if not words or len(words) > 3:
        return None
    local_now = now.astimezone(tz)
    clock = _parse_time(" ".join(words[1:]) if len(words) > 1 else words[0])
    day: date | None = None
    if len(words) == 1:
        if clock is None:
            return None
        moment = _at(local_now.date(), clock, tz)
        return (
            moment if moment > local_now else _at(local_now.date() + timedelta(days=1), clock, tz)
        )
    head = words[0]
    if head in _RELATIVE_DAYS:
        day = local_now.date() + timedelta(days=_RELATIVE_DAYS[head])
    elif head in _WEEKDAYS:
        ahead = (_WEEKDAYS[head] - local_now.weekday()) % 7 or 7
        day = local_now.date() + timedelta(days=ahead)
    else:
        day = _parse_date(head, local_now.date())
    if day is None or clock is None:
        return None
    if (day - local_now.date()).days > MAX_DAYS_AHEAD:
        return None
    return _at(day, clock, tz)


def _at(day: date, clock: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=tz)


def _parse_time(text: str) -> time | None:
    match = _TIME.match(text.replace(" ", ""))
    if not match:
        return None
    hour, minute = int(match["h"]), int(match["m"] or 0)
    if match["ampm"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["ampm"] == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _parse_date(text: str, today: date) -> date | None:
    iso = _ISO_DATE.match(text)
    match = iso or _DATE.match(text)
    if not match:
        return None
    year = int(match["y"]) if match["y"] else today.year
    if year < 100:
        year += 2000
    try:
        day = date(year, int(match["mo"]), int(match["d"]))
    except ValueError:
        return None
    if not match["y"] and day < today:
        day = day.replace(year=today.year + 1)  # "3/1" typed in December means next year
    return day
