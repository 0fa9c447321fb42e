"""Telling a requester their news: in their own chat, or, for a request a coordinator took
over the phone, to that coordinator, headed with whom it is for so they can ring them."""

from __future__ import annotations

from collections.abc import Callable

from telegram import Message

from bot import notices
from bot.models import HelpRequest
from bot.services.messenger import Markup, Messenger


def _no_markup() -> Markup | None:
    return None


def news_recipient(request: HelpRequest) -> int | None:
    """Who hears what the requester would hear: the requester, or for a phone request
    the coordinator who recorded it; None when nobody can (e.g. the requester was erased)."""
    if request.requester_id is not None:
        return request.requester_id
    return request.on_behalf_of


async def tell_requester(
    messenger: Messenger,
    request: HelpRequest,
    render: Callable[[], str],
    markup: Callable[[], Markup | None] = _no_markup,
) -> Message | None:
    """Every piece of news meant for a request's requester goes through here."""
    if request.requester_id is not None:
        return await messenger.tell(request.requester_id, render, markup)
    if request.on_behalf_of is not None:
        return await messenger.tell(
            request.on_behalf_of,
            lambda: notices.for_phone_requester(request) + "\n\n" + render(),
            markup,
        )
    return None
