"""Reading typed days and times."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.when import parse_due

LONDON = ZoneInfo("Europe/London")
# A Friday afternoon.
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("tomorrow 10:00", datetime(2026, 11, 28, 10, 0)),
        ("Tomorrow 9am", datetime(2026, 11, 28, 9, 0)),
        ("today 17.30", datetime(2026, 11, 27, 17, 30)),
        ("18:00", datetime(2026, 11, 27, 18, 0)),
        ("09:00", datetime(2026, 11, 28, 9, 0)),  # already past today: tomorrow
        ("sat 2pm", datetime(2026, 11, 28, 14, 0)),
        ("friday 10:00", datetime(2026, 12, 4, 10, 0)),  # next Friday, not today
        ("28/11 14:30", datetime(2026, 11, 28, 14, 30)),
        ("3/1 12:00", datetime(2027, 1, 3, 12, 0)),  # January: next year
        ("2026-12-01 08:15", datetime(2026, 12, 1, 8, 15)),
    ],
)
def test_typed_times_are_read_in_the_groups_zone(typed: str, expected: datetime) -> None:
    assert parse_due(typed, NOW, LONDON) == expected.replace(tzinfo=LONDON)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        # Welsh
        ("yfory 10:00", datetime(2026, 11, 28, 10, 0)),
        ("Heddiw 17:30", datetime(2026, 11, 27, 17, 30)),
        ("dydd Sadwrn 14:00", datetime(2026, 11, 28, 14, 0)),
        ("Llun 9:00", datetime(2026, 11, 30, 9, 0)),
        # Polish, with and without diacritics, after "w"
        ("jutro 10:00", datetime(2026, 11, 28, 10, 0)),
        ("dziś 18:00", datetime(2026, 11, 27, 18, 0)),
        ("w sobotę 14:00", datetime(2026, 11, 28, 14, 0)),
        ("sobote 14:00", datetime(2026, 11, 28, 14, 0)),
        ("Niedziela 11:00", datetime(2026, 11, 29, 11, 0)),
        ("piątek 10:00", datetime(2026, 12, 4, 10, 0)),  # next Friday, not today
        # Ukrainian, with either apostrophe
        ("завтра 10:00", datetime(2026, 11, 28, 10, 0)),
        ("Сьогодні 17:30", datetime(2026, 11, 27, 17, 30)),
        ("у суботу 14:00", datetime(2026, 11, 28, 14, 0)),
        ("п’ятниця 10:00", datetime(2026, 12, 4, 10, 0)),
        ("п'ятницю 10:00", datetime(2026, 12, 4, 10, 0)),
        ("вівторок 9:30", datetime(2026, 12, 1, 9, 30)),
        # Urdu: کل is tomorrow here (a time being booked is never yesterday)
        ("کل 10:00", datetime(2026, 11, 28, 10, 0)),
        ("آج 18:00", datetime(2026, 11, 27, 18, 0)),
        ("اتوار 11:00", datetime(2026, 11, 29, 11, 0)),
        ("جمعرات 10:00", datetime(2026, 12, 3, 10, 0)),
        ("کل ۱۰:۳۰", datetime(2026, 11, 28, 10, 30)),  # Urdu digits
    ],
)
def test_days_are_read_in_every_catalogues_language(typed: str, expected: datetime) -> None:
    assert parse_due(typed, NOW, LONDON) == expected.replace(tzinfo=LONDON)


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "soon",
        "tomorrow",
        "31/02 10:00",
        "25:00",
        "13pm",
        "1 2 3 4",
        "1/1/2030 10:00",
        "jutro",  # a day without a time
        "w",
        "pojutrze 10:00",  # not a word the bot knows
    ],
)
def test_unreadable_or_far_off_times_are_refused(typed: str) -> None:
    assert parse_due(typed, NOW, LONDON) is None


def test_across_the_clocks_going_forward_the_local_time_is_kept() -> None:
    before = datetime(2027, 3, 27, 12, 0, tzinfo=LONDON)
    due = parse_due("tomorrow 10:00", before, LONDON)
    assert due is not None
    assert due.utcoffset() is not None
    assert due.hour == 10
    assert due.utcoffset().total_seconds() == 3600  # type: ignore[union-attr]
