"""Pieces of messages that several features show: categories, times, distances, requests.

Every user-supplied string passes through `esc()` before it reaches an HTML message; in a
right-to-left language, the translated message's `format()` also isolates it (bot.i18n).
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton, format_timedelta, get_datetime_format
from babel.dates import format_time as babel_time
from babel.numbers import format_currency, format_decimal, get_currency_symbol

from bot.domain.broadcasts import Audience
from bot.domain.models import Category, HelpRequest, When
from bot.i18n import _, babel_locale, current_language, distance_unit, ngettext, pgettext

# Re-exported: the messages use them beside the other texts.
from bot.labels import category_label as category_label
from bot.labels import status_label as status_label

# Telegram's limit for one message; everything we build stays under it.
MAX_MESSAGE_CHARS = 4096


def esc(text: str) -> str:
    """Make user text safe inside an HTML message."""
    return html.escape(text, quote=False)


def clip(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """Keep a message within Telegram's limit (it never cuts mid-tag: callers clip
    the raw pieces; this is the last guard)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def number(n: int) -> str:
    """A whole number as the reader writes it ("1,200", "1 200")."""
    return str(format_decimal(n, locale=babel_locale()))


def audience_label(audience: Audience) -> str:
    """Who a coordinators' broadcast goes to, on its button and in its preview."""
    labels = {
        Audience.EVERYONE: _("👥 Everyone"),
        Audience.VOLUNTEERS: _("💪 Approved volunteers"),
        Audience.REQUESTERS: _("🙋 People who asked for help"),
        Audience.COORDINATORS: _("🧭 Coordinators"),
    }
    return labels[audience]


# The languages whose clock is the 24-hour one although CLDR's short time is 12-hour: the
# Urdu catalogue's examples and readers' typing are "10:00", "14:30", not "2:30 PM".
TWENTY_FOUR_HOUR = frozenset({"ur"})


def format_time(timestamp: float, tz: ZoneInfo) -> str:
    """A moment as the reader would say it, in the group's time zone: the day and month
    in their language's own order and words ("Sat 28 November, 14:30", "sob., 28 listopada,
    14:30"), the time as their clock shows it."""
    moment = datetime.fromtimestamp(timestamp, tz)
    locale = babel_locale()
    day = format_skeleton("MMMMEd", moment, tzinfo=tz, locale=locale)
    clock = (
        format_skeleton("Hm", moment, tzinfo=tz, locale=locale)
        if current_language() in TWENTY_FOUR_HOUR
        else babel_time(moment, "short", tzinfo=tz, locale=locale)
    )
    return str(get_datetime_format("medium", locale=locale)).format(clock, day)


def duration(seconds: float) -> str:
    """A length of time as the reader would round it ("90 minutes", "3 hours")."""
    return str(
        format_timedelta(timedelta(seconds=max(1.0, seconds)), threshold=2, locale=babel_locale())
    )


def when_text(when: When, due_at: float | None, tz: ZoneInfo) -> str:
    if when is When.AT and due_at is not None:
        return format_time(due_at, tz)
    if when is When.TODAY:
        return _("today")
    return _("as soon as possible")


KM_PER_MILE = 1.609344


def distance_text(km: float) -> str:
    """An approximate distance: near enough to decide, vague enough to protect the address.

    In miles or kilometres (DISTANCE_UNIT), to the nearest half. Whole numbers take their
    language's plural form; a fraction has its own wording (in Polish, "1,5 mili")."""
    if distance_unit() == "mi":
        miles = km / KM_PER_MILE
        if miles < 0.25:
            return _("less than a quarter of a mile away")
        if miles < 0.75:
            return _("about half a mile away")
        value = round(miles * 2) / 2
        if value.is_integer():
            text = ngettext("about {n} mile away", "about {n} miles away", int(value))
        else:
            text = pgettext("a distance with a fraction, like 1.5", "about {n} miles away")
    else:
        if km < 0.5:
            return _("less than 500 m away")
        value = round(km * 2) / 2
        if value.is_integer():
            text = ngettext("about {n} kilometre away", "about {n} kilometres away", int(value))
        else:
            text = pgettext("a distance with a fraction, like 1.5", "about {n} kilometres away")
    return text.format(n=format_decimal(value, locale=babel_locale()))


def decimal(value: float) -> str:
    """A number with a fraction as the reader writes it ("1.5", "1,5")."""
    return str(format_decimal(value, locale=babel_locale()))


def in_reader_unit(km: float) -> float:
    """A distance stored in kilometres, in the reader's unit (bot.i18n.distance_unit),
    to one decimal place: what they would type."""
    value = km / KM_PER_MILE if distance_unit() == "mi" else km
    return round(value, 1)


def from_reader_unit(value: float, unit: str | None = None) -> float:
    """A distance typed in the reader's unit (or `unit`), in kilometres for storing."""
    return value * KM_PER_MILE if (unit or distance_unit()) == "mi" else value


def radius_text(km: float) -> str:
    """How far a volunteer goes, in the reader's unit: "3 km", "2 miles", "1,5 mili"."""
    value = in_reader_unit(km)
    if distance_unit() == "mi":
        if value.is_integer():
            text = ngettext("{n} mile", "{n} miles", int(value))
        else:
            text = pgettext("a distance with a fraction, like 1.5", "{n} miles")
    else:
        text = _("{n} km")
    return text.format(n=decimal(value))


def money(pence: int) -> str:
    """An amount in pounds as the reader writes money: "£12.50", "12,50 £". CLDR has no
    "£" for GBP in some languages (Polish and Ukrainian would show "12,50 GBP"), so the
    locale's own pattern is used with the pound sign put in the code's place."""
    locale = babel_locale()
    text = str(format_currency(pence / 100, "GBP", locale=locale))
    symbol = str(get_currency_symbol("GBP", locale=locale))
    return text.replace(symbol, "£") if symbol != "£" else text


def request_line(request: HelpRequest, tz: ZoneInfo) -> str:
    """One line about a request for its requester: number, what, when, how it stands."""
    return _("<b>#{id}</b> {category}, {when}: {status}").format(
        id=request.id,
        category=category_label(request.category),
        when=when_text(request.when, request.due_at, tz),
        status=status_label(request.status),
    )


def description_example(category: Category) -> str:
    """One example of a short description that fits the kind of help chosen (worded so it
    fits someone asking for themselves and a coordinator asking for them)."""
    examples = {
        Category.GROCERIES: _("milk, bread and eggs from the corner shop"),
        Category.PRESCRIPTION: _("a prescription to collect from the chemist on the high street"),
        Category.DOG_WALKING: _("a half-hour walk round the park for a friendly old Labrador"),
        Category.PHONE_CALL: _("a chat once a week, about gardening or the old days"),
        Category.ERRAND: _("a parcel to post at the post office"),
        Category.OTHER: _("a light bulb to change on the landing"),
    }
    return examples[category]
