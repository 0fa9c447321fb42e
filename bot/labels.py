"""The group's own words for its kinds of help and a request's state, in the reader's
language: shared by the Telegram messages and the services' CSV exports, so it lives
outside bot.telegram."""

from __future__ import annotations

from bot.domain.models import Category, RequestStatus
from bot.i18n import _


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
