"""Telling a requester their news: in their own chat, or, for a request a coordinator took
over the phone for someone without Telegram, to a coordinator, headed with whom it is for
so they can ring them: the one who recorded it while they still are a coordinator, else
every coordinator. That news names the person and their number, so it is protected."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.models import HelpRequest
from bot.services.coordination import Coordinators
from bot.services.ports import SentMessage
from bot.telegram import notices
from bot.telegram.messenger import Markup, Messenger


def _no_markup() -> Markup | None:
    return None


async def tell_requester(
    messenger: Messenger,
    coordinators: Coordinators,
    request: HelpRequest,
    render: Callable[[], str],
    markup: Callable[[], Markup | None] = _no_markup,
) -> SentMessage | None:
    """Every piece of news meant for a request's requester goes through here."""
    if request.requester_id is not None:
        return await messenger.tell(request.requester_id, render, markup)
    if not request.by_phone:
        return None  # the requester was erased: nobody to tell
    recorder = request.on_behalf_of
    if recorder is not None and await coordinators.is_coordinator(recorder):
        return await messenger.tell(
            recorder,
            lambda: notices.for_phone_requester(request, yours=True) + "\n\n" + render(),
            markup,
            protect=True,
        )
    # The one who took the call is no longer a coordinator (or was erased): the others ring.
    sent = await coordinators.tell(
        lambda: notices.for_phone_requester(request, yours=False) + "\n\n" + render(),
        markup,
        protect=True,
    )
    return sent[0] if sent else None
