"""The reminder before a booked task comes with the task's details again (address and
safety code, or the number to ring), protected, so the volunteer on their way needn't
scroll back; like every copy of an address, it is removed when the task stops being
theirs (bot.services.addresses)."""

from __future__ import annotations

from bot.domain.models import Reminder, RequestStatus
from bot.telegram import keyboards, notices
from bot.telegram.context import Services


async def details_again(services: Services, reminder: Reminder) -> None:
    """After the reminder: the protected details, to the volunteer who holds the task."""
    if reminder.request_id is None:
        return
    request = await services.desk.find(reminder.request_id)
    if request is None or request.status is not RequestStatus.CLAIMED:
        return
    volunteer_id = request.volunteer_id
    if volunteer_id is None:
        return
    requester_name = await services.people.name_of(request.requester_id) or ""
    volunteer_name = await services.people.name_of(volunteer_id) or ""
    tz = services.settings.timezone
    at_door = request.category.at_the_door
    on_doorstep = await services.doorstep.on_doorstep(request.id, volunteer_id)
    sent = await services.messenger.tell(
        volunteer_id,
        lambda: notices.private_details(
            request,
            requester_name,
            volunteer_name,
            tz,
        ),
        lambda: keyboards.doorstep(request.id, on_doorstep=on_doorstep, at_door=at_door),
        protect=True,
    )
    await services.addresses.record(request.id, volunteer_id, sent)
