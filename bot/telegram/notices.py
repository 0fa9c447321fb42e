"""What the bot tells people who did not just press something: pings, hand-overs, news.

Each function renders in the current language; callers wrap it in `use_language()` of the
recipient. Nothing here ever puts an address where a ping could show it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.domain.broadcasts import Counts
from bot.domain.figures import Digest
from bot.domain.models import (
    Category,
    Concern,
    HelpRequest,
    Payment,
    Prescription,
    QuietHours,
    RequestStatus,
    Volunteer,
)
from bot.domain.results import Outcome, Result
from bot.i18n import _, inserted, join_list, line, ngettext
from bot.telegram.texts import (
    category_label,
    clip,
    distance_text,
    esc,
    format_time,
    money,
    number,
    radius_text,
    status_label,
    when_text,
)

if TYPE_CHECKING:  # the service imports this module to render its messages
    from bot.services.fairness import Nearby, WeeklySummary
    from bot.services.safeguarding import OverCap


def _when(request: HelpRequest, tz: ZoneInfo) -> str:
    """When, and for repeating help how often: volunteers see it is a regular thing."""
    text = when_text(request.when, request.due_at, tz)
    if request.every == "weekly":
        return text + " " + _("(every week)")
    if request.every == "daily":
        return text + " " + _("(every day)")
    return text


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
        when=_when(request, tz),
        where=where,
    ) + (
        "\n" + "\n".join(prescription_lines(request.prescription))
        if request.prescription is not None
        else ""
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
        when=_when(request, tz),
    )


def prescription_lines(prescription: Prescription) -> list[str]:
    """What a volunteer must know before going to the pharmacy: the money, the fridge, and
    whether to bring photo ID. Never which medicine."""
    if prescription.payment is Payment.TO_PAY and prescription.pence is not None:
        lines = [
            _("💷 To pay at the pharmacy: {amount}. Keep the receipt.").format(
                amount=money(prescription.pence)
            )
        ]
    elif prescription.payment is Payment.EXEMPT:
        lines = [_("💷 Nothing to pay: it is free for them (exempt).")]
    else:
        lines = [_("💷 Nothing to pay: it is already paid.")]
    if prescription.fridge:
        lines.append(_("❄️ It needs a fridge: take it straight there after collecting."))
    if prescription.controlled:
        lines.append(
            _("🪪 A controlled medicine: bring photo ID, the pharmacist will ask to see it.")
        )
    return lines


def _collection_consent(
    prescription: Prescription, name: str, volunteer_name: str, tz: ZoneInfo
) -> str:
    """The requester's agreement, for the volunteer to show the pharmacist if asked."""
    return _(
        "✍️ {name} agreed on {when} that the volunteer we send, {volunteer}, collects "
        "this prescription for them. If the pharmacy asks, say you are collecting for "
        "{name} and give their name and address."
    ).format(
        name=name or _("the person"),
        when=format_time(prescription.consent_at, tz),
        volunteer=esc(volunteer_name) or _("you"),
    )


def private_details(
    request: HelpRequest,
    requester_name: str,
    volunteer_name: str = "",
    tz: ZoneInfo | None = None,
) -> str:
    """Address, access notes and safety code: for the volunteer who took it, alone."""
    if not request.category.at_the_door:
        return call_details(request, requester_name)
    text = _(
        "🔒 <b>Details for #{id}</b> (only you can see these)\n"
        "Name: {name}\n"
        "Address and notes: {address}\n\n"
        "🔑 Safety code: <b>{code}</b>. Say it at the door so they know you're from the group."
    ).format(
        id=request.id,
        # A request taken over the phone names the person it is for.
        name=esc(request.contact_name or requester_name) or _("(not given)"),
        address=esc(request.address),
        code=request.safety_code,
    )
    if request.contact_phone:
        text += "\n" + _(
            "📞 Phone: {phone}. They don't use Telegram: please ring them before you go."
        ).format(phone=esc(request.contact_phone))
    if request.category in (Category.GROCERIES, Category.ERRAND):
        text += "\n\n" + _(
            "🛒 Before you shop: agree the list and any substitutions first. Never take a "
            "bank card, PIN or cash card. Keep the receipt."
        )
    prescription = request.prescription
    if prescription is not None:
        name = esc(request.contact_name or requester_name)
        text += "\n\n" + "\n".join(prescription_lines(prescription))
        text += "\n" + _collection_consent(
            prescription, name, volunteer_name, tz or ZoneInfo("UTC")
        )
    return text


