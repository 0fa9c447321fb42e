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
from bot.i18n import _
from bot.models import Category
from bot.texts import category_label


def _one(text: str, action: Action, *args: str | int) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=button(action, *args))


def consent() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_one(_("✅ I agree"), Action.CONSENT, "yes")]])


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
