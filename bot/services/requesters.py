"""Whose is a requester's news: their own, or, for a request a coordinator took over the
phone for someone without Telegram, the coordinator's who recorded it (bot.telegram.
requesters tells it)."""

from __future__ import annotations

from bot.domain.models import HelpRequest
from bot.services.ports import CoordinatorCheck


def news_recipient(request: HelpRequest) -> int | None:
    """Who hears what the requester would hear first: the requester, or for a phone request
    the coordinator who recorded it; None when nobody can (e.g. the requester was erased)."""
    if request.requester_id is not None:
        return request.requester_id
    return request.on_behalf_of


async def speaks_for(request: HelpRequest, actor_id: int, coordinators: CoordinatorCheck) -> bool:
    """Whether someone may answer for the requester: they are the requester, or the request
    was taken by phone for someone without Telegram and they are a coordinator."""
    return request.requester_id == actor_id or (
        request.requester_id is None
        and request.by_phone
        and await coordinators.is_coordinator(actor_id)
    )