def call_details(request: HelpRequest, requester_name: str) -> str:
    """A friendly phone call: who to ring and on which number (or that they talk through
    the bot), and to withhold the volunteer's own number. No address, no door."""
    lines = [
        _("🔒 <b>Details for #{id}</b> (only you can see these)").format(id=request.id),
        _("Name: {name}").format(
            name=esc(request.contact_name or requester_name) or _("(not given)")
        ),
    ]
    # A number typed by the requester is kept where an address would be; an /onbehalf
    # request has the number the coordinator took.
    number = request.contact_phone or request.address
    if number:
        lines.append(_("📞 Number to ring: {phone}").format(phone=esc(number)))
        lines.append(
            _(
                "📵 Please withhold your own number (in the UK, dial 141 before theirs) "
                "unless you've agreed otherwise with them."
            )
        )
    else:
        lines.append(
            _(
                "💬 They'd rather not give a number: talk through the bot with the 💬 "
                "button (messages and voice notes). Neither of you sees the other's number "
                "or username unless you choose to share it."
            )
        )
    if request.contact_phone:
        lines.append(_("They don't use Telegram: a coordinator took this request by phone."))
    return "\n".join(lines)


def added_for_volunteer(request_id: int, addition: str) -> str:
    """The requester asked again for the same need: what they added, for its volunteer."""
    return _("➕ The person you're helping with #{id} added: “{addition}”").format(
        id=request_id, addition=esc(addition)
    )


def details_removed(request_id: int) -> str:
    """What an address message becomes when the task is no longer the volunteer's and
    Telegram no longer lets the bot delete it."""
    return _("🔒 The details for #{id} were removed: this task is no longer yours.").format(
        id=request_id
    )


def volunteer_coming(request: HelpRequest, volunteer_name: str) -> str:
    if not request.category.at_the_door:
        return call_coming(request, volunteer_name)
    text = _(
        "🎉 Good news: <b>{name}</b> is going to help with your request #{id}.\n"
        "🔑 When they arrive they will tell you the safety code <b>{code}</b>. "
        "If they don't, don't open the door, and tell us with /concern."
    ).format(name=esc(volunteer_name), id=request.id, code=request.safety_code)
    if request.prescription is not None:
        text += "\n" + _(
            "💊 As you agreed, {name} will collect your prescription for you."
        ).format(name=esc(volunteer_name))
    return text


def call_coming(request: HelpRequest, volunteer_name: str) -> str:
    """A friendly phone call is taken: who will call, and how."""
    text = _(
        "🎉 Good news: <b>{name}</b> is going to give you a call for your request #{id}."
    ).format(name=esc(volunteer_name), id=request.id)
    if request.address or request.contact_phone:
        return (
            text
            + "\n"
            + _(
                "📞 They'll ring the number you gave. The call may show as a withheld or "
                "private number."
            )
        )
    return (
        text
        + "\n"
        + _("💬 They'll message you here through the bot to arrange it; reply with the 💬 button.")
    )


def task_done_for_requester(request: HelpRequest, volunteer_name: str) -> str:
    return _("✅ {name} has marked request #{id} as done. We hope it went well!").format(
        name=esc(volunteer_name), id=request.id
    )


def task_released_for_requester(request: HelpRequest, volunteer_name: str) -> str:
    return _(
        "{name} can't help with #{id} after all. Don't worry: we're asking other volunteers now."
    ).format(name=esc(volunteer_name), id=request.id)


