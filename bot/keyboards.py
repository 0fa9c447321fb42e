"""Every keyboard the bot shows, in one place."""

from __future__ import annotations

from collections.abc import Collection

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.callbacks import Action, button
from bot.i18n import _, available_languages, current_language, language_name, use_language
from bot.models import Category, Slot
from bot.texts import category_label


def _one(text: str, action: Action, *args: str | int) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=button(action, *args))


def consent(language: str | None = None) -> InlineKeyboardMarkup:
    """Agree to the notice, or read it in another language first. A language chosen before
    agreeing rides on the button (`v1:consent:yes:<code>`): nothing is stored until then."""
    agree = ("yes", language) if language else ("yes",)
    return InlineKeyboardMarkup(
        [
            [_one(_("✅ I agree"), Action.CONSENT, *agree)],
            [_one(_language_label(), Action.LANGUAGE)],
        ]
    )


def _language_label() -> str:
    """The word "Language" in the reader's language, then in every other one: someone
    whose phone is set to English may not read English."""
    first = current_language()
    words = []
    for code in sorted(available_languages(), key=lambda c: c != first):
        with use_language(code):
            words.append(_("Language"))
    return "🌐 " + " · ".join(dict.fromkeys(words))


def languages() -> InlineKeyboardMarkup:
    """Every language with a catalogue, each in its own name; the current one ticked."""
    current = current_language()
    return InlineKeyboardMarkup(
        [
            [_one(("✅ " if code == current else "") + language_name(code), Action.LANGUAGE, code)]
            for code in available_languages()
        ]
    )


def roles() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_one(_("🙋 I need help"), Action.ROLE, "need")],
            [_one(_("💪 I want to volunteer"), Action.ROLE, "offer")],
        ]
    )


def categories() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[_one(category_label(c), Action.CATEGORY, c.value)] for c in Category]
    )


def when_choices() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_one(_("As soon as possible"), Action.WHEN, "asap")],
            [_one(_("Some time today"), Action.WHEN, "today")],
            [_one(_("A day and time I'll type"), Action.WHEN, "at")],
            [
                _one(_("🔁 Every week"), Action.WHEN, "weekly"),
                _one(_("🔁 Every day"), Action.WHEN, "daily"),
            ],
        ]
    )


def share_location() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(_("📍 Share my location"), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def radius_choices() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [["0.5", "1", "1.5"], ["2", "3", "5"]], resize_keyboard=True, one_time_keyboard=True
    )


def confirm_request() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_one(_("✅ Send my request"), Action.CONFIRM, "yes")],
            [_one(_("✖️ Start again"), Action.CONFIRM, "no")],
        ]
    )


def volunteer_categories(chosen: Collection[Category]) -> InlineKeyboardMarkup:
    rows = [
        [
            _one(
                ("✅ " if c in chosen else "▫️ ") + category_label(c),
                Action.VOLUNTEER_CATEGORY,
                c.value,
            )
        ]
        for c in Category
    ]
    rows.append([_one(_("💾 Save"), Action.VOLUNTEER_SAVE)])
    return InlineKeyboardMarkup(rows)


def ping(request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _one(_("🙋 I'll do it"), Action.ACCEPT, request_id),
                _one(_("Not this time"), Action.DECLINE, request_id),
            ]
        ]
    )


def task(request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _one(_("✅ Done"), Action.DONE, request_id),
                _one(_("↩️ Hand it back"), Action.RELEASE, request_id),
            ]
        ]
    )


def cancel_request(request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[_one(_("Cancel #{id}").format(id=request_id), Action.CANCEL_REQUEST, request_id)]]
    )


def approval(user_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _one(_("✅ Approve"), Action.APPROVE, user_id),
                _one(_("✖️ Turn down"), Action.REJECT, user_id),
            ]
        ]
    )


def stuck_request(request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_one(_("📣 Ask every eligible volunteer"), Action.PING_EVERYONE, request_id)],
            [_one(_("✖️ Close it and tell the requester"), Action.CLOSE, request_id)],
        ]
    )


def follow_up(request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_one(_("✅ Done"), Action.DONE, request_id)],
            [_one(_("⏳ I need more time"), Action.LATER, request_id)],
            [_one(_("↩️ I can't do it"), Action.RELEASE, request_id)],
        ]
    )


def ask_again() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_one(_("🙋 Ask for help again"), Action.ROLE, "need")]])


def feedback(request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _one(_("👍 Yes"), Action.FEEDBACK, request_id, "yes"),
                _one(_("👎 No"), Action.FEEDBACK, request_id, "no"),
            ]
        ]
    )


def availability(chosen: Collection[Slot]) -> InlineKeyboardMarkup:
    labels = {
        Slot.WEEKDAY_DAYTIME: _("Weekday daytimes"),
        Slot.WEEKDAY_EVENING: _("Weekday evenings"),
        Slot.WEEKEND: _("Weekends"),
    }
    return InlineKeyboardMarkup(
        [
            [_one(("✅ " if slot in chosen else "▫️ ") + label, Action.AVAILABILITY, slot.value)]
            for slot, label in labels.items()
        ]
    )


def stop_series(series_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_one(_("Stop repeating"), Action.STOP_SERIES, series_id)]])
