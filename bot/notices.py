"""What the bot tells people who did not just press something: pings, hand-overs, news.

Each function renders in the current language; callers wrap it in `use_language()` of the
recipient. Nothing here ever puts an address where a ping could show it.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.db.stats import Digest
from bot.i18n import _
from bot.models import Category, HelpRequest, Volunteer
from bot.texts import category_label, distance_text, esc, format_time, when_text


def ping(request: HelpRequest, distance_km: float, tz: ZoneInfo) -> str:
    """A volunteer's first sight of a request: what, when, roughly where. No name, no address."""
    where = (
        _("by phone, from home")
        if request.category is Category.PHONE_CALL
        else (distance_text(distance_km))
    )
    return _(
        "🆘 <b>Can you help? Request #{id}</b>\n{category}\n“{description}”\n🕒 {when}\n📍 {where}"
    ).format(
        id=request.id,
        category=category_label(request.category),
        description=esc(request.description),
        when=when_text(request.when, request.due_at, tz),
        where=where,
    )


def ping_taken(request_id: int) -> str:
    return _(
        "✅ Request #{id} has been taken by another volunteer. Thank you for being there!"
    ).format(id=request_id)


def ping_withdrawn(request_id: int) -> str:
    return _("Request #{id} is no longer needed. Thank you!").format(id=request_id)


def task_card(request: HelpRequest, tz: ZoneInfo) -> str:
    """The volunteer's own view of a task they hold (no address: that comes separately)."""
    return _(
        "🙌 <b>You're helping with #{id}</b>\n{category}\n“{description}”\n🕒 {when}\n\n"
        "When it's done, press ✅ Done. If you can't make it after all, hand it back "
        "and we'll find someone else."
    ).format(
        id=request.id,
        category=category_label(request.category),
        description=esc(request.description),
        when=when_text(request.when, request.due_at, tz),
    )


def private_details(request: HelpRequest, requester_name: str) -> str:
    """Address, access notes and safety code: for the volunteer who took it, alone."""
    text = _(
        "🔒 <b>Details for #{id}</b> (only you can see these)\n"
        "Name: {name}\n"
        "Address and notes: {address}\n\n"
        "🔑 Safety code: <b>{code}</b>. Say it at the door so they know you're from the group."
    ).format(
        id=request.id,
        name=esc(requester_name) or _("(not given)"),
        address=esc(request.address),
        code=request.safety_code,
    )
    if request.category in (Category.GROCERIES, Category.ERRAND):
        text += "\n\n" + _(
            "🛒 Before you shop: agree the list and any substitutions first. Never take a "
            "bank card, PIN or cash card. Keep the receipt."
        )
    return text


def volunteer_coming(request: HelpRequest, volunteer_name: str) -> str:
    return _(
        "🎉 Good news: <b>{name}</b> is going to help with your request #{id}.\n"
        "🔑 When they arrive they will tell you the safety code <b>{code}</b>. "
        "If they don't, don't open the door and tell us."
    ).format(name=esc(volunteer_name), id=request.id, code=request.safety_code)


def task_done_for_requester(request: HelpRequest, volunteer_name: str) -> str:
    return _("✅ {name} has marked request #{id} as done. We hope it went well!").format(
        name=esc(volunteer_name), id=request.id
    )


def task_released_for_requester(request: HelpRequest, volunteer_name: str) -> str:
    return _(
        "{name} can't help with #{id} after all. Don't worry: we're asking other volunteers now."
    ).format(name=esc(volunteer_name), id=request.id)


def task_cancelled_for_volunteer(request_id: int) -> str:
    return _("Request #{id} was cancelled, so there's no need to go. Thank you!").format(
        id=request_id
    )


def nobody_nearby_for_requester(request_id: int) -> str:
    return _(
        "I couldn't find a volunteer nearby who is free right now for #{id}. "
        "The coordinators have been told and will look for someone."
    ).format(id=request_id)


def nobody_nearby_for_coordinators(request: HelpRequest) -> str:
    return _(
        "⚠️ Request #{id} ({category}) has nobody left to ask: no eligible volunteer "
        "nearby, or everyone asked said no."
    ).format(id=request.id, category=category_label(request.category))


def volunteer_waiting(volunteer: Volunteer) -> str:
    categories = ", ".join(category_label(c) for c in sorted(volunteer.categories))
    return _(
        "🆕 <b>{name}</b> wants to volunteer.\nGoes up to {radius} km. Offers: {categories}.\n"
        "Approve them only once you've checked who they are."
    ).format(
        name=esc(volunteer.first_name) or str(volunteer.user_id),
        radius=f"{volunteer.radius_km:g}",
        categories=categories,
    )


def volunteer_approved() -> str:
    return _(
        "🎉 You're approved! You'll get a message when someone nearby needs help. "
        "Use /pause when you need a break and /resume to come back."
    )


def volunteer_rejected() -> str:
    return _(
        "Thank you for offering to help. A coordinator has not approved your sign-up this "
        "time; they may get in touch."
    )


def still_open_for_coordinators(request: HelpRequest, pinged: int) -> str:
    return _(
        "⏰ Request #{id} ({category}) is still waiting for a volunteer. "
        "Volunteers asked so far: {pinged}.\n“{description}”"
    ).format(
        id=request.id,
        category=category_label(request.category),
        pinged=pinged,
        description=esc(request.description),
    )


def closed_by_coordinator_for_requester(request_id: int) -> str:
    return _(
        "We're very sorry: we couldn't find a volunteer for your request #{id}, so a "
        "coordinator has closed it. You're welcome to ask again with /request."
    ).format(id=request_id)


def task_soon(request: HelpRequest, tz: ZoneInfo) -> str:
    return (
        _("⏰ <b>Reminder</b>: request #{id} is coming up.").format(id=request.id)
        + "\n\n"
        + task_card(request, tz)
    )


def how_did_it_go(request_id: int) -> str:
    return _(
        "How did request #{id} go? Is it done, do you need more time, or can't you do it "
        "after all?"
    ).format(id=request_id)


def expired_for_requester(request_id: int) -> str:
    return _(
        "I'm sorry: nobody was able to take your request #{id} in time, so I've closed it. "
        "If you still need help, you can ask again."
    ).format(id=request_id)


def did_you_get_help(request_id: int) -> str:
    return _("Did you get the help you needed with #{id}?").format(id=request_id)


def not_helped_for_coordinators(request_id: int) -> str:
    return _(
        "⚠️ The requester of #{id} says they did not get the help they needed. "
        "Please get in touch with them."
    ).format(id=request_id)


def daily_digest(figures: Digest, tz: ZoneInfo) -> str:
    lines = [
        _("☀️ <b>Today's summary</b>"),
        _("Open requests: {n}").format(n=figures.open),
        _("Overdue: {n}").format(n=figures.overdue),
        _("Done in the last day: {n}").format(n=figures.done_last_day),
    ]
    if figures.not_helped:
        lines.append(
            _("Said they didn't get help: {ids}").format(
                ids=", ".join(f"#{i}" for i in figures.not_helped)
            )
        )
    if figures.idle:
        lines.append(_("Volunteers waiting longest for a task:"))
        for volunteer in figures.idle:
            since = (
                format_time(volunteer.last_task_at, tz)
                if volunteer.last_task_at is not None
                else _("no task yet")
            )
            lines.append(f"• {esc(volunteer.first_name)} ({since})")
    return "\n".join(lines)
