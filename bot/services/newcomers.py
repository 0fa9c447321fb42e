"""First tasks: a volunteer's first FIRST_TASKS tasks are flagged to the coordinators as
they are taken, and after the first one is done the volunteer is asked how it went."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.config import Settings
from bot.db import RequestRepository, UserRepository
from bot.db.doorstep import DoorstepRepository
from bot.domain.models import HelpRequest, RequestStatus


class NewcomerNews(Protocol):
    """Who hears what, in their own words: the Telegram side (bot.telegram.doorstep_news)."""

    async def first_task(
        self, request_id: int, volunteer_id: int, name: str, nth: int, first: int
    ) -> None: ...

    async def ask_how_it_went(self, request_id: int, volunteer_id: int) -> None: ...

    async def check_in(self, request_id: int, volunteer_id: int, name: str, text: str) -> int:
        """The volunteer's words to every coordinator; how many it reached."""
        ...


@dataclass(eq=False, repr=False)
class Newcomers:
    settings: Settings
    repository: DoorstepRepository
    requests: RequestRepository
    users: UserRepository
    news: NewcomerNews

    async def taken(self, request: HelpRequest) -> None:
        """A request was just taken: flag it if it is one of its volunteer's first."""
        volunteer_id = request.volunteer_id
        first = self.settings.first_tasks
        if volunteer_id is None or first == 0:
            return
        nth = await self.repository.tasks_taken(volunteer_id)
        if nth <= first:
            await self.news.first_task(
                request.id, volunteer_id, await self._name(volunteer_id), nth, first
            )

    async def done(self, request: HelpRequest) -> None:
        """A task was just done: after the volunteer's very first, ask how it went."""
        volunteer_id = request.volunteer_id
        if volunteer_id is None or self.settings.first_tasks == 0:
            return
        if await self.repository.tasks_done(volunteer_id) == 1:
            await self.news.ask_how_it_went(request.id, volunteer_id)

    async def may_check_in(self, request_id: int, volunteer_id: int) -> bool:
        """Only the volunteer who did the task answers its check-in."""
        request = await self.requests.get(request_id)
        return (
            request is not None
            and request.volunteer_id == volunteer_id
            and request.status is RequestStatus.DONE
        )

    async def check_in(self, request_id: int, volunteer_id: int, text: str) -> int:
        """The volunteer's own words, to every coordinator; how many it reached."""
        return await self.news.check_in(
            request_id, volunteer_id, await self._name(volunteer_id), text
        )

    async def _name(self, user_id: int) -> str:
        user = await self.users.get(user_id)
        return user.first_name if user else ""
