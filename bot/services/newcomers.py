"""First tasks: a volunteer's first FIRST_TASKS tasks are flagged to the coordinators as
they are taken, and after the first one is done the volunteer is asked how it went."""

from __future__ import annotations

from bot import keyboards, notices
from bot.config import Settings
from bot.db import RequestRepository, UserRepository
from bot.db.doorstep import DoorstepRepository
from bot.models import HelpRequest, RequestStatus
from bot.services.coordination import Coordinators
from bot.services.messenger import Messenger


class Newcomers:
    def __init__(
        self,
        settings: Settings,
        repository: DoorstepRepository,
        requests: RequestRepository,
        users: UserRepository,
        messenger: Messenger,
        coordinators: Coordinators,
    ) -> None:
        self._settings = settings
        self._repository = repository
        self._requests = requests
        self._users = users
        self._messenger = messenger
        self._coordinators = coordinators

    async def taken(self, request: HelpRequest) -> None:
        """A request was just taken: flag it if it is one of its volunteer's first."""
        volunteer_id = request.volunteer_id
        first = self._settings.first_tasks
        if volunteer_id is None or first == 0:
            return
        nth = await self._repository.tasks_taken(volunteer_id)
        if nth > first:
            return
        name = await self._name(volunteer_id)
        await self._coordinators.tell(
            lambda: notices.first_task_for_coordinators(request.id, volunteer_id, name, nth, first)
        )

    async def done(self, request: HelpRequest) -> None:
        """A task was just done: after the volunteer's very first, ask how it went."""
        volunteer_id = request.volunteer_id
        if volunteer_id is None or self._settings.first_tasks == 0:
            return
        if await self._repository.tasks_done(volunteer_id) != 1:
            return
        await self._messenger.tell(
            volunteer_id,
            lambda: notices.first_task_check_in(request.id),
            lambda: keyboards.check_in(request.id),
        )

    async def may_check_in(self, request_id: int, volunteer_id: int) -> bool:
        """Only the volunteer who did the task answers its check-in."""
        request = await self._requests.get(request_id)
        return (
            request is not None
            and request.volunteer_id == volunteer_id
            and request.status is RequestStatus.DONE
        )

    async def check_in(self, request_id: int, volunteer_id: int, text: str) -> int:
        """The volunteer's own words, to every coordinator; how many it reached."""
        name = await self._name(volunteer_id)
        sent = await self._coordinators.tell(
            lambda: notices.check_in_for_coordinators(request_id, volunteer_id, name, text),
            # Their words may name the person they helped, or where they live.
            protect=True,
        )
        return len(sent)

    async def _name(self, user_id: int) -> str:
        user = await self._users.get(user_id)
        return user.first_name if user else ""
