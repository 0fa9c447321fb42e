"""The neighbourhood's group chat: each new request posted there with no personal detail
and an "I can help" button, and the post edited as the request is taken, done or closed.

It follows the request's events in the background lane of the delivery
(bot.services.events, bot.telegram.subscribers), so no handler waits for a post.

Telegram allows a bot about 20 messages a minute in one group. Every call here goes
through the application's rate limiter (bot.telegram.app: PTB's AIORateLimiter, subclassed in
bot.telegram.rate_limiter only to let broadcast sends pace themselves), which holds a
limiter per group:
PTB's `telegram/ext/_aioratelimiter.py` treats any call whose `chat_id` is negative (a
group, supergroup or channel) as a group call and throttles it to `group_max_rate` per
`group_time_period`, by default `FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP` (20) per 60 s,
on top of the overall 30 a second; a 429 is waited out and retried (max_retries=3).
Posts and edits are both sendMessage-like calls with that chat_id, so both count. The
limiter makes a call wait rather than fail, so a burst of more than 20 new requests in a
minute delays the later posts, never drops them.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError

from bot.config import Area, Settings
from bot.db import RequestRepository
from bot.db.groupchats import GroupChatRepository
from bot.domain.distance import haversine_km
from bot.domain.models import GroupChat, GroupPost, HelpRequest, RequestStatus
from bot.i18n import _, use_language
from bot.telegram import keyboards, notices

_LOGGER = logging.getLogger(__name__)

SHOWN = {
    RequestStatus.OPEN: "open",
    RequestStatus.CLAIMED: "taken",
    RequestStatus.DONE: "done",
    RequestStatus.CANCELLED: "closed",
    RequestStatus.EXPIRED: "closed",
}
# Within this share of the area's radius from its centre, a request is "in the middle".
MIDDLE_SHARE = 1 / 3


@dataclass(eq=False, repr=False)
class GroupBoard:
    settings: Settings
    bot: Bot
    chats: GroupChatRepository
    requests: RequestRepository
    clock: Callable[[], float]

    async def link(self, chat_id: int, title: str, coordinator_id: int) -> bool:
        return await self.chats.link(chat_id, title, coordinator_id, self.clock())

    async def unlink(self, chat_id: int, coordinator_id: int | None) -> bool:
        return await self.chats.unlink(chat_id, coordinator_id, self.clock())

    async def linked(self) -> list[GroupChat]:
        return await self.chats.linked()

    async def posted_in(self, request_id: int, chat_id: int) -> bool:
        """Whether the request was posted in that chat: "I can help" works only there."""
        return await self.chats.posted_in(request_id, chat_id)

    async def sync(self, request: HelpRequest) -> None:
        """Make the group chats show the request as it stands now: post it where it is
        open and not yet posted, and edit every earlier post whose state has changed."""
        current = await self.requests.get(request.id)
        if current is None:
            return
        shown = SHOWN[current.status]
        posts = await self.chats.posts_of(current.id)
        if current.status is RequestStatus.OPEN:
            posted = {post.chat_id for post in posts}
            for chat in await self.chats.linked():
                if chat.chat_id not in posted:
                    await self._post(current, chat.chat_id)
        for post in posts:
            if post.message_id is not None and post.shown != shown:
                await self._edit(post, current, shown)

    def _render(self, request: HelpRequest, shown: str) -> tuple[str, InlineKeyboardMarkup | None]:
        # A group has many readers: it gets the group's own language.
        with use_language(self.settings.default_language):
            if shown == "open":
                text = notices.group_post(request, self._where(request), self.settings.timezone)
                return text, keyboards.group_help(request.id)
            if shown == "taken":
                return notices.group_post_taken(request), None
            if shown == "done":
                return notices.group_post_done(request), None
            return notices.group_post_closed(request), None

    async def _post(self, request: HelpRequest, chat_id: int) -> None:
        if not await self.chats.reserve(request.id, chat_id, self.clock()):
            return
        text, markup = self._render(request, "open")
        message: Message | None = None
        for _attempt in range(2):
            try:
                message = await self.bot.send_message(chat_id, text, reply_markup=markup)
                break
            except ChatMigrated as error:
                # The group became a supergroup with a new id: follow it, then try there.
                new_id = int(error.new_chat_id)
                await self.chats.moved(chat_id, new_id)
                chat_id = new_id
            except (Forbidden, BadRequest) as error:
                if isinstance(error, BadRequest) and "chat not found" not in error.message.lower():
                    _LOGGER.warning(
                        "Posting #%s to group %s failed: %s", request.id, chat_id, error
                    )
                    break
                # Removed from the group, or the group is gone: stop posting there.
                _LOGGER.info("Can't post in group chat %s (%s); unlinking it", chat_id, error)
                await self.chats.drop(request.id, chat_id)
                await self.chats.unlink(chat_id, None, self.clock())
                return
            except TelegramError as error:
                _LOGGER.warning("Posting #%s to group %s failed: %s", request.id, chat_id, error)
                break
        if message is None:
            await self.chats.drop(request.id, chat_id)
            return
        await self.chats.set_message(request.id, chat_id, message.message_id)

    async def _edit(self, post: GroupPost, request: HelpRequest, shown: str) -> None:
        assert post.message_id is not None
        text, markup = self._render(request, shown)
        try:
            await self.bot.edit_message_text(
                text, chat_id=post.chat_id, message_id=post.message_id, reply_markup=markup
            )
        except BadRequest as error:
            # Deleted by the group's admins, say: nothing more to show there.
            _LOGGER.info("Group post %s/%s not edited: %s", post.chat_id, post.message_id, error)
        except TelegramError as error:
            _LOGGER.warning(
                "Editing group post %s/%s failed: %s", post.chat_id, post.message_id, error
            )
            return
        await self.chats.set_shown(post.request_id, post.chat_id, shown)

    def _where(self, request: HelpRequest) -> str | None:
        return area_part(self.settings.area, request.lat, request.lon)


def area_part(area: Area | None, lat: float, lon: float) -> str | None:
    """Which part of the group's area a place is in: coarse enough that no home can be
    found from it (a request's or an offer's post in the group chat)."""
    if area is None:
        return None
    if haversine_km(area.lat, area.lon, lat, lon) < area.radius_km * MIDDLE_SHARE:
        return _("near the middle of our area")
    parts = [
        _("in the north of our area"),
        _("in the north-east of our area"),
        _("in the east of our area"),
        _("in the south-east of our area"),
        _("in the south of our area"),
        _("in the south-west of our area"),
        _("in the west of our area"),
        _("in the north-west of our area"),
    ]
    return parts[round(_bearing(area.lat, area.lon, lat, lon) / 45) % 8]


def _bearing(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The compass bearing from the first point to the second, in degrees (0 = north)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_lon = math.radians(lon2 - lon1)
    y = math.sin(d_lon) * math.cos(phi2)
    x = math.cos(phi1) * math.sin(phi2) - math.sin(phi1) * math.cos(phi2) * math.cos(d_lon)
    return (math.degrees(math.atan2(y, x)) + 360) % 360
