"""Reading a typed day and time ("tomorrow 10:00", "28/11 14:30", "sat 2pm")."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_WEEKDAYS = {
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
}
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
    words = text.strip().lower().replace(",", " ").split()
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
    if head == "today":
        day = local_now.date()
    elif head == "tomorrow":
        day = local_now.date() + timedelta(days=1)
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