def booked_time_passed(request: HelpRequest, volunteer_name: str) -> str:
    """Handed back after the time it was booked for: the requester chooses what now."""
    return _(
        "{name} can't help with #{id} after all, and the time it was booked for has "
        "passed. Would you still like help as soon as possible, or shall I cancel it?"
    ).format(name=esc(volunteer_name) or _("The volunteer"), id=request.id)


def task_cancelled_for_volunteer(request_id: int) -> str:
    return _("Request #{id} was cancelled, so there's no need to go. Thank you!").format(
        id=request_id
    )


def card_cancelled(request_id: int) -> str:
    """What the task card of a cancelled task becomes (the notice itself is sent once)."""
    return _("✖️ #{id}: cancelled.").format(id=request_id)


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
    categories = join_list(category_label(c) for c in sorted(volunteer.categories))
    return _(
        "🆕 <b>{name}</b> wants to volunteer.\nGoes up to {radius}. Offers: {categories}.\n"
        "Approve them only once you've checked who they are."
    ).format(
        # Tap to chat: a coordinator can check who they are before approving them.
        name=person_link(volunteer.user_id, volunteer.first_name),
        radius=radius_text(volunteer.radius_km),
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
        "time; they may get in touch. /concern reaches them if you have questions."
    )


def still_open_for_coordinators(request: HelpRequest, pinged: int) -> str:
    return ngettext(
        "⏰ Request #{id} ({category}) is still waiting for a volunteer. "
        "Volunteers asked so far: {pinged}.\n“{description}”",
        "⏰ Request #{id} ({category}) is still waiting for a volunteer. "
        "Volunteers asked so far: {pinged}.\n“{description}”",
        pinged,
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


def not_helped_for_coordinators(request: HelpRequest, requester_name: str) -> str:
    return _(
        "⚠️ The requester of #{id}, {who}, says they did not get the help they needed. "
        "Please get in touch with them."
    ).format(id=request.id, who=requester_contact(request, requester_name))


def requester_contact(request: HelpRequest, requester_name: str) -> str:
    """How a coordinator reaches a request's requester: a tap-to-chat link, or for someone
    without Telegram (/onbehalf) their name and phone number."""
    if request.requester_id is not None:
        return person_link(request.requester_id, requester_name)
    if request.contact_phone:
        return _("{name} (phone {phone})").format(
            name=esc(request.contact_name or "") or _("(not given)"),
            phone=esc(request.contact_phone),
        )
    return _("(nobody stored)")


def daily_digest(figures: Digest, tz: ZoneInfo) -> str:
    lines = [
        _("☀️ <b>Today's summary</b>"),
        ngettext("Open requests: {n}", "Open requests: {n}", figures.open).format(n=figures.open),
        ngettext("Overdue: {n}", "Overdue: {n}", figures.overdue).format(n=figures.overdue),
        ngettext(
            "Done in the last day: {n}", "Done in the last day: {n}", figures.done_last_day
        ).format(n=figures.done_last_day),
    ]
    if figures.not_helped:
        lines.append(
            _("Said they didn't get help: {ids}").format(
                ids=join_list(f"#{i}" for i in figures.not_helped)
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
            lines.append(line(f"• {inserted(esc(volunteer.first_name))} ({inserted(since)})"))
    return "\n".join(lines)


def broadcast_message(text: str) -> str:
    """A coordinators' broadcast as its recipient reads it: a header in their language,
    then the text exactly as typed (sent as plain text, never parsed as HTML)."""
    return _("📣 Message from the group coordinators:") + "\n\n" + text


def broadcast_progress(broadcast_id: int, counts: Counts) -> str:
    """The coordinator's progress line, edited in place as the broadcast goes out."""
    return ngettext(
        "📣 Broadcast #{id}: sent {done} of {total}",
        "📣 Broadcast #{id}: sent {done} of {total}",
        counts.total,
    ).format(id=broadcast_id, done=number(counts.done), total=number(counts.total))


def broadcast_report(broadcast_id: int, counts: Counts, stopped_by: str | None = None) -> str:
    """The end of a broadcast, for the coordinator who sent it (and whoever stopped it:
    `stopped_by` is their name, "" when it isn't known)."""
    if stopped_by is None:
        header = _("✅ Broadcast #{id} finished.").format(id=broadcast_id)
    else:
        header = _("⏹ Broadcast #{id} was stopped by {name}.").format(
            id=broadcast_id, name=esc(stopped_by) or _("a coordinator")
        )
    # A line per count, so that each gets the plural form its own number needs.
    text = "\n".join(
        [
            header,
            ngettext("Sent to {n} person.", "Sent to {n} people.", counts.sent).format(
                n=number(counts.sent)
            ),
            ngettext(
                "{n} person had blocked the bot.",
                "{n} people had blocked the bot.",
                counts.blocked,
            ).format(n=number(counts.blocked)),
            ngettext(
                "{n} message could not be sent.",
                "{n} messages could not be sent.",
                counts.failed,
            ).format(n=number(counts.failed)),
        ]
    )
    if stopped_by is not None:
        text += "\n" + ngettext(
            "{n} person did not get it: it was stopped first.",
            "{n} people did not get it: it was stopped first.",
            counts.not_sent,
        ).format(n=number(counts.not_sent))
    if counts.unsure:
        text += "\n" + ngettext(
            "{n} more may or may not have arrived: the connection broke or the bot stopped "
            "while sending it. It was not sent again, so that nobody gets it twice.",
            "{n} more may or may not have arrived: the connection broke or the bot stopped "
            "while sending them. They were not sent again, so that nobody gets it twice.",
            counts.unsure,
        ).format(n=number(counts.unsure))
    return text


# --- safeguarding ------------------------------------------------------------------------

MAX_CONCERN_SHOWN = 1500  # of a concern's text, in a message to coordinators


def person_link(user_id: int, name: str) -> str:
    """A name a coordinator can tap to open the person's chat and get back to them."""
    return f'<a href="tg://user?id={user_id}">{esc(name) or user_id}</a>'


def concern_for_coordinators(
    concern: Concern, request: HelpRequest | None, reporter_name: str
) -> str:
    """A concern, at once, with the request it is about (never its address)."""
    who = {
        "requester": _("{name}, who asked for the help"),
        "volunteer": _("{name}, a volunteer on it"),
    }.get(concern.role, "{name}")
    lines = []
    if request is None:
        lines.append(_("⚠️ <b>A concern</b> (not about one request)"))
    else:
        lines.append(
            _("⚠️ <b>Concern about request #{id}</b> ({category}, {status})").format(
                id=request.id,
                category=category_label(request.category),
                status=status_label(request.status),
            )
        )
    # A concern is told as it is raised, by someone who is there; were they erased since,
    # there is no chat to open.
    if concern.reporter_id is None:
        reporter = who.format(name=esc(reporter_name))
    else:
        reporter = who.format(name=person_link(concern.reporter_id, reporter_name))
    lines.append(_("From {who}:").format(who=reporter))
    lines.append(line("“" + inserted(esc(clip(concern.text, MAX_CONCERN_SHOWN))) + "”"))
    if request is not None:
        if request.description:
            lines.append(
                _("The request: “{description}”").format(description=esc(request.description))
            )
        lines.append(_("/details {id} shows everything about it.").format(id=request.id))
    lines.append(_("Please get back to them."))
    return "\n".join(lines)


def over_spend_cap_for_coordinators(spend: OverCap) -> str:
    request = spend.request
    return (
        _(
            "💷 <b>Over the spending cap</b>: for request #{id} ({category}) {name} says they "
            "spent {amount}; the cap is {cap}. Please check it with them and the requester."
        ).format(
            id=request.id,
            category=category_label(request.category),
            name=person_link(spend.volunteer_id, spend.volunteer_name),
            amount=money(spend.pence),
            cap=money(spend.cap_pence),
        )
        + "\n"
        + _("The requester: {who}").format(who=requester_contact(request, spend.requester_name))
    )


def receipt_caption(request_id: int, pence: int | None) -> str:
    if pence is None:
        return _("🧾 Receipt for #{id}").format(id=request_id)
    return _("🧾 Receipt for #{id}: {amount}").format(id=request_id, amount=money(pence))


def volunteer_left_for_requester(request_id: int) -> str:
    return _(
        "The volunteer who was going to help with #{id} can't any more. Don't worry: "
        "we're asking other volunteers now."
    ).format(id=request_id)


# --- coordinators' tools: phone requests, assignments, roles, the group chat ------------


def for_phone_requester(request: HelpRequest, yours: bool = True) -> str:
    """Heads news meant for someone without Telegram, sent to the coordinator who took
    their request over the phone (`yours`), or to every coordinator once that one no longer
    is, so that someone rings them."""
    heading = (
        _(
            "📞 <b>For {name}</b> ({phone}), whose request #{id} you took by phone. "
            "Please pass this on:"
        )
        if yours
        else _(
            "📞 <b>For {name}</b> ({phone}), whose request #{id} was taken by phone by "
            "someone who is no longer a coordinator. Please ring them and pass this on:"
        )
    )
    return heading.format(
        name=esc(request.contact_name or "") or _("(not given)"),
        phone=esc(request.contact_phone or "") or _("no number"),
        id=request.id,
    )


def assigned_to_you(request: HelpRequest, tz: ZoneInfo) -> str:
    return (
        _("👤 A coordinator has handed request #{id} to you. Thank you for taking it on!").format(
            id=request.id
        )
        + "\n\n"
        + task_card(request, tz)
    )


def made_coordinator() -> str:
    return _("⭐ You're now a coordinator of the group. /help lists the coordinators' commands.")


def no_longer_coordinator() -> str:
    return _("You're no longer a coordinator of the group. Thank you for all you did!")


def checked_by_coordinator() -> str:
    return _(
        "✔️ A coordinator has marked your ID check as done, so you can now be asked for "
        "tasks that need it, such as collecting prescriptions."
    )


def paused_by_coordinator() -> str:
    return _(
        "✋ A coordinator has put your requests on hold for now: you won't get new "
        "requests, and can't take one, until a coordinator lifts the hold. If you have "
        "any questions, /concern reaches the coordinators."
    )


def on_hold_refusal() -> str:
    """A held volunteer trying to take a request, from an old ping or the group chat."""
    return _(
        "A coordinator has put your requests on hold, so you can't take this one. If you "
        "have any questions, /concern reaches the coordinators."
    )


def take_refusal(outcome: Outcome, not_yours: str) -> tuple[str, bool]:
    """Why a press to take a request (Accept on a ping, "I can help" under a group-chat
    post) did not make it theirs, and whether that needs an alert; `not_yours` for one
    they may not take at all."""
    refusals = {
        Outcome.ALREADY: (_("You've already taken this one. Thank you!"), False),
        # No edit follows: closing the request already edits (or is about to) every ping.
        Outcome.TOO_LATE: (_("Sorry, someone else has just taken this one. Thank you!"), False),
        Outcome.NOT_FOUND: (_("This request no longer exists."), False),
        Outcome.ON_HOLD: (on_hold_refusal(), True),
        Outcome.NEEDS_CHECK: (
            _(
                "This one needs a volunteer whose ID a coordinator has checked. Ask a "
                "coordinator if you'd like to be checked."
            ),
            True,
        ),
        Outcome.HANDED_BACK: (
            _("You handed this one back, so it's going to someone else. Thank you!"),
            True,
        ),
    }
    return refusals.get(outcome, (not_yours, True))


def handover_refusal(outcome: Outcome) -> tuple[str, bool]:
    """Why a coordinator's hand-over of a request to a volunteer (from the request's card
    or from the map) did not happen, and whether that needs an alert."""
    refusals = {
        Outcome.ALREADY: (_("They already have it."), False),
        Outcome.TOO_LATE: (_("That request has just been taken or closed."), False),
        Outcome.NEEDS_CHECK: (
            _("This kind of request needs a volunteer who is ID/DBS-checked."),
            True,
        ),
        Outcome.NOT_FOUND: (_("This request no longer exists."), False),
        Outcome.ON_HOLD: (
            _("That volunteer is on hold: lift the hold on their card first."),
            True,
        ),
    }
    return refusals.get(
        outcome,
        (_("That volunteer can't take it now: not approved any more, or not reachable."), True),
    )


def resumed_by_coordinator(still_paused: bool = False) -> str:
    text = _("▶️ A coordinator has switched your requests back on. Welcome back!")
    if still_paused:
        text += "\n" + _("You had paused them yourself too: /resume when you're ready.")
    return text


def removed_by_coordinator() -> str:
    return _(
        "A coordinator has taken you off the list of volunteers, so you won't get requests "
        "any more. Thank you for your help. If you think this is a mistake, /concern "
        "reaches the coordinators."
    )


def sign_up_to_help() -> str:
    return _(
        "Thank you for offering to help! Only approved volunteers can take requests. "
        "Send /volunteer to sign up: a coordinator will check your details and approve you."
    )


def waiting_for_approval() -> str:
    return _(
        "Thank you for offering to help! A coordinator still has to approve your sign-up; "
        "after that you can take requests."
    )


def group_post(request: HelpRequest, where: str | None, tz: ZoneInfo) -> str:
    """A new request as the neighbourhood's group chat sees it: what, when, which part of
    the area. Never a name, an address, a phone number or a distance from anyone's home."""
    text = _("🆘 <b>Request #{id}</b>: {category}\n“{description}”\n🕒 {when}").format(
        id=request.id,
        category=category_label(request.category),
        description=esc(request.description),
        when=when_text(request.when, request.due_at, tz),
    )
    if request.category is Category.PHONE_CALL:
        text += "\n📍 " + _("by phone, from home")
    elif where:
        text += "\n📍 " + where
    return text + "\n\n" + _("Approved volunteers: press the button to take it.")


def group_post_taken(request: HelpRequest) -> str:
    return _(
        "✅ <b>Request #{id}</b> ({category}) has been taken by a volunteer. Thank you!"
    ).format(id=request.id, category=category_label(request.category))


def group_post_done(request: HelpRequest) -> str:
    return _("🎉 <b>Request #{id}</b> ({category}) is done. Thank you, neighbours!").format(
        id=request.id, category=category_label(request.category)
    )


def group_post_closed(request: HelpRequest) -> str:
    return _("<b>Request #{id}</b> ({category}) is no longer needed.").format(
        id=request.id, category=category_label(request.category)
    )


# --- fair to volunteers ------------------------------------------------------------------


def area_label(code: str) -> str:
    """The areas of the weekly summary (bot.services.fairness.area_of)."""
    labels = {
        "centre": _("the centre"),
        "n": _("north"),
        "ne": _("north-east"),
        "e": _("east"),
        "se": _("south-east"),
        "s": _("south"),
        "sw": _("south-west"),
        "w": _("west"),
        "nw": _("north-west"),
        "all": _("the whole area"),
    }
    return labels.get(code, code)


def waiting_for_quiet_hours(at: float, tz: ZoneInfo) -> str:
    """A coordinator's "ask everyone" when everyone left is asleep."""
    return _(
        "Everyone left to ask is in their quiet hours. I'll ask them at {time}, "
        "if it's still open."
    ).format(time=format_time(at, tz))


def asked_everyone(asked: tuple[int, float | None] | None, tz: ZoneInfo) -> str:
    """What a coordinator's "ask every eligible volunteer" came to, on the request's card
    or on the map: `asked` is the desk's (sent, waiting until), None if it wasn't open."""
    if asked is None:
        return _("That request is no longer open.")
    sent, waiting = asked
    if sent == 0 and waiting is not None:
        return waiting_for_quiet_hours(waiting, tz)
    if sent == 0:
        return _("There is nobody else eligible to ask.")
    return ngettext("Asked {n} more volunteer.", "Asked {n} more volunteers.", sent).format(n=sent)


def quiet_hours_prompt(quiet: QuietHours | None, own: bool) -> str:
    """After /volunteer: the volunteer's quiet hours, and the buttons to change them."""
    if quiet is None:
        text = _("🌙 Quiet hours: none. You may get requests at any time of day or night.")
    else:
        text = _(
            "🌙 Quiet hours: {hours}. I won't send you requests then; any that can't wait "
            "go to volunteers who are awake."
        ).format(hours=quiet.label())
    if not own:
        text += "\n" + _("(That's the group's usual setting.)")
    return text + "\n" + _("Tap to change them:")


def ping_limits(max_per_day: int, spacing_s: float, quiet: QuietHours | None) -> str:
    """/mytasks: how often they can be asked, so nobody is worn out."""
    lines = [
        ngettext(
            "🔔 You'll hear about at most {n} request a day.",
            "🔔 You'll hear about at most {n} requests a day.",
            max_per_day,
        ).format(n=max_per_day)
    ]
    if spacing_s > 0:
        minutes = max(1, round(spacing_s / 60))
        lines.append(
            ngettext(
                "At least {n} minute apart, unless you took the last one.",
                "At least {n} minutes apart, unless you took the last one.",
                minutes,
            ).format(n=minutes)
        )
    if quiet is not None:
        lines.append(_("None during your quiet hours ({hours}).").format(hours=quiet.label()))
    lines.append(_("Change your quiet hours, distance or kinds of help with /volunteer."))
    return "\n".join(lines)


def left_out_note(volunteer: Volunteer, nearby: list[Nearby]) -> str:
    """Once, to a volunteer approved a month ago and never asked: kind, and what to do."""
    lines = [
        _(
            "👋 Hello {name}! You've been one of our volunteers for a month, and no request "
            "has come your way yet. Thank you for your patience: it isn't anything you did."
        ).format(name=esc(volunteer.first_name))
    ]
    if nearby:
        lines.append(_("In the last 30 days, near you:"))
        for near in nearby:
            reason = (
                _("a little beyond your {km} km").format(km=f"{volunteer.radius_km:g}")
                if near.category in volunteer.categories
                else _("a kind of help you haven't chosen")
            )
            lines.append(f"• {category_label(near.category)}: {number(near.count)} ({reason})")
        lines.append(
            _(
                "If you'd like to hear about more, use /volunteer to go a little further or "
                "to add kinds of help. No pressure at all."
            )
        )
    else:
        lines.append(
            _(
                "It has been quiet near you: good news for your neighbours. If you'd like "
                "to hear about more, use /volunteer to go a little further or to add kinds "
                "of help."
            )
        )
    return "\n".join(lines)


def weekly_summary(summary: WeeklySummary) -> str:
    """The coordinators' weekly look at who is left out, and where help is short."""
    lines = [_("📅 <b>This week: is everyone included?</b>")]
    if summary.left_out:
        lines.append(_("Volunteers approved 30+ days ago who have never been asked:"))
        for area, names in summary.left_out.items():
            lines.append(f"• {area_label(area)}: {', '.join(esc(n) for n in names)}")
    else:
        lines.append(_("Every volunteer approved a month ago has been asked at least once."))
    if summary.short:
        lines.append(_("Areas where this week's requests outnumber the volunteers:"))
        for count in summary.short:
            requests = ngettext("{n} request", "{n} requests", count.requests).format(
                n=number(count.requests)
            )
            volunteers = ngettext("{n} volunteer", "{n} volunteers", count.volunteers).format(
                n=number(count.volunteers)
            )
            lines.append(f"• {area_label(count.area)}: {requests}, {volunteers}")
    else:
        lines.append(_("No area had more requests than volunteers this week."))
    return "\n".join(lines)


# --- safe on the doorstep, and first tasks --------------------------------------------


def are_you_ok(request_id: int, arrived_at: float, tz: ZoneInfo) -> str:
    """To a volunteer who arrived CHECKOUT_AFTER_S ago and hasn't said they've left."""
    return _(
        "👋 <b>Are you OK?</b> You arrived for #{id} at {time} and haven't said you've "
        "left yet. Please press one of the buttons."
    ).format(id=request_id, time=format_time(arrived_at, tz))


def safety_alert_for_coordinators(
    request_id: int, volunteer_id: int, name: str, arrived_at: float, tz: ZoneInfo, *, asked: bool
) -> str:
    """Every coordinator, at once: a volunteer on a doorstep may need help. Never the
    address: that is a logged /details away."""
    if asked:
        headline = _("🆘 <b>{name} has pressed “I need help”</b> on request #{id}.")
    else:
        headline = _(
            "🚨 <b>Safety check: {name} hasn't said they've left</b> request #{id}, and "
            "didn't answer “Are you OK?”."
        )
    return (
        headline.format(name=person_link(volunteer_id, name), id=request_id)
        + "\n"
        + _("They arrived at {time}.").format(time=format_time(arrived_at, tz))
        + "\n"
        + _("Tap their name to message them. The address, if you need it: /details {id}").format(
            id=request_id
        )
    )


def left_safely_for_coordinators(request_id: int, volunteer_id: int, name: str) -> str:
    """After an alert: the all-clear."""
    return _("✅ {name} has now said they've left #{id} safely.").format(
        name=person_link(volunteer_id, name), id=request_id
    )


def no_show_for_coordinators(
    request_id: int, volunteer_id: int, name: str, arrived_at: float | None, tz: ZoneInfo
) -> str:
    text = _(
        "😟 The requester of #{id} says {name}, who was going to help, didn't come. "
        "Please get in touch with them both."
    ).format(id=request_id, name=person_link(volunteer_id, name))
    if arrived_at is not None:
        text += "\n" + _("{name} pressed “I've arrived” at {time}.").format(
            name=esc(name) or volunteer_id, time=format_time(arrived_at, tz)
        )
    return text


def first_task_for_coordinators(
    request_id: int, volunteer_id: int, name: str, nth: int, first: int
) -> str:
    """One of a volunteer's first FIRST_TASKS tasks has just been taken."""
    who = person_link(volunteer_id, name)
    if nth == 1:
        return _("🌱 {name}'s first task: #{id}").format(name=who, id=request_id)
    return _("🌱 {name}'s task {n} of their first {first}: #{id}").format(
        name=who, n=nth, first=first, id=request_id
    )


def first_task_check_in(request_id: int) -> str:
    return _(
        "🌱 Thank you for doing your first task (#{id})! How did it go? Anything we "
        "should know? Press the button to tell the coordinators, in your own words."
    ).format(id=request_id)


def check_in_for_coordinators(request_id: int, volunteer_id: int, name: str, text: str) -> str:
    return _("💬 {name} on their first task (#{id}): “{text}”").format(
        name=person_link(volunteer_id, name), id=request_id, text=esc(text)
    )


def added_to_request(result: Result, open_id: int) -> str:
    """What the person who added to an open request is told."""
    request = result.request
    if result.outcome is Outcome.OK and request is not None:
        if request.status is RequestStatus.CLAIMED:
            return _("✅ Added to #{id}. I've told the volunteer who is helping.").format(
                id=open_id
            )
        return _("✅ Added to #{id}. The volunteer who takes it will see it.").format(id=open_id)
    if result.outcome is Outcome.ALREADY:
        return _(
            "#{id} can't take any more details: please ask for this as a new request with "
            "/request."
        ).format(id=open_id)
    return _(
        "#{id} has closed meanwhile, so I couldn't add to it. Please use /request to ask "
        "for this as a new request."
    ).format(id=open_id)
