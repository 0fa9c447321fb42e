"""What the doorstep and first tasks tell people, in each one's own language: the
Telegram side of bot.services.doorstep and bot.services.newcomers."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.domain.models import Visit
from bot.services.coordination import Coordinators
from bot.telegram import keyboards, notices
from bot.telegram.messenger import Messenger


@dataclass(eq=False, repr=False)
class DoorstepNotices:
    """Coordinator alerts go straight out through Coordinators.tell: never held back."""

    messenger: Messenger
    coordinators: Coordinators
    tz: ZoneInfo

    async def ask_if_ok(self, visit: Visit) -> None:
        await self.messenger.tell(
            visit.volunteer_id,
            lambda: notices.are_you_ok(visit.request_id, visit.arrived_at, self.tz),
            lambda: keyboards.are_you_ok(visit.request_id),
        )

    async def safety_alert(self, visit: Visit, name: str, *, asked_for_help: bool) -> int:
        sent = await self.coordinators.tell(
            lambda: notices.safety_alert_for_coordinators(
                visit.request_id,
                visit.volunteer_id,
                name,
                visit.arrived_at,
                self.tz,
                asked=asked_for_help,
            )
        )
        return len(sent)

    async def left_safely(self, visit: Visit, name: str) -> None:
        await self.coordinators.tell(
            lambda: notices.left_safely_for_coordinators(
                visit.request_id, visit.volunteer_id, name
            )
        )

    async def no_show(
        self, request_id: int, volunteer_id: int, name: str, arrived_at: float | None
    ) -> None:
        await self.coordinators.tell(
            lambda: notices.no_show_for_coordinators(
                request_id, volunteer_id, name, arrived_at, self.tz
            )
        )

    async def first_task(
        self, request_id: int, volunteer_id: int, name: str, nth: int, first: int
    ) -> None:
        await self.coordinators.tell(
            lambda: notices.first_task_for_coordinators(request_id, volunteer_id, name, nth, first)
        )

    async def ask_how_it_went(self, request_id: int, volunteer_id: int) -> None:
        await self.messenger.tell(
            volunteer_id,
            lambda: notices.first_task_check_in(request_id),
            lambda: keyboards.check_in(request_id),
        )

    async def check_in(self, request_id: int, volunteer_id: int, name: str, text: str) -> int:
        sent = await self.coordinators.tell(
            lambda: notices.check_in_for_coordinators(request_id, volunteer_id, name, text),
            # Their words may name the person they helped, or where they live.
            protect=True,
        )
        return len(sent)
