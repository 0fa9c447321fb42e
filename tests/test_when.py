"""Reading typed days and times."""

from __future__ import annotations

from datetime import datetime, timedelta
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
    ("language", "typed", "expected"),
    [
        # English, with the linking word people say
        ("en", "tomorrow at 10", datetime(2026, 11, 28, 10, 0)),
        ("en", "tomorrow at 10:00", datetime(2026, 11, 28, 10, 0)),
        ("en", "Friday 2pm", datetime(2026, 12, 4, 14, 0)),
        ("en", "on saturday at 2pm", datetime(2026, 11, 28, 14, 0)),
        ("en", "tomorrow 10", datetime(2026, 11, 28, 10, 0)),
        # Welsh, with "am", "ar ddydd" and yb/yp/yh
        ("cy", "yfory am 10:00", datetime(2026, 11, 28, 10, 0)),
        ("cy", "yfory 10:00", datetime(2026, 11, 28, 10, 0)),
        ("cy", "Heddiw 17:30", datetime(2026, 11, 27, 17, 30)),
        ("cy", "dydd Sadwrn 14:00", datetime(2026, 11, 28, 14, 0)),
        ("cy", "ar ddydd Sadwrn am 2yp", datetime(2026, 11, 28, 14, 0)),
        ("cy", "yfory 10yb", datetime(2026, 11, 28, 10, 0)),
        ("cy", "Llun 9:00", datetime(2026, 11, 30, 9, 0)),
        # Polish, with and without diacritics, after "w", with "o"
        ("pl", "jutro o 10:00", datetime(2026, 11, 28, 10, 0)),
        ("pl", "w sobotę o 14", datetime(2026, 11, 28, 14, 0)),
        ("pl", "jutro o godz. 10", datetime(2026, 11, 28, 10, 0)),
        ("pl", "jutro 10:00", datetime(2026, 11, 28, 10, 0)),
        ("pl", "dziś 18:00", datetime(2026, 11, 27, 18, 0)),
        ("pl", "w sobotę 14:00", datetime(2026, 11, 28, 14, 0)),
        ("pl", "sobote 14:00", datetime(2026, 11, 28, 14, 0)),
        ("pl", "Niedziela 11:00", datetime(2026, 11, 29, 11, 0)),
        ("pl", "piątek 10:00", datetime(2026, 12, 4, 10, 0)),  # next Friday, not today
        ("pl", "pojutrze 10:00", datetime(2026, 11, 29, 10, 0)),  # dateparser knows it
        # Ukrainian, with either apostrophe, with "о"
        ("uk", "завтра о 10", datetime(2026, 11, 28, 10, 0)),
        ("uk", "сьогодні о 18:00", datetime(2026, 11, 27, 18, 0)),
        ("uk", "завтра о 10 годині", datetime(2026, 11, 28, 10, 0)),
        ("uk", "завтра 10:00", datetime(2026, 11, 28, 10, 0)),
        ("uk", "Сьогодні 17:30", datetime(2026, 11, 27, 17, 30)),
        ("uk", "у суботу 14:00", datetime(2026, 11, 28, 14, 0)),
        ("uk", "п’ятниця 10:00", datetime(2026, 12, 4, 10, 0)),
        ("uk", "п'ятницю 10:00", datetime(2026, 12, 4, 10, 0)),
        ("uk", "вівторок 9:30", datetime(2026, 12, 1, 9, 30)),
        # Urdu: کل is tomorrow here (a time being booked is never yesterday)
        ("ur", "کل 10 بجے", datetime(2026, 11, 28, 10, 0)),
        ("ur", "کل 10:00", datetime(2026, 11, 28, 10, 0)),
        ("ur", "آج 18:00", datetime(2026, 11, 27, 18, 0)),
        ("ur", "اتوار 11:00", datetime(2026, 11, 29, 11, 0)),
        ("ur", "جمعرات 10:00", datetime(2026, 12, 3, 10, 0)),
        ("ur", "ہفتے کو 10 بجے", datetime(2026, 11, 28, 10, 0)),
        ("ur", "کل ۱۰:۳۰", datetime(2026, 11, 28, 10, 30)),  # Urdu digits
        # Arabic, with Arabic-Indic digits too
        ("ar", "غدا الساعة 10", datetime(2026, 11, 28, 10, 0)),
        ("ar", "غدًا الساعة ١٠", datetime(2026, 11, 28, 10, 0)),
        ("ar", "السبت 14:00", datetime(2026, 11, 28, 14, 0)),
        # Bengali, in Bengali or Latin digits; কাল is tomorrow as in Urdu
        ("bn", "আগামীকাল ১০টায়", datetime(2026, 11, 28, 10, 0)),
        ("bn", "আগামীকাল 10টায়", datetime(2026, 11, 28, 10, 0)),
        ("bn", "কাল ১০:০০", datetime(2026, 11, 28, 10, 0)),
        ("bn", "শনিবার ১৪:০০", datetime(2026, 11, 28, 14, 0)),
        # Dates and English times typed in any language
        ("pl", "28/11 14:30", datetime(2026, 11, 28, 14, 30)),
        ("ur", "2pm", datetime(2026, 11, 27, 14, 0) + timedelta(days=1)),
    ],
)
def test_days_are_read_in_every_catalogues_language(
    language: str, typed: str, expected: datetime
) -> None:
    assert parse_due(typed, NOW, LONDON, language) == expected.replace(tzinfo=LONDON)


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
        "12345678901234567890",
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


def test_only_the_languages_people_write_in_are_loaded() -> None:
    """dateparser's language data is slow to build: loaded on first use, once each."""
    from dateparser.languages.loader import default_loader

    assert parse_due("jutro 10:00", NOW, LONDON, "pl") is not None
    loaded = set(default_loader._loaded_locales)
    assert {"pl", "en"} <= loaded
    assert "fr" not in loaded
    assert "zh" not in loaded
