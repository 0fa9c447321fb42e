"""Pieces of messages that several features show: categories, times, distances, requests.

Every user-supplied string passes through `esc()` before it reaches an HTML message.
"""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from bot.i18n import _, current_language
from bot.models import Category, HelpRequest, RequestStatus, When

# Telegram's limit for one message; everything we build stays under it.
MAX_MESSAGE_CHARS = 4096


def esc(text: str) -> str:
    """Make user text safe inside an HTML message."""
    return html.escape(text, quote=False)


def clip(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """Keep a message within Telegram's limit (it never cuts mid-tag: callers clip
    the raw pieces; this is the last guard)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def category_label(category: Category) -> str:
    labels = {
        Category.GROCERIES: _("🛒 Shopping"),
        Category.PRESCRIPTION: _("💊 Prescription"),
        Category.DOG_WALKING: _("🐕 Dog walking"),
        Category.PHONE_CALL: _("📞 A friendly phone call"),
        Category.ERRAND: _("📮 An errand"),
        Category.OTHER: _("🤝 Something else"),
    }
    return labels[category]


def status_label(status: RequestStatus) -> str:
    labels = {
        RequestStatus.OPEN: _("looking for a volunteer"),
        RequestStatus.CLAIMED: _("a volunteer is on it"),
        RequestStatus.DONE: _("done"),
        RequestStatus.CANCELLED: _("cancelled"),
        RequestStatus.EXPIRED: _("expired"),
    }
    return labels[status]


def format_time(timestamp: float, tz: ZoneInfo) -> str:
    """A moment as the reader would say it, in the group's time zone."""
    moment = datetime.fromtimestamp(timestamp, tz)
    return str(format_datetime(moment, "EEE d MMM, HH:mm", tzinfo=tz, locale=current_language()))


def when_text(when: When, due_at: float | None, tz: ZoneInfo) -> str:
    if when is When.AT and due_at is not None:
        return format_time(due_at, tz)
    if when is When.TODAY:
        return _("today")
    return _("as soon as possible")


def distance_text(km: float) -> str:
    """An approximate distance: near enough to decide, vague enough to protect the address."""
    if km < 0.5:
        return _("less than 500 m away")
    return _("about {km} km away").format(km=f"{round(km * 2) / 2:g}")


def request_line(request: HelpRequest, tz: ZoneInfo) -> str:
    """One line about a request for its requester: number, what, when, how it stands."""
    return _("<b>#{id}</b> {category}, {when}: {status}").format(
        id=request.id,
        category=category_label(request.category),
        when=when_text(request.when, request.due_at, tz),
        status=status_label(request.status),
    )
